import { cpSync, mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { applyMigrations, MIGRATIONS_DIR } from '../src/db/migrate.ts';
import { openSqlite } from '../src/db/sqlite.ts';
import { fileSource, ingest } from '../src/ingest/service.ts';
import { AWS_COST_SAMPLE, tempDir } from './helpers.ts';

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((cleanup) => cleanup()));

describe('migrations', () => {
  it('creates a new database and records the migrations as prisma migrate deploy does', async () => {
    const { dir, remove } = tempDir();
    cleanups.push(remove);
    const url = `file:${path.join(dir, 'new.db')}`;
    const applied = await applyMigrations(url);
    const folders = readdirSync(MIGRATIONS_DIR).filter((name) => name !== 'migration_lock.toml').sort();
    expect(applied).toEqual(folders);
    const db = openSqlite(url);
    const recorded = db.prepare('SELECT migration_name, finished_at IS NOT NULL AS finished, rolled_back_at, applied_steps_count FROM _prisma_migrations ORDER BY migration_name').all();
    db.close();
    expect(recorded).toEqual(folders.map((name) => ({ migration_name: name, finished: 1, rolled_back_at: null, applied_steps_count: 1 })));
    expect(await applyMigrations(url)).toEqual([]);
  });

  it('upgrades a database made by an older gateway in place, keeping its data', async () => {
    const { dir, remove } = tempDir();
    cleanups.push(remove);
    const [first] = readdirSync(MIGRATIONS_DIR).filter((name) => name !== 'migration_lock.toml').sort();
    const olderMigrations = path.join(dir, 'older-migrations');
    mkdirSync(olderMigrations);
    cpSync(path.join(MIGRATIONS_DIR, first), path.join(olderMigrations, first), { recursive: true });
    cpSync(path.join(MIGRATIONS_DIR, 'migration_lock.toml'), path.join(olderMigrations, 'migration_lock.toml'));
    const url = `file:${path.join(dir, 'older.db')}`;
    expect(await applyMigrations(url, olderMigrations)).toEqual([first]);

    // Data as the older gateway wrote it: a batch, a cost row that references it, a family.
    let db = openSqlite(url);
    db.prepare(
      `INSERT INTO ingest_batches (id, file_name, checksum, dataset, focus_version, status, rows_read, rows_loaded, rows_skipped, rows_replaced, started_at, completed_at)
       VALUES (1, 'old.csv', 'abc', 'CostAndUsage', '1.2', 'ACTIVE', 1, 1, 0, 0, 1, 2)`,
    ).run();
    db.prepare(
      `INSERT INTO cost_records (batch_id, billed_cost, effective_cost, billing_account_id, billing_period_start, billing_period_end, charge_period_start, charge_period_end)
       VALUES (1, 12.5, 12.5, 'BA', 0, 10, 0, 10)`,
    ).run();
    db.prepare("INSERT INTO families (id, name, created_at, updated_at) VALUES ('f1', 'Platform', 0, 0)").run();
    db.close();

    const upgraded = await applyMigrations(url);
    expect(upgraded).toHaveLength(readdirSync(MIGRATIONS_DIR).length - 2);
    db = openSqlite(url);
    expect(db.prepare('SELECT id, file_name, source_format FROM ingest_batches').all()).toEqual([{ id: 1, file_name: 'old.csv', source_format: 'csv' }]);
    expect(db.prepare('SELECT batch_id, billed_cost FROM cost_records').all()).toEqual([{ batch_id: 1, billed_cost: 12.5 }]);
    expect(db.prepare('SELECT name FROM families').all()).toEqual([{ name: 'Platform' }]);
    expect(db.prepare('PRAGMA foreign_key_check').all()).toEqual([]);
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    const summary = await ingest(db, fileSource(AWS_COST_SAMPLE));
    expect(summary.rowsLoaded).toBe(100);
    db.close();
  });
});
