/**
 * Keyset pages over the gateway's small tables (billing accounts, families, commitments, ingest batches), on the
 * keyset module's rules: a page selects only the row ids and sort keys; the caller loads the rows themselves by id
 * (through Prisma), so the page query stays the same whatever the row shape.
 */
import type { SqliteDatabase } from '../db/sqlite.ts';
import { keysetPage, type KeysetKey, type KeysetOrder, type Page, type PageArgs, type SortDirection } from './keyset.ts';
import { andSql, type SqlFragment } from './sql.ts';

/** A page row: each key's value under the key's name (the last key being the row id). */
export type KeyRow = Record<string, string | number | null>;

/** A sort key read back under its own name. */
export function sortKey(name: string, sql: string, direction: SortDirection, type: KeysetKey<KeyRow>['type'], nullable = false): KeysetKey<KeyRow> {
  return { name, sql, direction, nullable, type, read: (row) => row[name] };
}

/** A table, or a join, with the condition its rows must meet (a scope and a filter). */
export interface TableSelection {
  /** FROM clause, such as `commitments c`. */
  from: string;
  where: SqlFragment;
}

export function tablePage(db: SqliteDatabase, selection: TableSelection, order: KeysetOrder<KeyRow>, args: PageArgs): Promise<Page<KeyRow>> {
  const columns = order.keys.map((key) => `${key.sql} AS "${key.name}"`).join(', ');
  return keysetPage(order, args, ({ where, orderBy, limit }) => {
    const condition = andSql([selection.where, where]);
    return db.prepare(`SELECT ${columns} FROM ${selection.from} WHERE ${condition.sql} ORDER BY ${orderBy} LIMIT ?`).all(...condition.params, limit) as KeyRow[];
  });
}

export function tableCount(db: SqliteDatabase, selection: TableSelection): number {
  return (db.prepare(`SELECT COUNT(*) AS count FROM ${selection.from} WHERE ${selection.where.sql}`).get(...selection.where.params) as { count: number }).count;
}
