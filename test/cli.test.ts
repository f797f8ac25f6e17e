import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openSqlite } from '../src/db/sqlite.ts';
import { AWS_COST_SAMPLE, CLI, tableCounts, tempDir } from './helpers.ts';

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((cleanup) => cleanup()));

function workspace() {
  const { dir, remove } = tempDir();
  cleanups.push(remove);
  const url = `file:${path.join(dir, 'focus.db')}`;
  const run = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { cwd: dir, env: { ...process.env, DATABASE_URL: url }, encoding: 'utf8' });
  return { dir, url, run };
}

describe('focus-gateway CLI', () => {
  it('prints help for the program and each command', () => {
    const { run } = workspace();
    const help = run('--help');
    expect(help.status).toBe(0);
    for (const command of ['serve', 'migrate', 'ingest', 'batches', 'demo']) expect(help.stdout).toContain(command);
    const ingestHelp = run('ingest', '--help');
    expect(ingestHelp.stdout).toMatch(/--replace/);
    expect(ingestHelp.stdout).toMatch(/--skip-invalid/);
  });

  it('ingests a file, lists it in batches with its findings, and skips it the second time', () => {
    const { run } = workspace();
    const first = run('ingest', AWS_COST_SAMPLE);
    expect(first.status, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/loaded 100 rows as batch 1 \(CostAndUsage, FOCUS 1\.3\)/);
    const again = run('ingest', AWS_COST_SAMPLE);
    expect(again.stdout).toMatch(/already loaded as batch 1; nothing changed/);
    const list = run('batches');
    expect(list.stdout.split('\n')[1]).toMatch(/^1\tACTIVE\tCostAndUsage\t1\.3\t100\t0\t0\t\d+\t.*aws_1_3_cost_and_usage_rows100_seed42\.csv$/);
    const detail = run('batches', '1');
    expect(detail.stdout).toMatch(/^batch 1: aws_1_3_cost_and_usage_rows100_seed42\.csv \(CostAndUsage, FOCUS 1\.3\), ACTIVE/);
    expect(run('batches', '9').status).toBe(1);
  });

  it('rejects a broken file with file, line and column and a non-zero exit, loading nothing', () => {
    const { dir, url, run } = workspace();
    const lines = readFileSync(AWS_COST_SAMPLE, 'utf8').split('\n');
    const broken = path.join(dir, 'broken.csv');
    writeFileSync(broken, [lines[0], lines[1], lines[2].replace(/^((?:[^,]*,){12})[^,]*/, '$1yesterday')].join('\n'));
    const result = run('ingest', broken);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`focus-gateway: ${broken}:3:13: BillingPeriodStart: "yesterday" is not a date-time`);
    expect(result.stderr).toContain('nothing from');
    const db = openSqlite(url);
    expect(tableCounts(db).ingest_batches).toBe(0);
    db.close();
  });

  it('writes deterministic demo files that load back with the same rows', () => {
    const { dir, run } = workspace();
    const out = path.join(dir, 'demo.csv');
    const result = run('demo', '--rows', '2000', '--seed', '7', '--out', out);
    expect(result.status, result.stderr).toBe(0);
    const first = readFileSync(out, 'utf8');
    expect(first.trimEnd().split('\n')).toHaveLength(2001);
    run('demo', '--rows', '2000', '--seed', '7', '--out', path.join(dir, 'again.csv'));
    expect(readFileSync(path.join(dir, 'again.csv'), 'utf8')).toBe(first);
    const loaded = run('ingest', out, out.replace('.csv', '.contract-commitment.csv'));
    expect(loaded.status, loaded.stderr).toBe(0);
    expect(loaded.stdout).toMatch(/loaded 2,000 rows/);
  });

  it('leaves no partial batch when killed in the middle of an ingest', async () => {
    const { dir, url, run } = workspace();
    expect(run('migrate').status).toBe(0);
    const [header, ...rows] = readFileSync(AWS_COST_SAMPLE, 'utf8').trimEnd().split('\n');
    const big = path.join(dir, 'big.csv');
    writeFileSync(big, [header, ...Array.from({ length: 600 }, () => rows).flat()].join('\n'));
    const child = spawn(process.execPath, [CLI, 'ingest', big], { cwd: dir, env: { ...process.env, DATABASE_URL: url }, stdio: 'ignore' });
    const wal = path.join(dir, 'focus.db-wal');
    // The write-ahead log growing past a few megabytes shows the transaction is well under way.
    const deadline = Date.now() + 30_000;
    while (!(existsSync(wal) && statSync(wal).size > 4_000_000) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(child.exitCode).toBeNull();
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    const db = openSqlite(url);
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    expect(tableCounts(db)).toMatchObject({ cost_records: 0, ingest_batches: 0, contract_applications: 0, billing_accounts: 0 });
    db.close();
    const retry = run('ingest', big);
    expect(retry.status, retry.stderr).toBe(0);
    expect(retry.stdout).toMatch(/loaded 60,000 rows/);
  });
});
