import { copyFileSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SqliteDatabase } from '../src/db/sqlite.ts';
import { IngestError } from '../src/ingest/errors.ts';
import { fileSource, ingest } from '../src/ingest/service.ts';
import { AWS_COMMITMENT_SAMPLE, AWS_COST_SAMPLE, MULTI_PROVIDER_SAMPLE, SAMPLES, exactTotals, readCsvObjects, tableCounts, tempDatabase } from './helpers.ts';

let database: Awaited<ReturnType<typeof tempDatabase>>;
let db: SqliteDatabase;
beforeEach(async () => {
  database = await tempDatabase();
  db = database.db;
});
afterEach(() => database.close());

const load = (file: string, options = {}) => ingest(db, fileSource(file), options);
const write = (name: string, text: string) => {
  const file = path.join(database.dir, name);
  writeFileSync(file, text);
  return file;
};
const dbTotals = (column: string) =>
  new Map(
    (db.prepare(`SELECT billing_account_id AS account, decimal_sum(${column}) AS total FROM cost_records GROUP BY billing_account_id`).all() as { account: string; total: string }[]).map(
      (row) => [row.account, row.total],
    ),
  );
const expectFailure = async (promise: Promise<unknown>) => {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(IngestError);
  return error as IngestError;
};

describe('ingesting the community FOCUS 1.3 samples', () => {
  it('loads every row and keeps BilledCost and EffectiveCost totals per billing account exact', async () => {
    for (const file of [AWS_COST_SAMPLE, MULTI_PROVIDER_SAMPLE]) {
      const summary = await load(file);
      expect(summary.status).toBe('LOADED');
      expect(summary.focusVersion).toBe('1.3');
    }
    const sourceRows = [...readCsvObjects(AWS_COST_SAMPLE), ...readCsvObjects(MULTI_PROVIDER_SAMPLE)];
    expect(tableCounts(db).cost_records).toBe(sourceRows.length);
    for (const column of ['BilledCost', 'EffectiveCost']) {
      const expected = exactTotals(sourceRows, 'BillingAccountId', column);
      const actual = dbTotals(column === 'BilledCost' ? 'billed_cost' : 'effective_cost');
      expect(actual).toEqual(expected);
    }
  });

  it('records billing and sub accounts, contract applications and batch metadata', async () => {
    const summary = await load(AWS_COST_SAMPLE);
    const batch = db.prepare('SELECT * FROM ingest_batches WHERE id = ?').get(summary.batchId) as Record<string, unknown>;
    expect(batch).toMatchObject({ dataset: 'CostAndUsage', focus_version: '1.3', source_format: 'csv', status: 'ACTIVE', rows_read: 100, rows_loaded: 100 });
    expect(batch.checksum).toMatch(/^[0-9a-f]{64}$/);
    const accounts = db.prepare('SELECT id, name, provider FROM billing_accounts ORDER BY id').all();
    expect(accounts).toContainEqual({ id: '100000000001', name: 'ExampleCorp Master Payer', provider: 'AWS' });
    expect(tableCounts(db).sub_accounts).toBeGreaterThan(1);
    const applications = db.prepare("SELECT COUNT(*) AS n FROM contract_applications WHERE contract_commitment_id = 'CC-RATECARD-AWS'").get() as { n: number };
    expect(applications.n).toBeGreaterThan(0);
  });

  it('loads Contract Commitment rows and finds their billing account through the cost rows that applied them', async () => {
    const costs = readCsvObjects(AWS_COST_SAMPLE);
    const commitments = readCsvObjects(AWS_COMMITMENT_SAMPLE);
    await load(AWS_COST_SAMPLE);
    const summary = await load(AWS_COMMITMENT_SAMPLE);
    expect(summary.dataset).toBe('ContractCommitment');
    expect(summary.rowsLoaded).toBe(commitments.length);
    const applied = costs.find((row) => row.ContractApplied?.includes('arn:aws:savingsplans'));
    if (applied) {
      const id = JSON.parse(applied.ContractApplied).Elements[0].ContractCommitmentId;
      const stored = db.prepare('SELECT billing_account_id AS account FROM commitments WHERE contract_commitment_id = ?').get(id) as { account: string } | undefined;
      expect(stored?.account).toBe(applied.BillingAccountId);
    }
    const withAccount = await load(write('cc.csv', readFileSync(AWS_COMMITMENT_SAMPLE, 'utf8').replace('Savings Plan,Spend', 'Savings Plan ,Spend')), { billingAccountId: 'BA-GIVEN' });
    expect(withAccount.rowsReplaced).toBe(commitments.length);
    expect(db.prepare('SELECT COUNT(*) AS n FROM commitments').get()).toEqual({ n: commitments.length });
  });
});

describe('files in older FOCUS versions and real-world spellings', () => {
  it('loads every FOCUS 1.2 specification example', async () => {
    const examples = path.join(SAMPLES, 'official_FOCUS_Spec_v1.2_examples');
    const files = readdirSync(examples, { recursive: true, encoding: 'utf8' })
      .filter((file) => file.endsWith('.csv'))
      .map((file) => path.join(examples, file));
    expect(files.length).toBeGreaterThan(20);
    let rows = 0;
    for (const file of files) {
      const summary = await load(file);
      expect(summary.status, file).toBe('LOADED');
      rows += readCsvObjects(file).length;
    }
    expect(tableCounts(db).cost_records).toBe(rows);
  });

  it('reads $-formatted money, US dates and a BOM, and records what it repaired', async () => {
    const file = path.join(SAMPLES, 'official_FOCUS_Spec_v1.2_examples/saas_examples/simple_agreements/simple_saas_agreements_c.csv');
    const summary = await load(file);
    const stored = db.prepare('SELECT billed_cost, charge_period_start FROM cost_records ORDER BY id').all();
    expect(stored).toEqual([
      { billed_cost: 10100, charge_period_start: Date.UTC(2025, 3, 1) },
      { billed_cost: 13000, charge_period_start: Date.UTC(2025, 4, 1) },
      { billed_cost: 12700, charge_period_start: Date.UTC(2025, 5, 1) },
    ]);
    const rules = summary.findings.map((f) => f.ruleId);
    expect(rules).toContain('GW-NUMBER-FORMAT');
    expect(rules).toContain('GW-DERIVED-PROVIDER');
    const bom = await load(path.join(SAMPLES, 'official_FOCUS_Spec_v1.2_examples/saas_examples/virtual_currency_pricing_model_a1.csv'));
    expect(bom.status).toBe('LOADED');
    expect(db.prepare('SELECT COUNT(*) AS n FROM cost_records WHERE batch_id = ? AND billed_cost = 200000').get(bom.batchId)).toEqual({ n: 1 });
  });

  it('takes NULL and empty cells as null, CRLF, every date-time spelling, extra columns, key casings and renamed columns', async () => {
    const header = 'BillingAccountId,BillingPeriodStart,BillingPeriodEnd,ChargePeriodStart,ChargePeriodEnd,BilledCost,EffectiveCost,Region,ProviderName,skupriceid,x_Team,Custom Note,ContractApplied';
    const rows = [
      'A1,2024-09-01T00:00:00Z,2024-10-01T00:00:00Z,2024-09-01 00:00:00,2024-09-01T03:00:00+02:00,1.25,1.25,NULL,AWS,p-1,blue,,"{""Elements"":[{""ContractID"":""C1"",""ContractCommitmentID"":""CC1"",""ContractCommitmentAppliedCost"":1.25}]}"',
      'A1,2024-09-01T00:00:00Z,2024-10-01T00:00:00Z,2024-09-02T00:00:00.500Z,2024-09-02T01:00:00Z,0.000000000000001,2,us-east-1,AWS,,,"hello, world",',
    ];
    const file = write('quirks.csv', `\uFEFF${header}\r\n${rows.join('\r\n')}\r\n`);
    const summary = await load(file);
    expect(summary.focusVersion).toBe('1.3');
    const stored = db
      .prepare('SELECT charge_period_start, charge_period_end, billed_cost, effective_cost, region_id, sku_price_id, service_provider_name, host_provider_name, extra_columns FROM cost_records ORDER BY id')
      .all() as Record<string, unknown>[];
    expect(stored[0]).toMatchObject({
      charge_period_start: Date.UTC(2024, 8, 1),
      charge_period_end: Date.UTC(2024, 8, 1, 1),
      billed_cost: 1.25,
      effective_cost: 1.25,
      region_id: null,
      sku_price_id: 'p-1',
      service_provider_name: 'AWS',
      host_provider_name: 'AWS',
    });
    expect(JSON.parse(stored[0].extra_columns as string)).toEqual({ x_Team: 'blue' });
    expect(JSON.parse(stored[1].extra_columns as string)).toEqual({ 'Custom Note': 'hello, world' });
    expect(stored[1]).toMatchObject({ charge_period_start: Date.UTC(2024, 8, 2, 0, 0, 0, 500), billed_cost: 1e-15, region_id: 'us-east-1' });
    expect(db.prepare('SELECT contract_id, contract_commitment_id, applied_cost FROM contract_applications').all()).toEqual([
      { contract_id: 'C1', contract_commitment_id: 'CC1', applied_cost: 1.25 },
    ]);
    expect(summary.findings.map((f) => f.ruleId)).toEqual(expect.arrayContaining(['GW-LEGACY-COLUMN', 'GW-COLUMN-NAME-CASE']));
  });

  it('loads gzip-compressed CSV', async () => {
    const file = path.join(database.dir, 'aws.csv.gz');
    writeFileSync(file, gzipSync(readFileSync(AWS_COST_SAMPLE)));
    const summary = await load(file);
    expect(summary.rowsLoaded).toBe(100);
    expect((db.prepare('SELECT source_format FROM ingest_batches').get() as { source_format: string }).source_format).toBe('csv.gz');
  });
});

describe('bad input is rejected whole, with its place in the file', () => {
  const header = readFileSync(AWS_COST_SAMPLE, 'utf8').split('\n')[0];
  const goodRows = readFileSync(AWS_COST_SAMPLE, 'utf8').split('\n').slice(1, 4);
  const columnOf = (name: string) => header.split(',').indexOf(name) + 1;

  it('names line and column of an unparseable value and leaves the database unchanged', async () => {
    await load(MULTI_PROVIDER_SAMPLE);
    const before = tableCounts(db);
    const broken = goodRows[2].replace(/^((?:[^,]*,){20})[^,]*/, '$1twelve dollars');
    const file = write('broken.csv', [header, goodRows[0], goodRows[1], broken].join('\n'));
    const error = await expectFailure(load(file));
    expect(error.line).toBe(4);
    expect(error.column).toBe(columnOf('BilledCost'));
    expect(error.toString()).toBe(`${file}:4:${columnOf('BilledCost')}: BilledCost: "twelve dollars" is not a decimal number`);
    expect(tableCounts(db)).toEqual(before);
  });

  it('rejects a missing mandatory value, a bad date and a wrong field count, each with its line', async () => {
    const emptyAccount = goodRows[0].replace(/^((?:[^,]*,){6})[^,]*/, '$1');
    let error = await expectFailure(load(write('a.csv', [header, goodRows[0], emptyAccount].join('\n'))));
    expect([error.line, error.column]).toEqual([3, columnOf('BillingAccountId')]);
    expect(error.message).toMatch(/BillingAccountId is empty/);
    const badDate = goodRows[0].replace('2026-05-01T00:00:00Z,2026-05-01T01:00:00Z', '2026-13-01T00:00:00Z,2026-05-01T01:00:00Z');
    error = await expectFailure(load(write('b.csv', [header, badDate].join('\n'))));
    expect([error.line, error.column]).toEqual([2, columnOf('ChargePeriodStart')]);
    error = await expectFailure(load(write('c.csv', [header, goodRows[0], 'a,b,c'].join('\n'))));
    expect(error.line).toBe(3);
    expect(error.message).toMatch(/expected 65 fields/);
    expect(tableCounts(db).cost_records).toBe(0);
    expect(tableCounts(db).ingest_batches).toBe(0);
  });

  it('counts lines correctly past quoted fields that contain line breaks', async () => {
    const multiline = goodRows[0].replace('Linux on-demand m6i.large', '"Linux\non-demand\r\nm6i.large"');
    const broken = goodRows[1].replace(/^((?:[^,]*,){20})[^,]*/, '$1x');
    const error = await expectFailure(load(write('m.csv', [header, multiline, broken].join('\n'))));
    expect(error.line).toBe(5);
  });

  it('with --skip-invalid loads the good rows and records the skipped ones', async () => {
    const broken = goodRows[1].replace(/^((?:[^,]*,){20})[^,]*/, '$1x');
    const summary = await load(write('s.csv', [header, goodRows[0], broken, goodRows[2]].join('\n')), { skipInvalid: true });
    expect([summary.rowsRead, summary.rowsLoaded, summary.rowsSkipped]).toEqual([3, 2, 1]);
    const skipped = summary.findings.find((f) => f.ruleId === 'GW-ROW-SKIPPED');
    expect(skipped?.examples[0]).toMatchObject({ line: 3, column: 'BilledCost' });
  });

  it('rejects a file without the columns a row needs, and an empty file', async () => {
    let error = await expectFailure(load(write('n.csv', 'Foo,Bar\n1,2\n')));
    expect(error.line).toBe(1);
    expect(error.message).toMatch(/not a FOCUS Cost and Usage file: it has no .*ChargePeriodStart/);
    error = await expectFailure(load(write('e.csv', '')));
    expect(error.message).toMatch(/empty/);
  });
});

describe('large files, parsed in a worker thread', () => {
  // A threshold of 0 sends even the small samples through the worker, as multi-megabyte exports go.
  const inWorker = { workerThresholdBytes: 0 };
  const header = readFileSync(AWS_COST_SAMPLE, 'utf8').split('\n')[0];
  const goodRows = readFileSync(AWS_COST_SAMPLE, 'utf8').split('\n').slice(1, 4);

  it('loads exactly what the single-threaded path loads', async () => {
    const summary = await load(AWS_COST_SAMPLE, inWorker);
    expect(summary).toMatchObject({ status: 'LOADED', rowsRead: 100, rowsLoaded: 100 });
    const rows = () => db.prepare('SELECT * FROM cost_records ORDER BY id').all().map((row) => ({ ...(row as object), id: 0, batch_id: 0 }));
    const applications = () => db.prepare('SELECT contract_id, contract_commitment_id, applied_cost, applied_quantity, applied_unit FROM contract_applications ORDER BY id').all();
    const viaWorker = { rows: rows(), applications: applications(), counts: tableCounts(db) };
    const checksum = (db.prepare('SELECT checksum FROM ingest_batches').get() as { checksum: string }).checksum;

    const again = await tempDatabase();
    try {
      await ingest(again.db, fileSource(AWS_COST_SAMPLE));
      const previous = db;
      db = again.db;
      expect({ rows: rows(), applications: applications(), counts: tableCounts(db) }).toEqual(viaWorker);
      expect((db.prepare('SELECT checksum FROM ingest_batches').get() as { checksum: string }).checksum).toBe(checksum);
      db = previous;
    } finally {
      again.close();
    }
    expect((await load(AWS_COST_SAMPLE, inWorker)).status).toBe('ALREADY_LOADED');
    expect(tableCounts(db)).toEqual(viaWorker.counts);
  });

  it('reports a broken row with its line and column and leaves nothing behind', async () => {
    const broken = goodRows[2].replace(/^((?:[^,]*,){20})[^,]*/, '$1twelve dollars');
    const error = await expectFailure(load(write('broken.csv', [header, goodRows[0], goodRows[1], broken].join('\n')), inWorker));
    expect([error.line, error.column]).toEqual([4, header.split(',').indexOf('BilledCost') + 1]);
    expect(tableCounts(db).cost_records).toBe(0);
    expect(tableCounts(db).ingest_batches).toBe(0);
  });

  it('skips unusable rows with --skip-invalid and loads Contract Commitment files', async () => {
    const broken = goodRows[1].replace(/^((?:[^,]*,){20})[^,]*/, '$1x');
    const summary = await load(write('s.csv', [header, goodRows[0], broken, goodRows[2]].join('\n')), { ...inWorker, skipInvalid: true });
    expect([summary.rowsRead, summary.rowsLoaded, summary.rowsSkipped]).toEqual([3, 2, 1]);
    expect(summary.findings.find((f) => f.ruleId === 'GW-ROW-SKIPPED')?.examples[0]).toMatchObject({ line: 3, column: 'BilledCost' });
    const commitments = await load(AWS_COMMITMENT_SAMPLE, inWorker);
    expect(commitments).toMatchObject({ status: 'LOADED', dataset: 'ContractCommitment', rowsLoaded: readCsvObjects(AWS_COMMITMENT_SAMPLE).length });
  });
});

describe('loading again', () => {
  it('does not duplicate a file already loaded', async () => {
    await load(AWS_COST_SAMPLE);
    const before = tableCounts(db);
    const copy = path.join(database.dir, 'renamed-copy.csv');
    copyFileSync(AWS_COST_SAMPLE, copy);
    const again = await load(copy);
    expect(again.status).toBe('ALREADY_LOADED');
    expect(tableCounts(db)).toEqual(before);
  });

  it('--replace leaves exactly the new file rows for its billing accounts and periods', async () => {
    const all = readFileSync(MULTI_PROVIDER_SAMPLE, 'utf8').trimEnd().split('\n');
    await load(MULTI_PROVIDER_SAMPLE);
    // A restatement for BA-1's May: one corrected row instead of two.
    const restated = write('restated.csv', [all[0], all[1].replace('100.00,BA-1', '90.00,BA-1')].join('\n'));
    const summary = await load(restated, { replace: true });
    expect(summary.rowsReplaced).toBe(2);
    const rows = db.prepare('SELECT billing_account_id AS account, billed_cost AS cost, batch_id AS batch FROM cost_records ORDER BY account').all();
    expect(rows).toEqual([
      { account: 'BA-1', cost: 90, batch: summary.batchId },
      { account: 'BA-2', cost: 100, batch: 1 },
      { account: 'BA-3', cost: 100, batch: 1 },
    ]);
    const fullReplacement = await load(write('all.csv', all.join('\n').replace('Acct 3', 'Account 3')), { replace: true });
    expect(fullReplacement.rowsReplaced).toBe(3);
    const statuses = db.prepare('SELECT id, status FROM ingest_batches ORDER BY id').all();
    expect(statuses).toEqual([
      { id: 1, status: 'SUPERSEDED' },
      { id: 2, status: 'SUPERSEDED' },
      { id: 3, status: 'ACTIVE' },
    ]);
    expect(db.prepare("SELECT name FROM billing_accounts WHERE id = 'BA-3'").get()).toEqual({ name: 'Account 3' });
  });
});

describe('Parquet', () => {
  it('loads a Parquet export with typed money, timestamp and JSON columns, totals exact', async () => {
    const { parquetWriteBuffer } = await import('hyparquet-writer');
    const source = readCsvObjects(MULTI_PROVIDER_SAMPLE);
    const money = new Set(['BilledCost', 'EffectiveCost', 'ListCost', 'ContractedCost']);
    const times = new Set(['ChargePeriodStart', 'ChargePeriodEnd', 'BillingPeriodStart', 'BillingPeriodEnd']);
    const columnData = Object.keys(source[0]).map((name) => {
      if (money.has(name)) return { name, type: 'DOUBLE' as const, data: source.map((row) => Number(row[name])) };
      if (times.has(name)) return { name, type: 'TIMESTAMP' as const, data: source.map((row) => new Date(row[name])) };
      return { name, type: 'STRING' as const, data: source.map((row) => (row[name] === '' ? null : row[name])) };
    });
    const file = path.join(database.dir, 'export.parquet');
    writeFileSync(file, Buffer.from(parquetWriteBuffer({ columnData })));
    const summary = await load(file);
    expect(summary.rowsLoaded).toBe(source.length);
    expect((db.prepare('SELECT source_format FROM ingest_batches').get() as { source_format: string }).source_format).toBe('parquet');
    expect(dbTotals('billed_cost')).toEqual(exactTotals(source, 'BillingAccountId', 'BilledCost'));
    const first = db.prepare('SELECT charge_period_start, tags FROM cost_records ORDER BY id LIMIT 1').get();
    expect(first).toEqual({ charge_period_start: Date.parse(source[0].ChargePeriodStart), tags: source[0].Tags });
  });
});
