import { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3';
import { PrismaClient } from '../generated/prisma/client.ts';
import { sqliteFilePath } from './url.ts';

export type { PrismaClient };

/**
 * Date-times are stored as epoch milliseconds: 8 bytes instead of 24 characters a value, integer comparisons for
 * ranges, and the same representation the ingest writes through raw SQL.
 */
export function createPrismaClient(databaseUrl: string): PrismaClient {
  return new PrismaClient({ adapter: new PrismaBetterSqlite3({ url: sqliteFilePath(databaseUrl) }, { timestampFormat: 'unixepoch-ms' }) });
}
