/**
 * The raw SQLite connection used by the hand-written SQL modules (ingest writers, aggregates). Prisma keeps its own
 * connection to the same file through the driver adapter; WAL lets readers carry on while an ingest writes.
 */
import Database from 'better-sqlite3';
import { Decimal } from 'decimal.js';
import { sqliteFilePath } from './url.ts';

export type SqliteDatabase = Database.Database;

/** Wide enough that adding any number of 15-digit values never rounds. */
export const ExactDecimal = Decimal.clone({ precision: 200 });

export function openSqlite(databaseUrl: string): SqliteDatabase {
  const db = new Database(sqliteFilePath(databaseUrl));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 15000');
  db.pragma('foreign_keys = ON');
  // Money is stored as doubles, each holding its source decimal exactly (up to 15 significant digits); SUM() over
  // doubles would round, so totals add the decimals themselves.
  db.aggregate<Decimal>('decimal_sum', {
    start: () => new ExactDecimal(0),
    step: (total: Decimal, value: unknown) => (value === null ? total : total.plus(String(value))),
    result: (total: Decimal) => total.toFixed(),
  });
  return db;
}
