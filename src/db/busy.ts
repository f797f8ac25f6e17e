/**
 * Writing while another process holds SQLite's write lock. An ingest loads each file in one transaction, so
 * `focus-gateway ingest` run beside a server holds the lock for as long as the file takes (a minute for a million
 * rows). better-sqlite3 waits for a lock synchronously, holding the server's event loop for the whole wait, and
 * Prisma's driver adapter does the same. So the server's writes never wait inside SQLite: each attempt fails at once
 * when the database is busy, and the wait between attempts is asynchronous, leaving the event loop to serve reads
 * (which WAL lets run beside the ingest). Bookkeeping that can be done later (export progress, a key's last use) is
 * simply skipped when busy.
 */
import type { SqliteDatabase } from './sqlite.ts';

/** How long a request's write waits for the lock before it is refused with DATABASE_BUSY, unless configured. */
export const WRITE_WAIT_MS = 10_000;

let writeWaitMs = WRITE_WAIT_MS;

/** Sets, for this process, how long writes wait for the lock by default (`serve` reads DATABASE_WRITE_WAIT_MS). */
export function setWriteWait(ms: number): void {
  writeWaitMs = ms;
}
/** What the server's Prisma client waits inside SQLite for the lock (a blocking wait): a moment, then it retries. */
export const PRISMA_SERVER_BUSY_TIMEOUT_MS = 50;

const FIRST_RETRY_MS = 20;
const LONGEST_RETRY_MS = 500;

/** A write that waited its whole budget for another process's write (an ingest) to end. */
export class DatabaseBusyError extends Error {
  readonly code = 'DATABASE_BUSY';
  /** What a client is told to wait before trying again (Retry-After). */
  readonly retryAfterSeconds = 5;
  constructor() {
    super('the database is busy with another write (an ingest, most likely); try again in a few seconds');
  }
}

/** Whether an error is SQLite's "database is locked", from better-sqlite3 or through Prisma's driver adapter. */
export function isDatabaseBusy(error: unknown): boolean {
  if (error === null || typeof error !== 'object') return false;
  const { code, meta } = error as { code?: unknown; meta?: { driverAdapterError?: { cause?: { originalCode?: unknown } } } };
  if (typeof code === 'string' && code.startsWith('SQLITE_BUSY')) return true;
  const original = meta?.driverAdapterError?.cause?.originalCode;
  return typeof original === 'string' && original.startsWith('SQLITE_BUSY');
}

/** Runs `write` on `db` without waiting for the lock: SQLite fails at once instead of blocking the event loop. */
function withoutWaiting<T>(db: SqliteDatabase, write: () => T): T {
  const timeout = db.pragma('busy_timeout', { simple: true }) as number;
  db.pragma('busy_timeout = 0');
  try {
    return write();
  } finally {
    db.pragma(`busy_timeout = ${timeout}`);
  }
}

/** What tryWrite returns when the database was busy. */
export const BUSY = Symbol('database busy');

/** Best effort: the write's result, or BUSY when another process holds the lock (nothing was written). */
export function tryWrite<T>(db: SqliteDatabase, write: () => T): T | typeof BUSY {
  try {
    return withoutWaiting(db, write);
  } catch (error) {
    if (isDatabaseBusy(error)) return BUSY;
    throw error;
  }
}

/**
 * Runs `attempt` until it does not fail with a busy database, waiting asynchronously between attempts (from 20 ms,
 * doubling, up to 500 ms); after `maxWaitMs` (by default the process's write wait) throws DatabaseBusyError. `attempt` must leave nothing behind when it
 * fails (one transaction, or one statement).
 */
export async function retryWhileBusy<T>(attempt: () => T | Promise<T>, maxWaitMs = writeWaitMs): Promise<T> {
  const deadline = Date.now() + maxWaitMs;
  let delay = FIRST_RETRY_MS;
  for (;;) {
    try {
      return await attempt();
    } catch (error) {
      if (!isDatabaseBusy(error)) throw error;
      if (Date.now() + delay > deadline) throw new DatabaseBusyError();
    }
    await new Promise((resolve) => setTimeout(resolve, delay));
    delay = Math.min(delay * 2, LONGEST_RETRY_MS);
  }
}

/** A write on the raw connection that waits for the lock asynchronously (see retryWhileBusy). */
export function writeWhenFree<T>(db: SqliteDatabase, write: () => T, maxWaitMs = writeWaitMs): Promise<T> {
  return retryWhileBusy(() => withoutWaiting(db, write), maxWaitMs);
}
