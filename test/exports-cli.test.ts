// `focus-gateway export`: the same writers as export jobs, run in-process with a summary and clear errors.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPrismaClient } from '../src/db/client.ts';
import { loadDemoData } from '../src/demo/load.ts';
import { CLI, readCsvObjects, tempDatabase, tempDir } from './helpers.ts';

let database: Awaited<ReturnType<typeof tempDatabase>>;

beforeAll(async () => {
  database = await tempDatabase();
  const prisma = createPrismaClient(database.url);
  await loadDemoData(database.db, prisma, { rows: 3000, seed: 2 });
  await prisma.$disconnect();
});

afterAll(() => database.close());

const run = (...args: string[]) =>
  spawnSync(process.execPath, [CLI, 'export', ...args], { cwd: database.dir, env: { ...process.env, DATABASE_URL: database.url }, encoding: 'utf8' });
const count = (where: string) => (database.db.prepare(`SELECT COUNT(*) AS n FROM cost_records WHERE ${where}`).get() as { n: number }).n;
const FEBRUARY = `billing_period_start < ${Date.parse('2026-03-01T00:00:00Z')} AND billing_period_end > ${Date.parse('2026-02-01T00:00:00Z')}`;

describe('focus-gateway export', () => {
  it('writes the rows of a period and filter to --out and prints rows, bytes, sha256 and time', () => {
    const out = path.join(database.dir, 'out', 'february.csv');
    const result = run('--from', '2026-02-01', '--to', '2026-03-01', '--format', 'csv', '--out', out, '--filter', '{"chargeCategory":{"eq":"Usage"}}');
    expect(result.status, result.stderr).toBe(0);
    const expected = count(`${FEBRUARY} AND charge_category = 'Usage'`);
    const [summary, hash] = result.stdout.trim().split('\n');
    expect(summary).toMatch(new RegExp(`^wrote ${expected.toLocaleString('en-US')} Cost and Usage rows to ${out} \\(CSV, [\\d,]+ bytes\\) in \\d+\\.\\ds, [\\d,]+ rows/s$`));
    const bytes = Number(/\(CSV, ([\d,]+) bytes\)/.exec(summary)![1].replaceAll(',', ''));
    expect(readFileSync(out).length).toBe(bytes);
    expect(hash).toBe(`  sha256 ${createHash('sha256').update(readFileSync(out)).digest('hex')}`);
    const rows = readCsvObjects(out);
    expect(rows).toHaveLength(expected);
    expect(new Set(rows.map((row) => row.ChargeCategory))).toEqual(new Set(['Usage']));
    expect(readdirSync(path.dirname(out))).toEqual(['february.csv']);
  });

  it('names the file after the period by default, and bundles the commitments with --include-commitments', () => {
    const result = run('--from', '2026-02-01', '--to', '2026-03-01', '--format', 'parquet', '--include-commitments');
    expect(result.status, result.stderr).toBe(0);
    const file = path.join(database.dir, 'focus-export-2026-02-01-2026-03-01.tar');
    expect(result.stdout).toMatch(new RegExp(`^wrote ${count(FEBRUARY).toLocaleString('en-US')} Cost and Usage rows and \\d+ Contract Commitment rows to ${file} \\(PARQUET, `));
    expect(execFileSync('tar', ['-tf', file], { encoding: 'utf8' }).split('\n').filter(Boolean)).toEqual(['cost-and-usage.parquet', 'contract-commitment.parquet']);
  });

  it('exits non-zero with a clear message, leaving no partial file, when it cannot export', () => {
    const { dir, remove } = tempDir();
    try {
      writeFileSync(path.join(dir, 'file'), '');
      const unwritable = run('--from', '2026-02-01', '--to', '2026-03-01', '--out', path.join(dir, 'file', 'out.csv'));
      expect(unwritable.status).toBe(1);
      expect(unwritable.stderr).toMatch(/^focus-gateway: cannot write to the export directory: ENOTDIR: not a directory/);
      expect(readdirSync(dir)).toEqual(['file']);
      const badFilter = run('--from', '2026-02-01', '--to', '2026-03-01', '--filter', '{"chargeCategory":{"eq":"Use"}}', '--out', path.join(dir, 'out.csv'));
      expect(badFilter.status).toBe(1);
      expect(badFilter.stderr).toContain('focus-gateway: filter.chargeCategory.eq: "Use" is not a ChargeCategory value');
      expect(existsSync(path.join(dir, 'out.csv'))).toBe(false);
    } finally {
      remove();
    }
  });
});
