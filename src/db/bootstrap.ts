import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { rebuildRollups } from '../analytics/rollups.ts';
import { applyMigrations, pendingMigrationNames } from './migrate.ts';
import { openSqlite, type SqliteDatabase } from './sqlite.ts';
import { sqliteFilePath } from './url.ts';

/** Migrations after which the rollups are computed anew: the daily rollup, the lattice with BillingPeriodEnd, the monthly rollups. */
const ROLLUP_MIGRATIONS = ['_cost_daily_rollups', '_rollup_lattice', '_monthly_rollups'];

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
  // The migrations that add rollups or rollup columns leave them empty: fill them from the rows already loaded.
  if (appliedMigrations.some((name) => ROLLUP_MIGRATIONS.some((suffix) => name.endsWith(suffix)))) rebuildRollups(migrated);
  return { db: migrated, appliedMigrations };
}
