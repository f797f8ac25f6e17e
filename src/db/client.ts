import { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3';
import { PrismaClient } from '../generated/prisma/client.ts';
import { sqliteFilePath } from './url.ts';

export type { PrismaClient };

/**
 * `busyTimeoutMs`: how long a write waits inside SQLite (synchronously) for another process's lock; better-sqlite3's
 * default is 5 s. The server passes a moment and retries asynchronously instead (src/db/busy.ts).
 *
 * Date-times are stored as epoch milliseconds: 8 bytes instead of 24 characters a value, integer comparisons for
 * ranges, and the same representation the ingest writes through raw SQL.
 */
export function createPrismaClient(databaseUrl: string, options: { busyTimeoutMs?: number } = {}): PrismaClient {
  return new PrismaClient({ adapter: new PrismaBetterSqlite3({ url: sqliteFilePath(databaseUrl), ...(options.busyTimeoutMs === undefined ? {} : { timeout: options.busyTimeoutMs }) }, { timestampFormat: 'unixepoch-ms' }) });
}
