import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Decimal as BaseDecimal } from 'decimal.js';
import { costSummary, SUM_METRICS, type CostSummaryInput, type CostSummaryRow, type SumMetric } from '../src/analytics/summary.ts';
import { exactAggregate } from '../src/analytics/exact-sum.ts';
import type { Granularity } from '../src/analytics/periods.ts';
import { createPrismaClient, type PrismaClient } from '../src/db/client.ts';
import { demoCostRows, demoFamilies, type DemoOptions } from '../src/demo/generator.ts';
import { loadDemoData } from '../src/demo/load.ts';
import { createFamily } from '../src/families/service.ts';
import { COST_AND_USAGE_COLUMNS } from '../src/focus/columns.ts';
import { fileSource, ingest } from '../src/ingest/service.ts';
import { QueryInputError } from '../src/query/keyset.ts';
import { TRUE_SQL } from '../src/query/sql.ts';
import { FIXTURES, readCsvObjects, tempDatabase } from './helpers.ts';

const Decimal = BaseDecimal.clone({ precision: 200 });
const SUMMARY_FIXTURE = path.join(FIXTURES, 'analytics/summary.csv');
const WIDE_SPAN_FIXTURE = path.join(FIXTURES, 'analytics/wide-span.csv');
const METRIC_COLUMNS: Record<SumMetric, string> = {
  billedCost: 'BilledCost',
  effectiveCost: 'EffectiveCost',
  listCost: 'ListCost',
  contractedCost: 'ContractedCost',
  consumedQuantity: 'ConsumedQuantity',
  pricingQuantity: 'PricingQuantity',
};

type SourceRow = Record<string, string>;
interface Expected {
  sums: Record<string, string | null>;
  rowCount: number;
}

/** Bucket starts computed with Date arithmetic, independently of the SQL under test. */
function bucketStart(text: string, granularity: Granularity): string {
  const date = new Date(Date.parse(text));
  if (granularity === 'NONE') return '';
  if (granularity === 'HOUR') date.setUTCMinutes(0, 0, 0);
  else date.setUTCHours(0, 0, 0, 0);
  if (granularity === 'WEEK') date.setUTCDate(date.getUTCDate() - ((date.getUTCDay() + 6) % 7));
  if (granularity === 'MONTH') date.setUTCDate(1);
  return date.toISOString();
}

/** Exact totals per key from the source text: decimal.js over the cells, nulls skipped, null when all were null. */
function expectedTotals(rows: SourceRow[], keyOf: (row: SourceRow) => string, columns: Partial<Record<SumMetric, string>> = METRIC_COLUMNS): Map<string, Expected> {
  const totals = new Map<string, { sums: Record<string, BaseDecimal | null>; rowCount: number }>();
  for (const row of rows) {
    const key = keyOf(row);
    const entry = totals.get(key) ?? { sums: Object.fromEntries(Object.keys(columns).map((metric) => [metric, null])), rowCount: 0 };
    entry.rowCount++;
    for (const [metric, column] of Object.entries(columns)) {
      const text = row[column];
      if (text !== '' && text !== undefined) entry.sums[metric] = (entry.sums[metric] ?? new Decimal(0)).plus(text);
    }
    totals.set(key, entry);
  }
  return new Map(
    [...totals].map(([key, entry]) => [key, { rowCount: entry.rowCount, sums: Object.fromEntries(Object.entries(entry.sums).map(([metric, sum]) => [metric, sum?.toFixed() ?? null])) }]),
  );
}

function actualTotals(rows: CostSummaryRow[]): Map<string, Expected> {
  return new Map(
    rows.map((row) => [
      [row.billingCurrency, row.periodStart?.toISOString() ?? '', ...row.keys.map((key) => (key.untagged ? '<untagged>' : String(key.value)))].join('|'),
      { sums: row.sums, rowCount: row.rowCount },
    ]),
  );
}

/** Sums normalised by decimal.js, so that "7.0" and "7" compare equal. */
function normalised(totals: Map<string, Expected>): Map<string, Expected> {
  return new Map([...totals].map(([key, value]) => [key, { rowCount: value.rowCount, sums: Object.fromEntries(Object.entries(value.sums).map(([m, s]) => [m, s === null ? null : new Decimal(s).toFixed()])) }]));
}

function inputError(run: () => unknown): QueryInputError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(QueryInputError);
    expect((error as QueryInputError).code).toBe('BAD_USER_INPUT');
    return error as QueryInputError;
  }
  throw new Error('expected a QueryInputError');
}

describe('costSummary over a small hand-made file', () => {
  let database: Awaited<ReturnType<typeof tempDatabase>>;
  let prisma: PrismaClient;
  const source = readCsvObjects(SUMMARY_FIXTURE);
  const summary = (input: Partial<CostSummaryInput>) => costSummary(database.db, { metrics: [...SUM_METRICS, 'rowCount'], ...input });

  beforeAll(async () => {
    database = await tempDatabase();
    prisma = createPrismaClient(database.url);
    await ingest(database.db, fileSource(SUMMARY_FIXTURE));
  });
  afterAll(async () => {
    await prisma.$disconnect();
    database.close();
  });

  it('totals every metric per currency exactly, including values too large or too fine for the fast integer sums', () => {
    const result = summary({});
    expect(result.rows.map((row) => row.billingCurrency)).toEqual(['EUR', 'USD']);
    expect(normalised(actualTotals(result.rows))).toEqual(expectedTotals(source, (row) => `${row.BillingCurrency}|`));
    const usd = result.rows.find((row) => row.billingCurrency === 'USD')!;
    expect(usd.sums.billedCost).toBe('1858865.32445678801234');
    expect(usd.keys).toEqual([]);
    expect(usd.periodStart).toBeNull();
  });

  it.each(['HOUR', 'DAY', 'WEEK', 'MONTH'] as const)('buckets ChargePeriodStart by %s in UTC, with ISO weeks from Monday', (granularity) => {
    const result = summary({ groupBy: ['serviceName'], granularity });
    expect(normalised(actualTotals(result.rows))).toEqual(expectedTotals(source, (row) => `${row.BillingCurrency}|${bucketStart(row.ChargePeriodStart, granularity)}|${row.ServiceName}`));
    for (const row of result.rows) {
      const days = { HOUR: 1 / 24, DAY: 1, WEEK: 7, MONTH: null }[granularity];
      if (days !== null) expect(row.periodEnd!.getTime() - row.periodStart!.getTime()).toBe(days * 86_400_000);
    }
  });

  it('puts boundary rows in the right day, week and month', () => {
    const starts = (granularity: Granularity) =>
      summary({ groupBy: ['serviceName'], granularity, currency: 'USD', metrics: ['rowCount'] })
        .rows.filter((row) => row.keys[0].value === 'Compute Engine')
        .map((row) => [row.periodStart!.toISOString().slice(0, 10), row.periodEnd!.toISOString().slice(0, 10), row.rowCount]);
    // Sunday 2026-03-01 23:00 is in the week of Monday 2026-02-23; Monday 2026-03-02 00:00 starts the next one.
    expect(starts('WEEK')).toEqual([
      ['2026-02-23', '2026-03-02', 3],
      ['2026-03-02', '2026-03-09', 2],
      ['2026-03-09', '2026-03-16', 1],
      ['2026-03-30', '2026-04-06', 1],
    ]);
    expect(starts('MONTH')).toEqual([
      ['2026-02-01', '2026-03-01', 1],
      ['2026-03-01', '2026-04-01', 6],
    ]);
    expect(starts('DAY').slice(0, 3)).toEqual([
      ['2026-02-28', '2026-03-01', 1],
      ['2026-03-01', '2026-03-02', 2],
      ['2026-03-02', '2026-03-03', 2],
    ]);
  });

  it('groups by a tag key with an explicit untagged bucket, apart from a key set to null', () => {
    const result = summary({ groupBy: ['tag:team'], metrics: ['billedCost', 'rowCount'] });
    const teamOf = (row: SourceRow) => {
      const tags = row.Tags ? (JSON.parse(row.Tags) as Record<string, string | null>) : {};
      return 'team' in tags ? String(tags.team) : '<untagged>';
    };
    expect(normalised(actualTotals(result.rows))).toEqual(expectedTotals(source, (row) => `${row.BillingCurrency}||${teamOf(row)}`, { billedCost: 'BilledCost' }));
    const usd = result.rows.filter((row) => row.billingCurrency === 'USD').map((row) => row.keys[0]);
    expect(usd).toEqual([
      { dimension: 'tag:team', value: 'data', untagged: false },
      { dimension: 'tag:team', value: 'web', untagged: false },
      { dimension: 'tag:team', value: null, untagged: false },
      { dimension: 'tag:team', value: null, untagged: true },
    ]);
  });

  it('groups by family with its name, rows outside every family in a null group', async () => {
    await createFamily(prisma, { name: 'Storage team', accountIds: ['S1'] });
    await createFamily(prisma, { name: 'Europe', accountIds: ['B1'] });
    try {
      const result = summary({ groupBy: ['family'], metrics: ['effectiveCost'] });
      const keys = result.rows.map((row) => [row.billingCurrency, row.keys[0].name, row.sums.effectiveCost]);
      const familyOf = (row: SourceRow) => (row.SubAccountId === 'S1' ? 'Storage team' : row.BillingAccountId === 'B1' ? 'Europe' : null);
      const expected = expectedTotals(source, (row) => `${row.BillingCurrency}|${familyOf(row)}`, { effectiveCost: 'EffectiveCost' });
      expect(keys).toEqual([
        ['EUR', 'Europe', expected.get('EUR|Europe')!.sums.effectiveCost],
        ['USD', 'Storage team', expected.get('USD|Storage team')!.sums.effectiveCost],
        ['USD', null, expected.get('USD|null')!.sums.effectiveCost],
      ]);
      expect(result.rows[0].keys[0].value).toBe((await prisma.family.findUniqueOrThrow({ where: { name: 'Europe' } })).id);
    } finally {
      await prisma.family.deleteMany();
    }
  });

  it('never adds currencies together, and restricts the rows to the one currency asked for', () => {
    const byService = summary({ groupBy: ['serviceName'] });
    expect(byService.rows.map((row) => `${row.keys[0].value} ${row.billingCurrency}`)).toEqual([
      'Cloud Storage EUR',
      'Cloud Storage USD',
      'Compute Engine EUR',
      'Compute Engine USD',
    ]);
    const euro = summary({ groupBy: ['serviceName'], currency: 'EUR' });
    expect(normalised(actualTotals(euro.rows))).toEqual(expectedTotals(source.filter((row) => row.BillingCurrency === 'EUR'), (row) => `EUR||${row.ServiceName}`));
  });

  it('applies the filter and combines dimensions', () => {
    const result = summary({ filter: { subAccountId: { eq: 'S2' } }, groupBy: ['regionId', 'chargeCategory'] });
    expect(normalised(actualTotals(result.rows))).toEqual(
      expectedTotals(
        source.filter((row) => row.SubAccountId === 'S2'),
        (row) => `${row.BillingCurrency}||${row.RegionId}|${row.ChargeCategory}`,
      ),
    );
  });

  it('orders by a metric or a dimension, breaks ties the same way every time, and limits', () => {
    const top = summary({ groupBy: ['subAccountId', 'serviceName'], orderBy: [{ by: 'billedCost', direction: 'DESC' }], limit: 2 });
    expect(top.totalGroups).toBe(5);
    expect(top.rows.map((row) => row.sums.billedCost)).toEqual(['1234570.02445678901234', '524295.299999999']);
    const byCount = summary({ groupBy: ['serviceName'], orderBy: [{ by: 'rowCount' }], metrics: ['rowCount'] });
    expect(byCount.rows.map((row) => [row.rowCount, row.keys[0].value, row.billingCurrency])).toEqual([
      [1, 'Compute Engine', 'EUR'],
      [2, 'Cloud Storage', 'EUR'],
      [2, 'Cloud Storage', 'USD'],
      [7, 'Compute Engine', 'USD'],
    ]);
    const byName = summary({ groupBy: ['serviceName'], orderBy: [{ by: 'serviceName', direction: 'DESC' }, { by: 'billingCurrency', direction: 'DESC' }], metrics: ['rowCount'] });
    expect(byName.rows.map((row) => `${row.keys[0].value} ${row.billingCurrency}`)).toEqual(['Compute Engine USD', 'Compute Engine EUR', 'Cloud Storage USD', 'Cloud Storage EUR']);
  });

  it('rejects bad input with BAD_USER_INPUT errors that name the input', () => {
    const db = database.db;
    const base = { metrics: ['billedCost'] } as const;
    expect(inputError(() => costSummary(db, { ...base, groupBy: ['serviceName', 'nonsense'] })).message).toMatch(/^groupBy\[1\]: unknown dimension "nonsense"/);
    expect(inputError(() => costSummary(db, { ...base, groupBy: ['billedCost'] })).message).toMatch(/unknown dimension "billedCost"/);
    expect(inputError(() => costSummary(db, { ...base, groupBy: ['regionId', 'regionId'] })).message).toMatch(/^groupBy\[1\]: "regionId" is listed twice/);
    expect(inputError(() => costSummary(db, { ...base, groupBy: ['tag:'] })).message).toMatch(/names no tag key/);
    expect(inputError(() => costSummary(db, { ...base, groupBy: ['tag:a"b'] })).message).toMatch(/double quote or a backslash/);
    expect(inputError(() => costSummary(db, { metrics: [] })).message).toMatch(/^metrics: ask for at least one/);
    expect(inputError(() => costSummary(db, { metrics: ['billedCost', 'cost' as 'billedCost'] })).message).toMatch(/^metrics\[1\]: unknown metric "cost"/);
    for (const limit of [0, 10_001, 1.5]) expect(inputError(() => costSummary(db, { ...base, limit })).message).toMatch(/^limit: expected a whole number from 1 to 10000/);
    expect(inputError(() => costSummary(db, { ...base, orderBy: [{ by: 'listCost' }] })).message).toMatch(/^orderBy\[0\]\.by: cannot order by "listCost"/);
    expect(inputError(() => costSummary(db, { ...base, orderBy: [{ by: 'periodStart' }] })).message).toMatch(/cannot order by "periodStart"/);
    expect(inputError(() => costSummary(db, { ...base, orderBy: [{ by: 'billedCost', direction: 'UP' as 'ASC' }] })).message).toMatch(/direction: expected ASC or DESC/);
    expect(inputError(() => costSummary(db, { ...base, currency: 'usd' })).message).toMatch(/^currency: expected an ISO 4217 code/);
  });
});

describe('time buckets far from the data window', () => {
  it('buckets rows before 1970 and spread over more than a century, months through the calendar functions', async () => {
    const database = await tempDatabase();
    try {
      await ingest(database.db, fileSource(WIDE_SPAN_FIXTURE));
      const starts = (granularity: Granularity) =>
        costSummary(database.db, { metrics: ['billedCost'], granularity }).rows.map((row) => [row.periodStart!.toISOString(), row.periodEnd!.toISOString(), row.sums.billedCost]);
      expect(starts('MONTH')).toEqual([
        ['1969-12-01T00:00:00.000Z', '1970-01-01T00:00:00.000Z', '3.75'],
        ['2100-01-01T00:00:00.000Z', '2100-02-01T00:00:00.000Z', '4'],
      ]);
      expect(starts('WEEK').slice(0, 1)).toEqual([['1969-12-29T00:00:00.000Z', '1970-01-05T00:00:00.000Z', '3.75']]);
      expect(starts('HOUR').slice(0, 2)).toEqual([
        ['1969-12-31T22:00:00.000Z', '1969-12-31T23:00:00.000Z', '2.5'],
        ['1969-12-31T23:00:00.000Z', '1970-01-01T00:00:00.000Z', '1.25'],
      ]);
      expect(starts('DAY')[0]).toEqual(['1969-12-31T00:00:00.000Z', '1970-01-01T00:00:00.000Z', '3.75']);
    } finally {
      database.close();
    }
  });
});

describe('exact sums', () => {
  it('equal the decimal sum of what each stored double reads back as, for any double, fit for the integer path or not', async () => {
    const database = await tempDatabase();
    try {
      const db = database.db;
      db.exec('CREATE TEMP TABLE samples (grp TEXT, v REAL)');
      const insert = db.prepare('INSERT INTO samples (grp, v) VALUES (?, ?)');
      let seed = 7;
      const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
      const values: [string, number | null][] = [];
      for (let i = 0; i < 3000; i++) {
        // Decimals of up to 15 significant digits at every scale from 1e-14 to 1e12, the kind ingest stores...
        const digits = 1 + Math.floor(random() * 15);
        const mantissa = String(Math.floor(random() * 10 ** digits));
        const text = `${random() < 0.3 ? '-' : ''}${mantissa}e${Math.floor(random() * 27) - 14 - mantissa.length + 1}`;
        values.push([`g${i % 7}`, Number(text)]);
        // ...and arbitrary doubles, whose shortest decimal has up to 17 digits.
        values.push([`g${i % 5}`, (random() - 0.5) * 10 ** Math.floor(random() * 14)]);
      }
      values.push(['edges', 524288], ['edges', 524287.999999999], ['edges', -524288.5], ['edges', 99999.9999999999], ['edges', 1e-10], ['edges', 1.5e-11], ['edges', 1e300], ['edges', null]);
      values.push(['nulls', null], ['fit', 0.1], ['fit', 0.2], ['fit', 0.3]);
      db.transaction(() => values.forEach(([group, value]) => insert.run(group, value)))();

      const expectedSums = (include: (value: number) => boolean) => {
        const expected = new Map<string, string | null>();
        for (const [group, value] of values) {
          const total = expected.get(group) ?? null;
          expected.set(group, value === null || !include(value) ? total : new Decimal(total ?? 0).plus(String(value)).toFixed());
        }
        return expected;
      };
      const rows = exactAggregate(db, {
        from: 'temp.samples cr',
        where: TRUE_SQL,
        keys: [{ sql: 'cr.grp', params: [] }],
        sums: [
          { name: 'v', sql: 'cr.v' },
          { name: 'large', sql: 'cr.v', filter: 'ABS(cr.v) >= 1000' },
        ],
      });
      expect(new Map(rows.map((row) => [row.keys[0] as string, row.sums.v]))).toEqual(expectedSums(() => true));
      expect(new Map(rows.map((row) => [row.keys[0] as string, row.sums.large]))).toEqual(expectedSums((value) => Math.abs(value) >= 1000));
      expect(rows.find((row) => row.keys[0] === 'fit')!.sums.v).toBe('0.6');
      expect(rows.find((row) => row.keys[0] === 'nulls')).toMatchObject({ rowCount: 1, sums: { v: null } });
    } finally {
      database.close();
    }
  });
});

describe('costSummary over demo data', () => {
  const options: DemoOptions = { rows: 12_000, seed: 3 };
  let database: Awaited<ReturnType<typeof tempDatabase>>;
  let prisma: PrismaClient;
  const header = COST_AND_USAGE_COLUMNS.map((column) => column.name);
  const source = [...demoCostRows(options)].map((cells) => Object.fromEntries(header.map((name, index) => [name, cells[index]])));

  beforeAll(async () => {
    database = await tempDatabase();
    prisma = createPrismaClient(database.url);
    await loadDemoData(database.db, prisma, options);
  });
  afterAll(async () => {
    await prisma.$disconnect();
    database.close();
  });

  it('equals an independent decimal sum of the generated rows by service and month', () => {
    const result = costSummary(database.db, { groupBy: ['serviceName'], granularity: 'MONTH', metrics: [...SUM_METRICS, 'rowCount'], limit: 10_000 });
    const expected = expectedTotals(source, (row) => `${row.BillingCurrency}|${bucketStart(row.ChargePeriodStart, 'MONTH')}|${row.ServiceName}`);
    expect(new Set(result.rows.map((row) => row.billingCurrency))).toEqual(new Set(['USD', 'EUR']));
    expect(result.totalGroups).toBe(expected.size);
    expect(normalised(actualTotals(result.rows))).toEqual(expected);
  });

  it('groups the generated rows by family and by tag as the family rule and the Tags JSON say', () => {
    const families = demoFamilies(options);
    const familyOf = (row: SourceRow) =>
      (families.find((family) => family.accountIds.includes(row.SubAccountId)) ?? families.find((family) => family.accountIds.includes(row.BillingAccountId)))?.name ?? null;
    const byFamily = costSummary(database.db, { groupBy: ['family'], metrics: ['effectiveCost', 'rowCount'] });
    expect(new Map(byFamily.rows.map((row) => [`${row.billingCurrency}|${row.keys[0].name}`, { sums: row.sums, rowCount: row.rowCount }]))).toEqual(
      expectedTotals(source, (row) => `${row.BillingCurrency}|${familyOf(row)}`, { effectiveCost: 'EffectiveCost' }),
    );
    const teamOf = (row: SourceRow) => {
      const tags = row.Tags ? (JSON.parse(row.Tags) as Record<string, string>) : {};
      return 'team' in tags ? tags.team : '<untagged>';
    };
    const byTeam = costSummary(database.db, { groupBy: ['tag:team'], metrics: ['billedCost', 'rowCount'] });
    expect(byTeam.rows.some((row) => row.keys[0].untagged)).toBe(true);
    expect(normalised(actualTotals(byTeam.rows))).toEqual(expectedTotals(source, (row) => `${row.BillingCurrency}||${teamOf(row)}`, { billedCost: 'BilledCost' }));
  });
});
