import { applyMigrations } from './migrate.ts';
import { openSqlite, type SqliteDatabase } from './sqlite.ts';

/** Brings the database up to the current schema (creating it when new) and opens it. */
export async function openMigratedDatabase(databaseUrl: string): Promise<{ db: SqliteDatabase; appliedMigrations: string[] }> {
  const db = openSqlite(databaseUrl);
  try {
    const appliedMigrations = await applyMigrations(databaseUrl);
    return { db, appliedMigrations };
  } catch (error) {
    db.close();
    throw error;
  }
}
