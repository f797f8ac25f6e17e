import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openSqlite } from '../src/db/sqlite.ts';
import { AWS_COST_SAMPLE, CLI, serveProcess, tableCounts, tempDir } from './helpers.ts';

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((cleanup) => cleanup()));

/** Starts `focus-gateway serve` and resolves once it prints where it listens. */
const serve = (cwd: string, env: Record<string, string>) => serveProcess(cwd, env, (child) => cleanups.push(() => child.kill('SIGKILL')));

describe('focus-gateway serve', () => {
  it('on the embedded default migrates, loads demo data into ./data/focus.db, says so, serves health, and stops on SIGTERM', async () => {
    const { dir, remove } = tempDir();
    cleanups.push(remove);
    const env = { ...process.env };
    delete env.DATABASE_URL;
    const { child, baseUrl, output } = await serve(dir, { ...env, DATABASE_URL: '' } as Record<string, string>);
    expect(output()).toMatch(/empty database: loading 50,000 rows of demo data/);
    const health = await fetch(`${baseUrl}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok', database: 'ok' });
    expect((await fetch(`${baseUrl}/nowhere`)).status).toBe(404);
    const db = openSqlite(`file:${path.join(dir, 'data/focus.db')}`);
    expect(tableCounts(db).cost_records).toBe(50_000);
    expect(tableCounts(db).commitments).toBeGreaterThan(0);
    expect((db.prepare('SELECT COUNT(*) AS n FROM families').get() as { n: number }).n).toBeGreaterThan(0);
    db.close();
    child.kill('SIGTERM');
    expect(await new Promise((resolve) => child.once('exit', resolve))).toBe(0);
  }, 120_000);

  it('never loads demo data when DATABASE_URL is set', async () => {
    const { dir, remove } = tempDir();
    cleanups.push(remove);
    const url = `file:${path.join(dir, 'mine.db')}`;
    const { child, baseUrl, output } = await serve(dir, { DATABASE_URL: url });
    expect(output()).not.toMatch(/demo data/);
    expect((await fetch(`${baseUrl}/healthz`)).status).toBe(200);
    const db = openSqlite(url);
    expect(tableCounts(db).cost_records).toBe(0);
    db.close();
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
  });

  it('lets CLI commands load and read the database while it serves', async () => {
    const { dir, remove } = tempDir();
    cleanups.push(remove);
    const url = `file:${path.join(dir, 'shared.db')}`;
    const { child, baseUrl } = await serve(dir, { DATABASE_URL: url });
    const run = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { cwd: dir, env: { ...process.env, DATABASE_URL: url }, encoding: 'utf8' });
    const ingested = run('ingest', AWS_COST_SAMPLE);
    expect(ingested.status, ingested.stderr).toBe(0);
    expect(ingested.stdout).toMatch(/loaded 100 rows as batch 1/);
    expect(run('batches').stdout).toMatch(/aws_1_3_cost_and_usage_rows100_seed42\.csv/);
    expect((await fetch(`${baseUrl}/healthz`)).status).toBe(200);
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
  }, 120_000);

  it('refuses a bad PORT with a clear message', async () => {
    const { dir, remove } = tempDir();
    cleanups.push(remove);
    await expect(serve(dir, { PORT: 'eighty', DATABASE_URL: `file:${path.join(dir, 'x.db')}` })).rejects.toThrow(/PORT must be a whole number from 0 to 65535 \(got "eighty"\)/);
  });
});
