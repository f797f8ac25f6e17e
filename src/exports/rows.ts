/**
 * The hand-written SQL an export reads with: its cost rows in id order, and the Contract Commitment rows that go with
 * them. `where` is a condition over cost_records aliased COST_RECORD_ALIAS (see exportSelection).
 */
import type Database from 'better-sqlite3';
import type { SqliteDatabase } from '../db/sqlite.ts';
import { COST_AND_USAGE_COLUMNS, CONTRACT_COMMITMENT_COLUMNS } from '../focus/columns.ts';
import { COST_RECORD_ALIAS } from '../query/cost-records.ts';
import type { SqlFragment } from '../query/sql.ts';

export type RawRows = IterableIterator<unknown[]>;

const statement = (db: SqliteDatabase, sql: string) => db.prepare<unknown[], unknown[]>(sql).raw(true) as Database.Statement<unknown[], unknown[]>;

/** The matching cost rows as arrays of the Cost and Usage columns, in catalog order, streamed in id order. */
export function costRows(db: SqliteDatabase, where: SqlFragment): RawRows {
  const columns = COST_AND_USAGE_COLUMNS.map((column) => `${COST_RECORD_ALIAS}.${column.dbColumn}`).join(', ');
  return statement(db, `SELECT ${columns} FROM cost_records ${COST_RECORD_ALIAS} WHERE ${where.sql} ORDER BY ${COST_RECORD_ALIAS}.id`).iterate(...where.params);
}

/**
 * The Contract Commitment rows whose commitment period overlaps [start, end) and that belong to the billing account
 * of an exported cost row or were drawn down by one, as arrays of the Contract Commitment columns in catalog order.
 */
export function commitmentRows(db: SqliteDatabase, where: SqlFragment, period: { start: number; end: number }): RawRows {
  const alias = COST_RECORD_ALIAS;
  const columns = CONTRACT_COMMITMENT_COLUMNS.map((column) => `c.${column.dbColumn}`).join(', ');
  return statement(
    db,
    `SELECT ${columns} FROM commitments c
     WHERE c.contract_commitment_period_start < ? AND c.contract_commitment_period_end > ?
       AND (c.billing_account_id IN (SELECT ${alias}.billing_account_id FROM cost_records ${alias} WHERE ${where.sql})
         OR c.contract_commitment_id IN (SELECT ca.contract_commitment_id FROM contract_applications ca
                                         JOIN cost_records ${alias} ON ${alias}.id = ca.cost_record_id WHERE ${where.sql}))
     ORDER BY c.id`,
  ).iterate(period.end, period.start, ...where.params, ...where.params);
}
