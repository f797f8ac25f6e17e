// Export files read back with independent readers (papaparse, JSON.parse, hyparquet, tar): FOCUS column names and
// order, every value as stored, and money totals that equal the database's exact decimal sums.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import Papa from 'papaparse';
import { Decimal as BaseDecimal } from 'decimal.js';
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } from 'hyparquet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPrismaClient, type PrismaClient } from '../src/db/client.ts';
import type { SqliteDatabase } from '../src/db/sqlite.ts';
import { loadDemoData } from '../src/demo/load.ts';
import { openExportFile } from '../src/exports/files.ts';
import { dateTimeText, decimalText } from '../src/exports/formats.ts';
import type { ExportJob, ExportParams } from '../src/exports/params.ts';
import { ExportService } from '../src/exports/service.ts';
import { fileSource, ingest } from '../src/ingest/service.ts';
import { COST_AND_USAGE_COLUMNS, CONTRACT_COMMITMENT_COLUMNS, type FocusColumn } from '../src/focus/columns.ts';
import { QueryInputError } from '../src/query/keyset.ts';
import { readCsvObjects, tempDatabase, tempDir } from './helpers.ts';

const Decimal = BaseDecimal.clone({ precision: 200 });
const FEBRUARY = { billingPeriodStart: new Date('2026-02-01T00:00:00Z'), billingPeriodEnd: new Date('2026-03-01T00:00:00Z') };
const FILTER = { chargeCategory: { in: ['Usage', 'Purchase'] } };
/** The same rows, written independently of the export code: February's billing period, usage and purchases. */
const EXPECTED_WHERE = `billing_period_start < ${Date.parse('2026-03-01T00:00:00Z')} AND billing_period_end > ${Date.parse('2026-02-01T00:00:00Z')} AND charge_category IN ('Usage', 'Purchase')`;
const MONEY = COST_AND_USAGE_COLUMNS.filter((column) => column.decimalKind === 'cost');

let database: Awaited<ReturnType<typeof tempDatabase>>;
let db: SqliteDatabase;
let prisma: PrismaClient;
let service: ExportService;

beforeAll(async () => {
  database = await tempDatabase();
  db = database.db;
  prisma = createPrismaClient(database.url);
  await loadDemoData(db, prisma, { rows: 3000, seed: 2 });
  // Values the demo data lacks, copied onto a February usage row: text that needs CSV quoting, a price below 1e-6
  // (which String() would print in exponent form), edge spaces, and JSON text spread over several lines.
  const source = db.prepare(`SELECT id FROM cost_records WHERE ${EXPECTED_WHERE} ORDER BY id LIMIT 1`).get() as { id: number };
  const columns = COST_AND_USAGE_COLUMNS.map((column) => column.dbColumn).join(', ');
  const { lastInsertRowid } = db.prepare(`INSERT INTO cost_records (batch_id, ${columns}) SELECT batch_id, ${columns} FROM cost_records WHERE id = ?`).run(source.id);
  db.prepare(
    `UPDATE cost_records SET charge_description = ?, list_unit_price = 0.0000001, contracted_unit_price = 1.5e-12, resource_name = ' padded ', tags = ? WHERE id = ?`,
  ).run('Storage, "hot" tier\nsecond line', '{\n  "team": "data, platform",\n  "note": "say \\"hi\\""\n}', lastInsertRowid);
  service = new ExportService({ db });
});

afterAll(async () => {
  await service.close();
  await prisma.$disconnect();
  database.close();
});

/** Starts an export and waits for it to end. */
async function exported(params: Partial<ExportParams> & Pick<ExportParams, 'format'>): Promise<ExportJob> {
  const job = await service.start({ ...FEBRUARY, filter: FILTER, ...params });
  await new Promise<void>((resolve) => service.subscribe(job.id, () => {}, resolve));
  const done = (await service.get(job.id))!;
  expect(done.status, done.error ?? '').toBe('COMPLETE');
  return done;
}

type StoredRow = Record<string, unknown>;
const storedRows = (where = EXPECTED_WHERE) => db.prepare(`SELECT * FROM cost_records WHERE ${where} ORDER BY id`).all() as StoredRow[];
const storedTotal = (column: FocusColumn) => (db.prepare(`SELECT decimal_sum(${column.dbColumn}) AS total FROM cost_records WHERE ${EXPECTED_WHERE}`).get() as { total: string }).total;
const total = (values: unknown[]) => values.reduce<BaseDecimal>((sum, value) => (value === null || value === '' ? sum : sum.plus(String(value))), new Decimal(0)).toFixed();

/**
 * Values in a form both sides can be compared in: decimals as exact decimal text, date-times as epoch ms, JSON as
 * parsed values. `cell` is what a reader gave (CSV text, a JSON Lines value, a Parquet value), `stored` what SQLite has.
 */
function comparable(column: FocusColumn, value: unknown): unknown {
  if (value === null || value === undefined || value === '') return null;
  switch (column.type) {
    case 'decimal':
      return new Decimal(String(value)).toFixed();
    case 'datetime':
      return value instanceof Date ? value.getTime() : typeof value === 'string' ? Date.parse(value) : value;
    case 'json':
      return typeof value === 'string' ? JSON.parse(value) : value;
    case 'string':
      return value;
  }
}

/** Each row read back holds the stored row's values, column for column. */
function expectSameRows(read: unknown[][], stored: StoredRow[], columns = COST_AND_USAGE_COLUMNS): void {
  expect(read.map((row) => columns.map((column, index) => comparable(column, row[index])))).toEqual(
    stored.map((row) => columns.map((column) => comparable(column, row[column.dbColumn]))),
  );
}

/** Text cells of decimal and date-time columns are in FOCUS form: plain decimals, `YYYY-MM-DDTHH:mm:ss[.sss]Z`. */
function expectFocusText(rows: unknown[][]): void {
  const misfits: string[] = [];
  COST_AND_USAGE_COLUMNS.forEach((column, index) => {
    const form = column.type === 'decimal' ? /^-?\d+(\.\d+)?$/ : column.type === 'datetime' ? /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?Z$/ : null;
    if (!form) return;
    for (const row of rows) if (row[index] !== '' && row[index] !== null && !form.test(String(row[index]))) misfits.push(`${column.name}: ${String(row[index])}`);
  });
  expect(misfits).toEqual([]);
}

const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

function expectWholeFile(job: ExportJob): void {
  const file = openExportFile(job);
  expect(file.path).toBe(job.filePath);
  expect(file.size).toBe(job.byteSize);
  expect(sha256(file.path)).toBe(job.sha256);
  expect(readdirSync(path.dirname(file.path)).filter((name) => name.endsWith('.partial'))).toEqual([]);
}

describe('export formats', () => {
  it('CSV: the FOCUS header, every matching row with its values as stored, and exact money totals', async () => {
    const job = await exported({ format: 'CSV' });
    const expected = storedRows();
    expect(job).toMatchObject({ recordCount: expected.length, rowsWritten: expected.length, progress: 1 });
    expectWholeFile(job);
    const file = openExportFile(job);
    expect(file.contentType).toBe('text/csv; charset=utf-8');
    expect(file.fileName).toBe(`focus-cost-and-usage-2026-02-01-2026-03-01-${job.id.slice(0, 8)}.csv`);

    const parsed = Papa.parse<string[]>(readFileSync(file.path, 'utf8'), { skipEmptyLines: true });
    expect(parsed.errors).toEqual([]);
    const [header, ...rows] = parsed.data;
    expect(header).toEqual(COST_AND_USAGE_COLUMNS.map((column) => column.name));
    expect(rows).toHaveLength(expected.length);
    expectSameRows(rows, expected);
    expectFocusText(rows);
    for (const column of MONEY) {
      const at = COST_AND_USAGE_COLUMNS.indexOf(column);
      expect(total(rows.map((row) => row[at])), column.name).toBe(storedTotal(column));
    }
    const crafted = rows.find((row) => row[COST_AND_USAGE_COLUMNS.findIndex((c) => c.name === 'ResourceName')] === ' padded ');
    expect(crafted?.[COST_AND_USAGE_COLUMNS.findIndex((c) => c.name === 'ListUnitPrice')]).toBe('0.0000001');
  });

  it('JSON: JSON Lines, one object per row with every FOCUS column as a key in catalog order', async () => {
    const job = await exported({ format: 'JSON' });
    expectWholeFile(job);
    expect(openExportFile(job).contentType).toBe('application/x-ndjson; charset=utf-8');
    const expected = storedRows();
    const lines = readFileSync(job.filePath!, 'utf8').split('\n');
    expect(lines.pop()).toBe('');
    expect(lines).toHaveLength(expected.length);
    const objects = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    const names = COST_AND_USAGE_COLUMNS.map((column) => column.name);
    expect(objects.filter((object) => Object.keys(object).join() !== names.join())).toEqual([]);
    expectSameRows(objects.map((object) => names.map((name) => object[name])), expected);
    expectFocusText(objects.map((object) => names.map((name, index) => (COST_AND_USAGE_COLUMNS[index].type === 'datetime' ? object[name] : null))));
    // Decimals are JSON numbers whose text is the ingested decimal, never in exponent form.
    expect(lines.filter((line) => line.includes('"ContractedUnitPrice":0.0000000000015,'))).toHaveLength(1);
    const billed = lines.map((line) => /"BilledCost":(-?[\d.]+),/.exec(line)![1]);
    expect(total(billed)).toBe(storedTotal(MONEY.find((column) => column.name === 'BilledCost')!));
    for (const column of MONEY) expect(total(objects.map((object) => object[column.name])), column.name).toBe(storedTotal(column));
  });

  it('Parquet: FOCUS columns with DOUBLE money, UTC millisecond timestamps and string JSON, read back by hyparquet', async () => {
    const job = await exported({ format: 'PARQUET' });
    expectWholeFile(job);
    expect(openExportFile(job).contentType).toBe('application/vnd.apache.parquet');
    const buffer = await asyncBufferFromFile(job.filePath!);
    const metadata = await parquetMetadataAsync(buffer);
    const schema = metadata.schema.slice(1);
    expect(schema.map((element) => element.name)).toEqual(COST_AND_USAGE_COLUMNS.map((column) => column.name));
    COST_AND_USAGE_COLUMNS.forEach((column, index) => {
      const element = schema[index];
      expect(element.repetition_type, column.name).toBe(column.essential ? 'REQUIRED' : 'OPTIONAL');
      if (column.type === 'decimal') expect(element.type, column.name).toBe('DOUBLE');
      if (column.type === 'datetime') expect(element, column.name).toMatchObject({ type: 'INT64', logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: true, unit: 'MILLIS' } });
      if (column.type === 'string' || column.type === 'json') expect(element, column.name).toMatchObject({ type: 'BYTE_ARRAY', converted_type: 'UTF8' });
    });
    expect(metadata.key_value_metadata).toEqual(expect.arrayContaining([{ key: 'focus_version', value: '1.3' }]));

    const expected = storedRows();
    const rows = (await parquetReadObjects({ file: buffer })) as Record<string, unknown>[];
    expect(rows).toHaveLength(expected.length);
    // Exactly the stored values: the same doubles, the same epoch milliseconds, the same text.
    expect(rows.map((row) => COST_AND_USAGE_COLUMNS.map((column) => (row[column.name] instanceof Date ? (row[column.name] as Date).getTime() : (row[column.name] ?? null))))).toEqual(
      expected.map((row) => COST_AND_USAGE_COLUMNS.map((column) => row[column.dbColumn])),
    );
    for (const column of MONEY) expect(total(rows.map((row) => row[column.name] ?? null)), column.name).toBe(storedTotal(column));
  });

  it('reads back through the gateway\'s own ingest with the same rows and money totals', async () => {
    const job = await exported({ format: 'CSV' });
    const copy = await tempDatabase();
    try {
      const summary = await ingest(copy.db, fileSource(job.filePath!));
      expect(summary.rowsLoaded).toBe(job.recordCount);
      // The only rules broken are the price rules the crafted row breaks (its unit prices no longer give its costs).
      const craftedLine = readCsvObjects(job.filePath!).findIndex((row) => row.ResourceName === ' padded ') + 2;
      expect(summary.findings.flatMap((finding) => finding.examples.map((example) => example.line))).toEqual(summary.findings.map(() => craftedLine));
      for (const column of MONEY) {
        const reloaded = (copy.db.prepare(`SELECT decimal_sum(${column.dbColumn}) AS total FROM cost_records`).get() as { total: string }).total;
        expect(reloaded, column.name).toBe(storedTotal(column));
      }
    } finally {
      copy.close();
    }
  });

  it('with includeContractCommitments, a tar of the cost rows and the Contract Commitment rows behind them', async () => {
    const job = await exported({ format: 'CSV', filter: null, includeContractCommitments: true });
    expectWholeFile(job);
    const file = openExportFile(job);
    expect(file.contentType).toBe('application/x-tar');
    expect(file.fileName).toMatch(/^focus-export-2026-02-01-2026-03-01-[0-9a-f]{8}\.tar$/);
    const { dir, remove } = tempDir();
    try {
      execFileSync('tar', ['-xf', file.path, '-C', dir]);
      expect(readdirSync(dir).sort()).toEqual(['contract-commitment.csv', 'cost-and-usage.csv']);
      const costs = Papa.parse<Record<string, string>>(readFileSync(path.join(dir, 'cost-and-usage.csv'), 'utf8'), { header: true, skipEmptyLines: true }).data;
      const period = EXPECTED_WHERE.replace(/ AND charge_category.*/, '');
      expect(costs).toHaveLength(storedRows(period).length);
      const commitments = Papa.parse<Record<string, string>>(readFileSync(path.join(dir, 'contract-commitment.csv'), 'utf8'), { header: true, skipEmptyLines: true });
      expect(commitments.meta.fields).toEqual(CONTRACT_COMMITMENT_COLUMNS.map((column) => column.name));
      const expectedIds = (
        db
          .prepare(
            `SELECT contract_commitment_id AS id FROM commitments c
             WHERE contract_commitment_period_start < ? AND contract_commitment_period_end > ?
               AND (billing_account_id IN (SELECT billing_account_id FROM cost_records WHERE ${period})
                 OR contract_commitment_id IN (SELECT ca.contract_commitment_id FROM contract_applications ca JOIN cost_records cr ON cr.id = ca.cost_record_id
                                               WHERE cr.${period.replaceAll(' AND ', ' AND cr.')}))
             ORDER BY c.id`,
          )
          .all(FEBRUARY.billingPeriodEnd.getTime(), FEBRUARY.billingPeriodStart.getTime()) as { id: string }[]
      ).map((row) => row.id);
      expect(expectedIds.length).toBeGreaterThan(0);
      expect(commitments.data.map((row) => row.ContractCommitmentId)).toEqual(expectedIds);
    } finally {
      remove();
    }
  });

  it('refuses bad parameters before recording a job', async () => {
    const before = await service.count({});
    const attempts: ExportParams[] = [
      { ...FEBRUARY, format: 'CSV', filter: { chargeCategory: { eq: 'Use' } } },
      { billingPeriodStart: FEBRUARY.billingPeriodEnd, billingPeriodEnd: FEBRUARY.billingPeriodStart, format: 'CSV' },
      { ...FEBRUARY, format: 'XLSX' as 'CSV' },
      { ...FEBRUARY, billingPeriodStart: new Date('not a date'), format: 'CSV' },
    ];
    for (const params of attempts) await expect(service.start(params)).rejects.toBeInstanceOf(QueryInputError);
    await expect(service.start(attempts[0])).rejects.toThrow('filter.chargeCategory.eq: "Use" is not a ChargeCategory value');
    expect(await service.count({})).toBe(before);
  });
});

describe('value text', () => {
  it('prints decimals as their plain ingested digits and date-times in FOCUS form', () => {
    expect([123.45, -0.5, 100, 0, 0.0000001, 1.5e-12, 1e21, 0.1 + 0.2].map(decimalText)).toEqual([
      '123.45',
      '-0.5',
      '100',
      '0',
      '0.0000001',
      '0.0000000000015',
      '1000000000000000000000',
      '0.30000000000000004',
    ]);
    expect(dateTimeText(Date.parse('2026-01-01T00:00:00Z'))).toBe('2026-01-01T00:00:00Z');
    expect(dateTimeText(Date.parse('2026-01-01T10:20:30.045Z'))).toBe('2026-01-01T10:20:30.045Z');
  });

  it('writes tar sizes of 8 GiB and more in base-256, as GNU tar and bsdtar read them', async () => {
    const { tarHeader } = await import('../src/exports/tar.ts');
    const small = tarHeader('a.csv', 1234, new Date(0));
    expect(small.subarray(124, 136).toString()).toBe('00000002322\0');
    const large = tarHeader('a.csv', 2 ** 33 + 5, new Date(0));
    expect(large[124]).toBe(0x80);
    expect(large.readBigUInt64BE(128)).toBe(2n ** 33n + 5n);
    // The checksum covers the header with its checksum field as spaces.
    for (const header of [small, large]) {
      const copy = Buffer.from(header);
      copy.fill(' ', 148, 156);
      const sum = copy.reduce((total, byte) => total + byte, 0);
      expect(parseInt(header.subarray(148, 154).toString(), 8)).toBe(sum);
    }
  });
});
