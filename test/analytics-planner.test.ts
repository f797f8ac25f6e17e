import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exactAggregate } from '../src/analytics/exact-sum.ts';
import { rollupAggregate } from '../src/analytics/rollups.ts';
import { DAILY_ROLLUP, LATTICE_ROLLUPS, ROLLUP_DIMENSIONS, ROLLUP_TABLES, type RollupGrain, type RollupTable } from '../src/analytics/rollup-columns.ts';
import { costSummary, METRICS, type CostSummaryInput, type Metric } from '../src/analytics/summary.ts';
import { GRANULARITIES } from '../src/analytics/periods.ts';
import { createPrismaClient } from '../src/db/client.ts';
import { loadDemoData } from '../src/demo/load.ts';
import { COST_AND_USAGE_COLUMNS } from '../src/focus/columns.ts';
import { fileSource, ingest } from '../src/ingest/service.ts';
import { compileCostRecordFilter, type CostRecordFilter } from '../src/query/cost-record-filter.ts';
import { FIXTURES, tempDatabase } from './helpers.ts';
import { fuzzParameters } from './fuzz-support.ts';

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

/** Whether a filter's chargePeriodStart bounds (all, or none) fall on the buckets of each rollup grain. */
type Aligned = Readonly<Record<RollupGrain, boolean>>;
const ALIGNED: Aligned = { DAY: true, MONTH: true };

/**
 * A generated filter, the fields it names, and whether its chargePeriodStart bounds (if any) are whole days and whole
 * months: a rollup holds exactly its rows when it has every field and the bounds fall on its buckets, the answer the
 * planner must reach.
 */
interface Generated {
  readonly filter: CostRecordFilter;
  readonly fields: readonly string[];
  readonly aligned: Aligned;
}

/** Granularities whose buckets are unions of a grain's buckets, by the test's own reading. */
const GRAIN_GRANULARITIES: Record<RollupGrain, readonly string[]> = { DAY: ['DAY', 'WEEK', 'MONTH', 'NONE'], MONTH: ['MONTH', 'NONE'] };

/** The fields a rollup has, by the test's own reading: its dimensions, and family when it has both account columns. */
function rollupFields(rollup: RollupTable): Set<string> {
  const fields = new Set(rollup.dimensions.map((column) => column.field));
  if (fields.has('billingAccountId') && fields.has('subAccountId')) fields.add('family');
  return fields;
}

const ROLLUP_STRING_FIELDS = ROLLUP_DIMENSIONS.filter((column) => column.type === 'string').map((column) => column.field);
/** String columns the rollup lacks, with few values in the demo data. */
const OTHER_STRING_FIELDS = ['pricingUnit', 'consumedUnit', 'chargeFrequency', 'skuId'];
const columnOf = (field: string) => COST_AND_USAGE_COLUMNS.find((column) => column.field === field)!;

/**
 * The ways a caller writes a date-time bound; all read as the same instant. An offset other than Z puts a midnight UTC
 * at another wall-clock time, which the planner must still recognise.
 */
const BOUND_FORMS = ['date', 'epoch', 'utc', 'offset'] as const;
function written(epochMs: number, form: (typeof BOUND_FORMS)[number]): unknown {
  switch (form) {
    case 'date':
      return new Date(epochMs);
    case 'epoch':
      return epochMs;
    case 'utc':
      return new Date(epochMs).toISOString();
    case 'offset':
      return `${new Date(epochMs + 330 * 60_000).toISOString().slice(0, 23)}+05:30`;
  }
}

describe('the costSummary planner', () => {
  let database: Awaited<ReturnType<typeof tempDatabase>>;
  const data = { values: new Map<string, string[]>(), firstDay: 0, days: 0, monthStarts: [] as number[], billingPeriods: [] as number[], accounts: [] as string[], families: [] as string[] };

  beforeAll(async () => {
    database = await tempDatabase();
    const prisma = createPrismaClient(database.url);
    await loadDemoData(database.db, prisma, { rows: 3000, seed: 5 });
    await prisma.$disconnect();
    // Rows either side of midnights and months, and amounts the integer scale cannot hold (the decimal path).
    await ingest(database.db, fileSource(path.join(FIXTURES, 'analytics/summary.csv')));
    const db = database.db;
    for (const field of [...ROLLUP_STRING_FIELDS, ...OTHER_STRING_FIELDS]) {
      const column = columnOf(field);
      const values = (db.prepare(`SELECT DISTINCT ${column.dbColumn} FROM cost_records WHERE ${column.dbColumn} IS NOT NULL ORDER BY 1 LIMIT 8`).pluck().all() as string[]).filter(
        (value) => !column.allowedValues || column.allowedValues.includes(value),
      );
      data.values.set(field, column.allowedValues ? values : [...values, 'no such value']);
    }
    const range = db.prepare('SELECT MIN(charge_period_start) AS earliest, MAX(charge_period_start) AS latest FROM cost_records').get() as { earliest: number; latest: number };
    data.firstDay = range.earliest - (range.earliest % DAY_MS);
    data.days = Math.ceil((range.latest - data.firstDay) / DAY_MS);
    // Month starts from the month before the first charge to the month after the last.
    const first = new Date(data.firstDay);
    for (let month = -1; Date.UTC(first.getUTCFullYear(), first.getUTCMonth() + month, 1) <= range.latest + 31 * DAY_MS; month++) {
      data.monthStarts.push(Date.UTC(first.getUTCFullYear(), first.getUTCMonth() + month, 1));
    }
    data.billingPeriods = db.prepare('SELECT DISTINCT billing_period_start FROM cost_records ORDER BY 1').pluck().all() as number[];
    data.accounts = db.prepare('SELECT DISTINCT billing_account_id FROM cost_records ORDER BY 1').pluck().all() as string[];
    data.families = db.prepare('SELECT id FROM families ORDER BY name').pluck().all() as string[];
    expect(data.families.length).toBeGreaterThan(0);
    // The rows' charge periods start at every hour, so a bound inside a day splits the rows of that day.
    expect(db.prepare(`SELECT COUNT(DISTINCT charge_period_start % ${DAY_MS}) FROM cost_records`).pluck().get()).toBeGreaterThan(12);
  });
  afterAll(() => database.close());

  /** Arbitraries over the loaded data, built once the data is there. */
  function arbitraries() {
    const valueOf = (field: string) => fc.constantFrom(...data.values.get(field)!);
    /** A filter of whole days (or none) over the fields it names. */
    const over = (filter: CostRecordFilter): Generated => ({ filter, fields: Object.keys(filter), aligned: ALIGNED });

    const stringFilter = (field: string) => {
      const some = fc.subarray(data.values.get(field)!, { maxLength: Math.min(3, data.values.get(field)!.length) });
      return fc.oneof(
        valueOf(field).map((value) => ({ [field]: { eq: value } })),
        valueOf(field).map((value) => ({ [field]: { ne: value } })),
        some.map((values) => ({ [field]: { in: values } })),
        some.map((values) => ({ [field]: { notIn: values } })),
        fc.boolean().map((isNull) => ({ [field]: { isNull } })),
      );
    };

    /** A day of the data (or one either side) or a month start, and a time there: itself, a millisecond either side, or later. */
    const offset = fc.oneof({ arbitrary: fc.constant(0), weight: 4 }, { arbitrary: fc.constant(-1), weight: 2 }, fc.constantFrom(1, HOUR_MS, 13 * HOUR_MS + 17));
    const instant = fc.oneof(
      fc.record({ day: fc.integer({ min: -1, max: data.days + 1 }), offset }).map(({ day, offset }) => data.firstDay + day * DAY_MS + offset),
      fc.record({ month: fc.constantFrom(...data.monthStarts), offset }).map(({ month, offset }) => month + offset),
    );
    /** gte/lt hold of whole buckets at a bucket's start, gt/lte a millisecond before one; eq never. */
    const boundAligned = (operator: string, at: number): Aligned => {
      const start = ['gte', 'lt'].includes(operator) ? at : ['gt', 'lte'].includes(operator) ? at + 1 : null;
      const day = start !== null && start % DAY_MS === 0;
      return { DAY: day, MONTH: day && new Date(start!).getUTCDate() === 1 };
    };
    const both = (a: Aligned, b: Aligned): Aligned => ({ DAY: a.DAY && b.DAY, MONTH: a.MONTH && b.MONTH });
    const chargeStart = fc.oneof(
      fc.record({ operator: fc.constantFrom('gte', 'gt', 'lt', 'lte', 'eq'), bound: instant, form: fc.constantFrom(...BOUND_FORMS) }).map(({ operator, bound, form }) => ({
        filter: { chargePeriodStart: { [operator]: written(bound, form) } },
        fields: [],
        aligned: boundAligned(operator, bound),
      })),
      fc
        .record({ lower: instant, upper: instant, lowerOperator: fc.constantFrom('gte', 'gt'), upperOperator: fc.constantFrom('lt', 'lte'), form: fc.constantFrom(...BOUND_FORMS) })
        .map(({ lower, upper, lowerOperator, upperOperator, form }) => {
          const [from, to] = lower <= upper ? [lower, upper] : [upper, lower];
          // Equal bounds with a strict operator would be a reversed range, which the filter rejects.
          const operators = from === to ? (['gte', 'lte'] as const) : ([lowerOperator, upperOperator] as const);
          return {
            filter: { chargePeriodStart: { [operators[0]]: written(from, form), [operators[1]]: written(to, form) } },
            fields: [],
            aligned: both(boundAligned(operators[0], from), boundAligned(operators[1], to)),
          };
        }),
      fc.boolean().map((isNull) => ({ filter: { chargePeriodStart: { isNull } }, fields: [], aligned: ALIGNED })),
    );

    const billingPeriodStart = fc
      .record({
        operator: fc.constantFrom('eq', 'gt', 'gte', 'lt', 'lte'),
        start: fc.constantFrom(...data.billingPeriods),
        shift: fc.constantFrom(0, 0, -1, 1, DAY_MS),
      })
      .map(({ operator, start, shift }) => over({ billingPeriodStart: { [operator]: new Date(start + shift) } }));
    // Billing periods overlapping a range, as the REST routes ask: every rollup keeps the period's end too.
    const billingPeriodEnd = fc.constantFrom(...data.billingPeriods).map((start) => over({ billingPeriodEnd: { gt: new Date(start) } }));

    const family = fc.oneof(
      fc.constantFrom(...data.families).map((id) => over({ family: { eq: id } })),
      fc.subarray(data.families, { maxLength: Math.min(2, data.families.length) }).map((ids) => over({ family: { in: ids } })),
      fc.boolean().map((isNull) => over({ family: { isNull } })),
    );

    const notInRollup = fc.oneof(
      fc.constantFrom(...OTHER_STRING_FIELDS).chain(stringFilter).map(over),
      fc.constantFrom({ key: 'team' }, { key: 'team', value: 'web' }, { key: 'team', exists: false }).map((tag) => over({ tag })),
      fc.constantFrom({ billedCost: { gt: 0 } }, { effectiveCost: { lte: 1 } }, { listCost: { isNull: true } }).map(over),
      instant.map((at) => over({ chargePeriodEnd: { gte: new Date(at) } })),
    );

    const leaf: fc.Arbitrary<Generated> = fc.oneof(
      { arbitrary: fc.constantFrom(...ROLLUP_STRING_FIELDS).chain(stringFilter).map(over), weight: 4 },
      { arbitrary: chargeStart, weight: 4 },
      { arbitrary: billingPeriodStart, weight: 1 },
      { arbitrary: billingPeriodEnd, weight: 1 },
      { arbitrary: family, weight: 1 },
      { arbitrary: notInRollup, weight: 2 },
    );

    /** Several conditions in one object (when their fields differ), and/or of a few filters, not of one. */
    const filterOf = (depth: number): fc.Arbitrary<Generated> => {
      if (depth === 0) return leaf;
      const inner = filterOf(depth - 1);
      const combined = (filter: CostRecordFilter, parts: Generated[]): Generated => ({
        filter,
        fields: parts.flatMap((part) => part.fields),
        aligned: parts.reduce((all, part) => both(all, part.aligned), ALIGNED),
      });
      return fc.oneof(
        { arbitrary: leaf, weight: 3 },
        {
          arbitrary: fc.array(inner, { minLength: 2, maxLength: 3 }).map((parts) => {
            const fields = parts.flatMap((part) => Object.keys(part.filter));
            const filter = new Set(fields).size === fields.length ? Object.assign({}, ...parts.map((part) => part.filter)) : { and: parts.map((part) => part.filter) };
            return combined(filter, parts);
          }),
          weight: 2,
        },
        { arbitrary: fc.array(inner, { maxLength: 3 }).map((parts) => combined({ and: parts.map((part) => part.filter) }, parts)), weight: 1 },
        { arbitrary: fc.array(inner, { maxLength: 3 }).map((parts) => combined({ or: parts.map((part) => part.filter) }, parts)), weight: 1 },
        { arbitrary: inner.map((part) => combined({ not: part.filter }, [part])), weight: 1 },
      );
    };

    const scope = fc.oneof(
      // Unscoped most often: a rollup without account columns (the service rollup) can answer only then.
      { arbitrary: fc.constant(undefined), weight: 4 },
      fc.constantFrom(...data.accounts).map((id): CostRecordFilter => ({ billingAccountId: { eq: id } })),
      fc.constantFrom(...data.families).map((id): CostRecordFilter => ({ family: { eq: id } })),
    );
    const groupByOf = (names: string[]) => fc.subarray(names, { maxLength: 3 }).chain((some) => fc.shuffledSubarray(some, { minLength: some.length }));
    // Also keys of one smaller rollup only, so that each is asked often enough to be tested.
    const groupBy = fc.oneof(
      groupByOf([...ROLLUP_STRING_FIELDS, 'family', 'pricingUnit', 'chargeFrequency', 'tag:team']),
      fc.constantFrom(...LATTICE_ROLLUPS).chain((rollup) => groupByOf([...rollupFields(rollup)].filter((field) => ROLLUP_STRING_FIELDS.includes(field) || field === 'family'))),
    );

    return fc.record({
      // Date ranges alone too: the dashboard's most common question.
      filter: fc.option(fc.oneof({ arbitrary: filterOf(3), weight: 3 }, chargeStart), { nil: undefined }),
      scope,
      groupBy,
      // Months and totals most often: only they can come from the monthly rollups.
      granularity: fc.oneof({ arbitrary: fc.constantFrom('MONTH', 'NONE'), weight: 3 }, { arbitrary: fc.constantFrom(...GRANULARITIES), weight: 2 }),
      metrics: fc.subarray([...METRICS], { minLength: 1 }),
      currency: fc.constantFrom(undefined, undefined, 'USD', 'EUR', 'JPY'),
      descending: fc.boolean(),
    });
  }

  it('answers from the smallest rollup that holds the answer, from the rows when none does, and every answer is the same', () => {
    const seen: Record<string, number> = { rows: 0, rollupWithDates: 0, rowsWithDates: 0, nonEmpty: 0, ...Object.fromEntries(ROLLUP_TABLES.map((rollup) => [rollup.table, 0])) };
    fc.assert(
      fc.property(arbitraries(), (question) => {
        const named = new Set([...question.groupBy, ...(question.filter?.fields ?? []), ...Object.keys(question.scope ?? {})]);
        const holds = (rollup: RollupTable) => {
          const fields = rollupFields(rollup);
          return GRAIN_GRANULARITIES[rollup.grain].includes(question.granularity) && (question.filter?.aligned ?? ALIGNED)[rollup.grain] && [...named].every((field) => fields.has(field));
        };
        const covering = ROLLUP_TABLES.filter(holds);
        const input: CostSummaryInput = {
          filter: question.filter?.filter,
          scope: question.scope,
          groupBy: question.groupBy,
          granularity: question.granularity,
          metrics: question.metrics,
          currency: question.currency,
          orderBy: [{ by: question.metrics[0], direction: question.descending ? 'DESC' : 'ASC' }],
          limit: 10_000,
        };
        const planned = costSummary(database.db, input);
        const fromRows = costSummary(database.db, { ...input, answerFrom: 'ROWS' });
        expect(planned.rollupTable).toBe(covering[0]?.table ?? null);
        expect(planned.answeredFrom).toBe(covering.length > 0 ? 'ROLLUP' : 'ROWS');
        expect({ ...planned, answeredFrom: 'ROWS', rollupTable: null }).toEqual(fromRows);
        // Every other rollup that holds the answer gives it too (the planner would pick it were the smaller one gone).
        for (const rollup of covering.slice(1)) expect({ ...costSummary(database.db, { ...input, answerFrom: rollup }), answeredFrom: 'ROWS', rollupTable: null }).toEqual(fromRows);
        // The daily rollup holds every answer a smaller one holds.
        if (covering.length > 0) expect(covering).toContain(DAILY_ROLLUP);
        const withDates = JSON.stringify(question.filter?.filter ?? {}).includes('chargePeriodStart');
        // Each rollup is counted when it was checked against the rows (as the answer or as one that holds it).
        if (covering.length === 0) seen.rows++;
        for (const rollup of covering) seen[rollup.table]++;
        if (withDates) seen[covering.length > 0 ? 'rollupWithDates' : 'rowsWithDates']++;
        if (fromRows.rows.length > 0) seen.nonEmpty++;
      }),
      fuzzParameters(400),
    );
    // The property checked every rollup and saw the rows answer (each some twenty times or more in 400 questions), date
    // ranges on both sides of the line, and questions with something to add up.
    for (const [what, count] of Object.entries(seen)) expect(count, what).toBeGreaterThan(5);
  });

  it('sends a bound inside a day to the rows, where the rollup would leave out the whole day', () => {
    const midnight = Date.UTC(2026, 2, 1);
    const question = (bound: number): CostSummaryInput => ({ filter: { chargePeriodStart: { gte: new Date(bound) } }, groupBy: ['serviceName'], granularity: 'DAY', metrics: ['billedCost', 'rowCount'], limit: 10_000 });
    const keys = [{ sql: 'cr.service_name', params: [] }];
    for (const bound of [midnight + HOUR_MS, midnight]) {
      const where = compileCostRecordFilter(question(bound).filter, 'cr');
      const rollup = rollupAggregate(database.db, { rollup: DAILY_ROLLUP, where, keys, sums: ['billedCost'] });
      const rows = exactAggregate(database.db, { from: 'cost_records cr', where, keys, sums: [{ name: 'billedCost', sql: 'cr.billed_cost' }] });
      const counted = (groups: { rowCount: number }[]) => groups.reduce((sum, group) => sum + group.rowCount, 0);
      // The rollup holds the day as its midnight: a bound an hour later drops the whole day, the rows keep 01:00 on.
      if (bound === midnight) expect(counted(rollup)).toBe(counted(rows));
      else expect(counted(rollup)).toBeLessThan(counted(rows));
      const summary = costSummary(database.db, question(bound));
      expect(summary.answeredFrom).toBe(bound === midnight ? 'ROLLUP' : 'ROWS');
      expect({ ...summary, answeredFrom: 'ROWS', rollupTable: null }).toEqual(costSummary(database.db, { ...question(bound), answerFrom: 'ROWS' }));
    }
  });

  it('names what is wrong with an invalid filter or scope before planning', () => {
    const base = { metrics: ['rowCount'] as Metric[] };
    expect(() => costSummary(database.db, { ...base, filter: { chargePeriodStart: { gte: '2026-03-02', lt: 'soon' } } })).toThrow(/^filter\.chargePeriodStart\.gte: expected an RFC 3339 date-time/);
    expect(() => costSummary(database.db, { ...base, filter: { or: [{ colour: { eq: 'red' } }] } })).toThrow(/^filter\.or\[0\]\.colour: is not a CostRecordFilter field/);
    expect(() => costSummary(database.db, { ...base, scope: { chargePeriodStart: { gte: 2, lt: 1 } } })).toThrow(/reversed range/);
  });
});
