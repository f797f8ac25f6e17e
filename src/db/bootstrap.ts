import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { applyMigrations } from './migrate.ts';
import { openSqlite, type SqliteDatabase } from './sqlite.ts';
import { sqliteFilePath } from './url.ts';

/**
 * Brings the database up to the current schema (creating it when new) and opens it. Migrations run before the
 * gateway's own connection opens: the schema engine reports a busy database as an error instead of waiting.
 */
export async function openMigratedDatabase(databaseUrl: string): Promise<{ db: SqliteDatabase; appliedMigrations: string[] }> {
  mkdirSync(path.dirname(sqliteFilePath(databaseUrl)), { recursive: true });
  const appliedMigrations = await applyMigrations(databaseUrl);
  return { db: openSqlite(databaseUrl), appliedMigrations };
}
