/**
 * The hand-written SQL for reading cost rows: keyset pages in any supported order, counts, rows by id, and the parsed
 * ContractApplied elements of rows. Callers pass conditions over the cost_records table aliased COST_RECORD_ALIAS
 * (a connection's scope ANDed with a compiled CostRecordFilter).
 */
import { COST_AND_USAGE_COLUMNS, type FocusColumn } from '../focus/columns.ts';
import type Database from 'better-sqlite3';
import type { SqliteDatabase } from '../db/sqlite.ts';
import { keysetOrder, keysetPage, QueryInputError, type KeysetKey, type KeysetOrder, type Page, type PageArgs, type SortDirection } from './keyset.ts';
import { andSql, type SqlFragment } from './sql.ts';

export const COST_RECORD_ALIAS = 'cr';

/** A cost_records row as SQLite returns it: snake_case columns, epoch-ms date-times, JSON columns as text. */
export type StoredCostRecord = { id: number; batch_id: number; extra_columns: string | null } & Record<string, unknown>;

/**
 * The columns a cost row page can be sorted by, besides `id`: the time, money and dimension columns people sort by.
 * Those with an index (INDEXED_SORT_FIELDS) stay fast on any page of a large table; the others sort the matching rows
 * for every page, which is quick once a filter or scope has narrowed them and slow over millions.
 */
export const COST_RECORD_SORT_FIELDS = [
  'chargePeriodStart',
  'chargePeriodEnd',
  'billingPeriodStart',
  'billingPeriodEnd',
  'billedCost',
  'effectiveCost',
  'listCost',
  'contractedCost',
  'consumedQuantity',
  'pricingQuantity',
  'billingAccountId',
  'subAccountId',
  'serviceProviderName',
  'serviceCategory',
  'serviceName',
  'chargeCategory',
  'regionId',
  'resourceId',
  'skuId',
] as const;

export type CostRecordSortField = (typeof COST_RECORD_SORT_FIELDS)[number] | 'id';

export const INDEXED_SORT_FIELDS: ReadonlySet<CostRecordSortField> = new Set(['chargePeriodStart', 'billingAccountId', 'subAccountId', 'serviceName', 'regionId', 'id']);

/**
 * Keys that follow a sort field unless the order names them itself. The only index on BillingAccountId is
 * (BillingAccountId, BillingPeriodStart): ordering by the account alone would sort each account's rows by id in a
 * temporary table on every page, while account then billing period walks the index.
 */
export const IMPLIED_SORT_FIELDS: Readonly<Partial<Record<CostRecordSortField, CostRecordSortField>>> = { billingAccountId: 'billingPeriodStart' };

export interface CostRecordOrder {
  field: CostRecordSortField;
  direction?: SortDirection | null;
}

const sortColumns = new Map<string, FocusColumn>(
  COST_RECORD_SORT_FIELDS.map((field) => {
    const column = COST_AND_USAGE_COLUMNS.find((candidate) => candidate.field === field);
    if (!column) throw new Error(`${field} is not a Cost and Usage column`);
    return [field, column];
  }),
);

function columnKey(column: FocusColumn, direction: SortDirection): KeysetKey<StoredCostRecord> {
  return {
    name: column.field,
    sql: `${COST_RECORD_ALIAS}.${column.dbColumn}`,
    direction,
    // Only the essential columns are NOT NULL in the table: a file of an older FOCUS version can lack the others.
    nullable: !column.essential,
    type: column.type === 'datetime' ? 'integer' : column.type === 'decimal' ? 'number' : 'string',
    read: (row) => row[column.dbColumn],
  };
}

const idKey = (direction: SortDirection): KeysetKey<StoredCostRecord> => ({
  name: 'id',
  sql: `${COST_RECORD_ALIAS}.id`,
  direction,
  nullable: false,
  type: 'integer',
  read: (row) => row.id,
});

/**
 * The keyset order for `orderBy`: its columns, then the id as the tie-breaker, in the direction of the last column so
 * that a single-column order runs along that column's index. No orderBy means id ascending.
 */
export function costRecordOrder(orderBy: readonly CostRecordOrder[] | null | undefined): KeysetOrder<StoredCostRecord> {
  const keys: KeysetKey<StoredCostRecord>[] = [];
  const seen = new Set<string>();
  let idDirection: SortDirection = 'ASC';
  const orders = orderBy ?? [];
  const named = new Set(orders.map((order) => order.field));
  orders.forEach((order, index) => {
    const direction = order.direction ?? 'ASC';
    if (seen.has(order.field)) throw new QueryInputError(`orderBy[${index}]: ${order.field} is already in the order`);
    seen.add(order.field);
    if (order.field === 'id') {
      if (index !== orders.length - 1) throw new QueryInputError(`orderBy[${index}]: id is unique, so it can only be the last orderBy entry`);
      idDirection = direction;
      return;
    }
    const column = sortColumns.get(order.field);
    if (!column) throw new QueryInputError(`orderBy[${index}]: cost records cannot be sorted by ${order.field}`);
    keys.push(columnKey(column, direction));
    const implied = IMPLIED_SORT_FIELDS[order.field];
    if (implied && !named.has(implied)) keys.push(columnKey(sortColumns.get(implied)!, direction));
    idDirection = direction;
  });
  return keysetOrder('CostRecord', [...keys, idKey(idDirection)]);
}

type Statement = Database.Statement<unknown[]>;
const statementCaches = new WeakMap<SqliteDatabase, Map<string, Statement>>();

/** Pages are built from a few SQL shapes per order and filter; reusing their prepared statements saves the parse. */
function prepared(db: SqliteDatabase, sql: string): Statement {
  let cache = statementCaches.get(db);
  if (!cache) statementCaches.set(db, (cache = new Map()));
  let statement = cache.get(sql);
  if (!statement) {
    if (cache.size >= 500) cache.clear();
    statement = db.prepare<unknown[]>(sql);
    cache.set(sql, statement);
  }
  return statement;
}

export interface CostRecordPageQuery {
  /** The rows of the connection: its scope ANDed with the compiled filter. */
  where: SqlFragment;
  orderBy?: readonly CostRecordOrder[] | null;
  page: PageArgs;
  /** The stored columns the caller reads (the id is always read); all of them when omitted. */
  columns?: readonly string[] | null;
}

/** Every stored column of cost_records, which is also the list of names a caller may ask for. */
export const COST_RECORD_COLUMNS: ReadonlySet<string> = new Set(['id', 'batch_id', 'extra_columns', ...COST_AND_USAGE_COLUMNS.map((column) => column.dbColumn)]);

/**
 * A page in two steps: the keyset queries select only the ids and sort keys, then the page's rows are read by id, with
 * only the columns asked for. When SQLite has to sort (an order no index serves), it then sorts narrow tuples instead
 * of whole rows; and a row of 75 columns costs far more to hand to JavaScript than the handful a page shows.
 */
export async function costRecordPage(db: SqliteDatabase, query: CostRecordPageQuery): Promise<Page<StoredCostRecord>> {
  const order = costRecordOrder(query.orderBy);
  const keyColumns = order.keys.map((key) => key.sql).join(', ');
  const page = await keysetPage(order, query.page, ({ where, orderBy, limit }) => {
    const condition = andSql([query.where, where]);
    return prepared(db, `SELECT ${keyColumns} FROM cost_records ${COST_RECORD_ALIAS} WHERE ${condition.sql} ORDER BY ${orderBy} LIMIT ?`).all(
      ...condition.params,
      limit,
    ) as StoredCostRecord[];
  });
  // Cursors were made from the narrow rows, so the full ones need only what the caller reads.
  const rows = costRecordsById(
    db,
    page.edges.map((edge) => edge.node.id),
    query.columns ?? null,
  );
  page.edges.forEach((edge, index) => {
    if (rows[index]) edge.node = rows[index];
  });
  // A row that an ingest replaced between the two steps is left out; the cursors around it stay valid positions.
  page.edges = page.edges.filter((_edge, index) => rows[index] !== undefined);
  return page;
}

export function countCostRecords(db: SqliteDatabase, where: SqlFragment): number {
  return (prepared(db, `SELECT COUNT(*) AS n FROM cost_records ${COST_RECORD_ALIAS} WHERE ${where.sql}`).get(...where.params) as { n: number }).n;
}

/** Rows by id, in the order of `ids`, with undefined for ids that match no row; `columns` (and the id) or all of them. */
export function costRecordsById(db: SqliteDatabase, ids: readonly number[], columns: readonly string[] | null = null): (StoredCostRecord | undefined)[] {
  if (ids.length === 0) return [];
  const unknown = columns?.find((column) => !COST_RECORD_COLUMNS.has(column));
  if (unknown !== undefined) throw new Error(`cost_records has no column ${unknown}`);
  const list = columns ? [...new Set(['id', ...columns])].join(', ') : '*';
  const rows = prepared(db, `SELECT ${list} FROM cost_records WHERE id IN (SELECT value FROM json_each(?))`).all(JSON.stringify(ids)) as StoredCostRecord[];
  const byId = new Map(rows.map((row) => [row.id, row]));
  return ids.map((id) => byId.get(id));
}

/** One element of a row's ContractApplied, as ingest stored it in contract_applications (both key casings read). */
export interface ContractAppliedElement {
  costRecordId: number;
  contractId: string | null;
  contractCommitmentId: string;
  contractCommitmentAppliedCost: number | null;
  contractCommitmentAppliedQuantity: number | null;
  contractCommitmentAppliedUnit: string | null;
}

/** The ContractApplied elements of each row, in the order the row lists them. */
export function contractAppliedElements(db: SqliteDatabase, costRecordIds: readonly number[]): ContractAppliedElement[][] {
  const byRecord = new Map<number, ContractAppliedElement[]>(costRecordIds.map((id) => [id, []]));
  const rows = prepared(
    db,
    `SELECT cost_record_id AS costRecordId, contract_id AS contractId, contract_commitment_id AS contractCommitmentId,
            applied_cost AS contractCommitmentAppliedCost, applied_quantity AS contractCommitmentAppliedQuantity,
            applied_unit AS contractCommitmentAppliedUnit
     FROM contract_applications WHERE cost_record_id IN (SELECT value FROM json_each(?)) ORDER BY id`,
  ).all(JSON.stringify(costRecordIds)) as ContractAppliedElement[];
  for (const row of rows) byRecord.get(row.costRecordId)?.push(row);
  return costRecordIds.map((id) => byRecord.get(id) ?? []);
}
