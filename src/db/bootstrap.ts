import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { rebuildRollups } from '../analytics/rollups.ts';
import { applyMigrations, pendingMigrationNames } from './migrate.ts';
import { openSqlite, type SqliteDatabase } from './sqlite.ts';
import { sqliteFilePath } from './url.ts';

/**
 * Opens the database, first bringing it up to the current schema (creating it when new). The schema engine starts
 * only when a migration is pending, and with the gateway's own connection closed: it reports a busy database as an
 * error instead of waiting. An up-to-date database therefore opens while a server has it open too.
 */
export async function openMigratedDatabase(databaseUrl: string): Promise<{ db: SqliteDatabase; appliedMigrations: string[] }> {
  mkdirSync(path.dirname(sqliteFilePath(databaseUrl)), { recursive: true });
  const db = openSqlite(databaseUrl);
  if (pendingMigrationNames(db).length === 0) return { db, appliedMigrations: [] };
  db.close();
  const appliedMigrations = await applyMigrations(databaseUrl);
  const migrated = openSqlite(databaseUrl);
  // The migration that adds the daily rollup leaves it empty: fill it from the rows already loaded.
  if (appliedMigrations.some((name) => name.endsWith('_cost_daily_rollups'))) rebuildRollups(migrated);
  return { db: migrated, appliedMigrations };
}
