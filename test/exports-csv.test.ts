// The CSV cost file as SQLite renders it (src/exports/csv-sql.ts), in chunks, with and without the helper thread:
// byte for byte the documented format, checked against a reference formatter written here from the format's rules,
// against the row-by-row CsvWriter, and against hand-written cells for every awkward value.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Decimal as BaseDecimal } from 'decimal.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPrismaClient } from '../src/db/client.ts';
import { loadDemoData } from '../src/demo/load.ts';
import { openSqlite } from '../src/db/sqlite.ts';
import { CostCsvWriter, type CsvExportTuning } from '../src/exports/csv-export.ts';
import type { KeyScope } from '../src/auth/scope.ts';
import { exportSelection, type ExportParams } from '../src/exports/params.ts';
import { runExport } from '../src/exports/runner.ts';
import { COST_AND_USAGE_COLUMNS, type FocusColumn } from '../src/focus/columns.ts';
import { countCostRecords } from '../src/query/cost-records.ts';
import { tempDatabase, tempDir } from './helpers.ts';

const Decimal = BaseDecimal.clone({ precision: 400 });
const EVERYTHING = { billingPeriodStart: new Date('2000-01-01T00:00:00Z'), billingPeriodEnd: new Date('2100-01-01T00:00:00Z') };
/** Small chunks and a helper thread however small the table: many chunks, shared, some waiting to be written. */
const WITH_HELPER: CsvExportTuning = { chunkIds: 16, helperMinIds: 0, sparseIdsPerRow: 32 };
/** The same, and chunks for however few rows: a sparse selection goes through SQLite's text too. */
const ALWAYS_CHUNKS: CsvExportTuning = { ...WITH_HELPER, sparseIdsPerRow: Number.POSITIVE_INFINITY };
const ALONE: CsvExportTuning = { chunkIds: 64, helperMinIds: Number.POSITIVE_INFINITY, sparseIdsPerRow: 32 };
const ROW_BY_ROW: CsvExportTuning = { chunkIds: 64, helperMinIds: Number.POSITIVE_INFINITY, sparseIdsPerRow: 0 };

/** Each value and the cell it must become; each goes into a row of its own. */
const STRINGS: [string, string][] = [
  ['say "hi"', '"say ""hi"""'],
  ['a,b', '"a,b"'],
  ['two\nlines', '"two\nlines"'],
  ['carriage\rreturn', '"carriage\rreturn"'],
  ['crlf\r\n', '"crlf\r\n"'],
  [' leading space', '" leading space"'],
  ['trailing space ', '"trailing space "'],
  ['\tleading tab', '"\tleading tab"'],
  ['trailing tab\t', '"trailing tab\t"'],
  ['', ''],
  [' ', '" "'],
  ['"', '""""'],
  [',', '","'],
  ['inner  spaces and\ttab', 'inner  spaces and\ttab'],
  ['ünïcödé €', 'ünïcödé €'],
  ['日本語の名前', '日本語の名前'],
  ['emoji 😀', 'emoji 😀'],
  ['😀', '😀'],
  ['del\u007fchar', 'del\u007fchar'],
  ['back\\slash', 'back\\slash'],
  ['bell\u0007ring', 'bell\u0007ring'],
  ['nul\u0000inside', 'nul\u0000inside'],
  ['\u0000', '"\u0000"'],
  // Formula injection: a spreadsheet must see text, so the cell starts with an apostrophe.
  ['=SUM(A1:A9)', "'=SUM(A1:A9)"],
  ['+1 555', "'+1 555"],
  ['-cmd|calc', "'-cmd|calc"],
  ['@HYPERLINK("x")', '"\'@HYPERLINK(""x"")"'],
  ['=a,b', '"\'=a,b"'],
  ['a=b-c', 'a=b-c'],
];
const DECIMALS: [number, string][] = [
  [1e-7, '0.0000001'],
  [123456789012345, '123456789012345'],
  [-0.5, '-0.5'],
  [0, '0'],
  [0.1 + 0.2, '0.30000000000000004'],
  [1e15, '1000000000000000'],
  [1e21, '1000000000000000000000'],
  [1.5e-12, '0.0000000000015'],
  [0.0001, '0.0001'],
  [0.00009999, '0.00009999'],
  [-123.456, '-123.456'],
  [2 ** 53 + 2, '9007199254740994'],
  [999999999999999.9, '999999999999999.9'],
  [12.3456789012345, '12.3456789012345'],
  [1 / 3, '0.3333333333333333'],
  [5e-324, `0.${'0'.repeat(323)}5`],
];
const DATE_TIMES: [number, string][] = [
  [Date.parse('2026-01-01T00:00:00Z'), '2026-01-01T00:00:00Z'],
  [Date.parse('2026-01-01T10:20:30.045Z'), '2026-01-01T10:20:30.045Z'],
  [Date.parse('2026-03-31T23:59:59.900Z'), '2026-03-31T23:59:59.900Z'],
  [0, '1970-01-01T00:00:00Z'],
  [1, '1970-01-01T00:00:00.001Z'],
  [-86_400_000, '1969-12-31T00:00:00Z'],
  [253_402_300_799_999, '9999-12-31T23:59:59.999Z'],
  [253_402_300_800_000, '+010000-01-01T00:00:00Z'],
];
const JSON_TEXTS: [string, string][] = [
  ['{\n  "team": "data, platform",\n  "note": "say \\"hi\\""\n}', '"{\n  ""team"": ""data, platform"",\n  ""note"": ""say \\""hi\\""""\n}"'],
  ['{"a":1}', '"{""a"":1}"'],
  ['[]', '"[]"'],
];

let database: Awaited<ReturnType<typeof tempDatabase>>;
let ids: number[];

beforeAll(async () => {
  database = await tempDatabase();
  const prisma = createPrismaClient(database.url);
  await loadDemoData(database.db, prisma, { rows: 400, seed: 5 });
  await prisma.$disconnect();
  const db = database.db;
  ids = (db.prepare('SELECT id FROM cost_records ORDER BY id').pluck().all() as number[]);
  const set = (column: string, value: unknown, id: number) => db.prepare(`UPDATE cost_records SET ${column} = ? WHERE id = ?`).run(value, id);
  db.transaction(() => {
    // Awkward strings in the first, a middle and the last string column; the first and last column are JSON.
    STRINGS.forEach(([value], index) => {
      set('resource_name', value, ids[index]);
      set(['allocated_method_id', 'sub_account_type', 'charge_description'][index % 3], value, ids[index + 40]);
    });
    DECIMALS.forEach(([value], index) => set('list_unit_price', value, ids[index + 80]));
    DATE_TIMES.forEach(([value], index) => set('charge_period_start', value, ids[index + 120]));
    JSON_TEXTS.forEach(([value], index) => {
      set('tags', value, ids[index + 140]);
      set('allocated_method_details', value, ids[index + 150]);
    });
    // One row with a bit of everything.
    db.prepare('UPDATE cost_records SET resource_name = ?, list_unit_price = ?, charge_period_start = ?, tags = ? WHERE id = ?').run('a,b', 1e-7, 1, '{"a":1}', ids[160]);
    // Random decimals, a thousand and more: printf's text is taken only where it is String()'s.
    const random = seededRandom(11);
    const decimalColumns = COST_AND_USAGE_COLUMNS.filter((column) => column.type === 'decimal' && column.nullable).map((column) => column.dbColumn);
    const update = db.prepare(`UPDATE cost_records SET ${decimalColumns.map((column) => `${column} = ?`).join(', ')} WHERE id = ?`);
    for (const id of ids.slice(200)) update.run(...decimalColumns.map(() => randomDecimal(random)), id);
  })();
});

afterAll(() => database.close());

function seededRandom(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
}

/** Decimals of up to 15 digits at every magnitude, doubles that need 16 or 17, integers, and the edges of printf's range. */
function randomDecimal(random: () => number): number | null {
  const sign = random() < 0.3 ? -1 : 1;
  const exponent = Math.floor(random() * 32) - 14;
  const digits = 1 + Math.floor(random() * 15);
  const mantissa = Math.floor(random() * 10 ** digits);
  switch (Math.floor(random() * 6)) {
    case 0:
      return null;
    case 1:
      return sign * random() * 10 ** exponent;
    case 2:
      return sign * Math.floor(random() * 2 ** 53);
    case 3:
      return sign * [1e15, 1e-4, 1e15 - 0.125, 1e-4 * (1 + 2 ** -52), 1e-4 * (1 - 2 ** -53), 999999999999999.9][Math.floor(random() * 6)];
    default:
      return Number(`${sign * mantissa}e${exponent}`);
  }
}

/** The documented CSV format, written out independently of src/exports. */
function referenceCell(column: FocusColumn, value: unknown): string {
  if (value === null) return '';
  const quoted = (text: string) => `"${text.replaceAll('"', '""')}"`;
  switch (column.type) {
    case 'decimal': {
      const text = String(value);
      return text.includes('e') ? new Decimal(text).toFixed() : text;
    }
    case 'datetime': {
      const iso = new Date(value as number).toISOString();
      return (value as number) % 1000 === 0 ? iso.replace(/\.000Z$/, 'Z') : iso;
    }
    case 'json':
      return quoted(value as string);
    case 'string': {
      const text = /^[=+\-@]/.test(value as string) ? `'${value as string}` : (value as string);
      return /[",\r\n]|^[\x00-\x20]|[\x00-\x20]$/.test(text) ? quoted(text) : text;
    }
  }
}

/** The reference file of a selection; `accountIds` narrows it to rows of those billing or sub accounts. */
function referenceCsv(params: Pick<ExportParams, 'billingPeriodStart' | 'billingPeriodEnd' | 'filter'>, accountIds: string[] | null = null): string {
  const where = exportSelection(params);
  const accounts = accountIds === null ? '' : ` AND (cr.billing_account_id IN (${accountIds.map(() => '?').join(', ')}) OR cr.sub_account_id IN (${accountIds.map(() => '?').join(', ')}))`;
  const rows = database.db
    .prepare(`SELECT ${COST_AND_USAGE_COLUMNS.map((column) => `cr.${column.dbColumn}`).join(', ')} FROM cost_records cr WHERE ${where.sql}${accounts} ORDER BY cr.id`)
    .raw()
    .all(...where.params, ...(accountIds ?? []), ...(accountIds ?? [])) as unknown[][];
  const header = COST_AND_USAGE_COLUMNS.map((column) => column.name).join(',');
  return [header, ...rows.map((row) => COST_AND_USAGE_COLUMNS.map((column, index) => referenceCell(column, row[index])).join(','))].map((line) => `${line}\n`).join('');
}

async function exportCsv(
  tuning: CsvExportTuning,
  params: Pick<ExportParams, 'billingPeriodStart' | 'billingPeriodEnd' | 'filter'> = EVERYTHING,
  scope: KeyScope | null = null,
) {
  const { dir, remove } = tempDir();
  try {
    const target = path.join(dir, 'export.csv');
    const progress: number[] = [];
    const result = await runExport(
      {
        databaseFile: path.join(database.dir, 'focus.db'),
        scope,
        format: 'CSV',
        where: exportSelection(params),
        period: { start: params.billingPeriodStart.getTime(), end: params.billingPeriodEnd.getTime() },
        includeContractCommitments: false,
        target,
        csvTuning: tuning,
      },
      { progress: (rows) => progress.push(rows) },
    ).done;
    const bytes = readFileSync(target);
    return { result, bytes, text: bytes.toString('utf8'), progress };
  } finally {
    remove();
  }
}

describe('CSV rendered by SQLite', () => {
  it('writes every awkward value and over a thousand random decimals as documented, with a helper thread, alone and row by row', async () => {
    const expected = referenceCsv(EVERYTHING);
    const runs = [await exportCsv(WITH_HELPER), await exportCsv(ALONE), await exportCsv(ROW_BY_ROW)];
    for (const { result, bytes, text } of runs) {
      expect(result).toMatchObject({ recordCount: ids.length, rowsWritten: ids.length });
      // Line by line first, for a readable difference; then the whole file, byte for byte.
      const lines = text.split('\n');
      expect(lines.filter((line, index) => line !== expected.split('\n')[index])).toEqual([]);
      expect(bytes.equals(Buffer.from(expected))).toBe(true);
    }
    const text = runs[0].text;
    // Middle columns sit between commas; the JSON columns are the first and the last.
    for (const [, cell] of [...STRINGS, ...DECIMALS, ...DATE_TIMES]) expect(text, cell).toContain(`,${cell},`);
    for (const [, cell] of JSON_TEXTS) {
      expect(text, cell).toContain(`,${cell}\n`);
      expect(text, cell).toContain(`\n${cell},`);
    }
    const randomDecimals = database.db.prepare('SELECT count(list_cost) FROM cost_records WHERE id >= ?').pluck().get(ids[200]) as number;
    expect(randomDecimals).toBeGreaterThan(100);
  });

  it('writes filtered, sparse (row by row, or in chunks) and empty selections as the reference does', async () => {
    const february = { billingPeriodStart: new Date('2026-02-01T00:00:00Z'), billingPeriodEnd: new Date('2026-03-01T00:00:00Z') };
    const selections: Pick<ExportParams, 'billingPeriodStart' | 'billingPeriodEnd' | 'filter'>[] = [
      { ...february, filter: { chargeCategory: { in: ['Usage', 'Purchase'] } } },
      { ...EVERYTHING, filter: { resourceName: { in: ['a,b', ' leading space', 'plain'] } } },
      { ...EVERYTHING, filter: { chargeCategory: { eq: 'Adjustment' }, resourceName: { eq: 'no such resource' } } },
    ];
    for (const selection of selections) {
      const expected = referenceCsv(selection);
      const where = exportSelection(selection);
      const count = database.db.prepare(`SELECT count(*) FROM cost_records cr WHERE ${where.sql}`).pluck().get(...where.params);
      // The sparse selection goes row by row with the default density rule, through chunks with ALWAYS_CHUNKS.
      for (const tuning of selection === selections[1] ? [WITH_HELPER, ALWAYS_CHUNKS] : [ALWAYS_CHUNKS]) {
        const { result, text, progress } = await exportCsv(tuning, selection);
        expect(text === expected, JSON.stringify(selection.filter)).toBe(true);
        expect(result).toMatchObject({ recordCount: count, rowsWritten: count });
        expect(progress.at(-1)).toBe(count);
        expect(progress).toEqual([...progress].sort((a, b) => a - b));
      }
    }
  });

  it("reads a scoped key's rows only, in the helper thread too", async () => {
    const [account] = database.db.prepare('SELECT billing_account_id FROM cost_records GROUP BY 1 ORDER BY count(*) DESC LIMIT 1').pluck().all() as string[];
    const expected = referenceCsv(EVERYTHING, [account]);
    const { result, text } = await exportCsv(ALWAYS_CHUNKS, EVERYTHING, { accountIds: [account], familyIds: [] });
    expect(result.rowsWritten).toBeGreaterThan(0);
    expect(result.rowsWritten).toBeLessThan(ids.length);
    expect(text === expected).toBe(true);
    const nothing = await exportCsv(ALWAYS_CHUNKS, EVERYTHING, { accountIds: ['no-such-account'], familyIds: [] });
    expect(nothing.text).toBe(`${COST_AND_USAGE_COLUMNS.map((column) => column.name).join(',')}\n`);
  });

  it('starts the helper on the export connection\'s snapshot: a commit in between makes it start again', async () => {
    const db = database.db;
    const columns = COST_AND_USAGE_COLUMNS.map((column) => column.dbColumn).join(', ');
    const firstCopy = (db.prepare('SELECT max(id) FROM cost_records').pluck().get() as number) + 1;
    db.prepare(`INSERT INTO cost_records (batch_id, ${columns}) SELECT batch_id, ${columns} FROM cost_records`).run();
    const exportDb = openSqlite(`file:${path.join(database.dir, 'focus.db')}`);
    // The export connection as CostCsvWriter sees it, except that another connection commits just before its first
    // BEGIN, after the helper has taken its snapshot: rows go in every chunk of the copies, so whatever chunks the
    // helper renders would differ if it kept that older snapshot.
    let commitsBeforeBegin = 1;
    const watched = new Proxy(exportDb, {
      get(target, property) {
        if (property === 'exec') {
          return (sql: string) => {
            if (sql === 'BEGIN' && commitsBeforeBegin-- > 0) db.prepare('DELETE FROM cost_records WHERE id >= ? AND id % 4 = 0').run(firstCopy);
            return target.exec(sql);
          };
        }
        const value = Reflect.get(target, property, target) as unknown;
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const { dir, remove } = tempDir();
    const where = exportSelection(EVERYTHING);
    const writer = await CostCsvWriter.open(watched, { databaseFile: path.join(database.dir, 'focus.db'), scope: null, where }, WITH_HELPER);
    try {
      expect(commitsBeforeBegin).toBe(-1);
      const file = path.join(dir, 'export.csv');
      const written = await writer.write(file, countCostRecords(watched, where), () => {});
      expect(readFileSync(file, 'utf8') === referenceCsv(EVERYTHING)).toBe(true);
      expect(written!.rows).toBeGreaterThan(ids.length);
    } finally {
      await writer.close();
      exportDb.close();
      remove();
      db.prepare('DELETE FROM cost_records WHERE id >= ?').run(firstCopy);
    }
  });
});
