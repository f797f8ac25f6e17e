/**
 * costSummary: exact cost and quantity totals over the cost rows a filter selects, grouped by FOCUS dimensions, family
 * or tag, and by time bucket. Rows billed in different currencies are never added together: BillingCurrency is part
 * of every group unless one currency is asked for, which then restricts the rows to it.
 */
import { ROLLUP_MEASURES, SUM_METRICS, type RollupTable, type SumMetric } from './rollup-columns.ts';
import { rollupAggregate } from './rollups.ts';
import { ExactDecimal, type SqliteDatabase } from '../db/sqlite.ts';
import { compileCostRecordFilter, type CostRecordFilter, type FilterOptions } from '../query/cost-record-filter.ts';
import { COST_RECORD_ALIAS } from '../query/cost-records.ts';
import { QueryInputError, type SortDirection } from '../query/keyset.ts';
import { andSql, type SqlFragment } from '../query/sql.ts';
import { resolveDimension, type Dimension } from './dimensions.ts';
import { exactAggregate, type ExactAggregateRow } from './exact-sum.ts';
import { periodEnd, periodStartSql, type ChargeRange, type Granularity } from './periods.ts';
import { planSummary, type SummaryPlan, type SummarySource } from './planner.ts';

export { SUM_METRICS, type SumMetric };
export const METRICS = [...SUM_METRICS, 'rowCount'] as const;
export type Metric = (typeof METRICS)[number];

export const SUMMARY_LIMIT = { default: 1000, max: 10_000 } as const;
/** orderBy names of the two keys every row has besides its dimensions and metrics. */
export const PERIOD_START = 'periodStart';
export const BILLING_CURRENCY = 'billingCurrency';

const CURRENCY_CODE = /^[A-Z]{3}$/;

export interface SummaryOrder {
  /** A requested metric, a groupBy dimension (a family orders by its name), `periodStart` or `billingCurrency`. */
  readonly by: string;
  readonly direction?: SortDirection;
}

export interface CostSummaryInput {
  /** Which rows to add up, as the user gave it (its errors name `filter....`); all rows if absent. */
  readonly filter?: CostRecordFilter | null;
  /** How the filter's family ids are read (GraphQL global ids, say). */
  readonly filterOptions?: FilterOptions;
  /** The rows the caller is limited to (a billing account, a family), as a filter with families by their families.id. */
  readonly scope?: CostRecordFilter | null;
  readonly groupBy?: readonly string[];
  readonly granularity?: Granularity;
  readonly metrics: readonly Metric[];
  /** Applied in turn; ties end ordered by period, then dimensions in groupBy order, then currency, all ascending. */
  readonly orderBy?: readonly SummaryOrder[];
  readonly limit?: number;
  /** ISO 4217 code: only rows billed in it. */
  readonly currency?: string;
  /**
   * ROWS: add up the cost rows even when a rollup could answer; a rollup: answer from that one, which must cover the
   * question (planner.ts). To check the answers against each other, or to time them.
   */
  readonly answerFrom?: 'ROWS' | RollupTable;
}

export interface SummaryKey {
  readonly dimension: string;
  /** The dimension's value; null when the rows have none (for a tag, also when its value is JSON null). */
  readonly value: string | null;
  /** Tag dimensions: the rows lack the tag key, the explicit untagged bucket. */
  readonly untagged?: boolean;
  /** Family dimension: the family's name (null for rows in no family). */
  readonly name?: string | null;
}

export interface CostSummaryRow {
  readonly keys: SummaryKey[];
  readonly billingCurrency: string;
  readonly periodStart: Date | null;
  readonly periodEnd: Date | null;
  /** Exact decimal text of each requested sum; null when every value in the group was null. */
  readonly sums: Partial<Record<SumMetric, string | null>>;
  readonly rowCount: number;
}

export interface CostSummary {
  readonly rows: CostSummaryRow[];
  /** Groups before the limit was applied. */
  readonly totalGroups: number;
  /** Where the totals came from: a rollup, or the cost rows themselves. The totals are the same either way. */
  readonly answeredFrom: SummarySource;
  /** The rollup table that answered; null when the rows did. */
  readonly rollupTable: string | null;
}

function invalid(message: string): never {
  throw new QueryInputError(message);
}

function validatedLimit(limit: number | undefined): number {
  if (limit === undefined) return SUMMARY_LIMIT.default;
  if (!Number.isInteger(limit) || limit < 1 || limit > SUMMARY_LIMIT.max) invalid(`limit: expected a whole number from 1 to ${SUMMARY_LIMIT.max}, got ${limit}`);
  return limit;
}

function validatedMetrics(metrics: readonly string[]): Metric[] {
  if (metrics.length === 0) invalid(`metrics: ask for at least one of ${METRICS.join(', ')}`);
  metrics.forEach((metric, index) => {
    if (!(METRICS as readonly string[]).includes(metric)) invalid(`metrics[${index}]: unknown metric "${metric}"; expected one of ${METRICS.join(', ')}`);
  });
  return [...new Set(metrics)] as Metric[];
}

function validatedDimensions(groupBy: readonly string[]): Dimension[] {
  const seen = new Set<string>();
  return groupBy.map((name, index) => {
    if (seen.has(name)) invalid(`groupBy[${index}]: "${name}" is listed twice`);
    seen.add(name);
    return resolveDimension(name, `groupBy[${index}]`);
  });
}

type SortValue = string | number | InstanceType<typeof ExactDecimal> | null;

/** A group as aggregated, with what ordering compares: per orderable name, values compared in turn. */
interface Group {
  row: CostSummaryRow;
  sortValues: Map<string, SortValue[]>;
}

/** Nulls last in both directions, as absent values are least interesting in a ranking. */
function compareValues(a: SortValue, b: SortValue): number {
  if (a === null || b === null) return a === b ? 0 : a === null ? 1 : -1;
  if (typeof a === 'object' && typeof b === 'object') return a.comparedTo(b);
  return a < b ? -1 : a > b ? 1 : 0;
}

function comparator(orderBy: readonly SummaryOrder[], metrics: readonly Metric[], dimensions: readonly Dimension[], granularity: Granularity) {
  const sortable = new Set<string>([...metrics, ...dimensions.map((dimension) => dimension.name), BILLING_CURRENCY]);
  if (granularity !== 'NONE') sortable.add(PERIOD_START);
  orderBy.forEach((order, index) => {
    if (!sortable.has(order.by)) invalid(`orderBy[${index}].by: cannot order by "${order.by}"; expected one of ${[...sortable].join(', ')}`);
    if (order.direction !== undefined && order.direction !== 'ASC' && order.direction !== 'DESC') invalid(`orderBy[${index}].direction: expected ASC or DESC`);
  });
  const ties = [PERIOD_START, ...dimensions.map((dimension) => dimension.name), BILLING_CURRENCY].map((by) => ({ by, direction: 'ASC' }));
  const keys = [...orderBy, ...ties].map((order) => ({ by: order.by, sign: order.direction === 'DESC' ? -1 : 1 }));
  return (a: Group, b: Group): number => {
    for (const key of keys) {
      const left = a.sortValues.get(key.by) ?? [];
      const right = b.sortValues.get(key.by) ?? [];
      for (let index = 0; index < left.length; index++) {
        const difference = compareValues(left[index], right[index]);
        if (difference !== 0) return key.sign * difference;
      }
    }
    return 0;
  };
}

function chargeRange(db: SqliteDatabase): ChargeRange | null {
  // Two subqueries: SQLite reads a lone MIN or MAX from the index, but scans the table for both in one SELECT.
  const range = db.prepare('SELECT (SELECT MIN(charge_period_start) FROM cost_records) AS earliest, (SELECT MAX(charge_period_start) FROM cost_records) AS latest').get() as {
    earliest: number | null;
    latest: number | null;
  };
  return range.earliest === null || range.latest === null ? null : { earliest: range.earliest, latest: range.latest };
}

function familyNames(db: SqliteDatabase): Map<string, string> {
  return new Map((db.prepare('SELECT id, name FROM families').all() as { id: string; name: string }[]).map((family) => [family.id, family.name]));
}

/**
 * Exact totals per group, from the daily rollup when the planner (planner.ts) finds that it gives exactly the rows'
 * totals, from the rows otherwise. Throws a QueryInputError (BAD_USER_INPUT) naming the input at fault for an invalid
 * filter, an unknown dimension or metric, a repeated dimension, a bad order, limit or currency.
 */
export function costSummary(db: SqliteDatabase, input: CostSummaryInput): CostSummary {
  const metrics = validatedMetrics(input.metrics);
  const dimensions = validatedDimensions(input.groupBy ?? []);
  const granularity = input.granularity ?? 'NONE';
  const limit = validatedLimit(input.limit);
  const order = comparator(input.orderBy ?? [], metrics, dimensions, granularity);
  if (input.currency !== undefined && !CURRENCY_CODE.test(input.currency)) invalid(`currency: expected an ISO 4217 code such as USD, got "${input.currency}"`);
  // Compiled first: an invalid filter is reported as such before anything is planned.
  const where = andSql([
    compileCostRecordFilter(input.scope, COST_RECORD_ALIAS),
    compileCostRecordFilter(input.filter, COST_RECORD_ALIAS, input.filterOptions),
    ...(input.currency !== undefined ? [{ sql: 'cr.billing_currency = ?', params: [input.currency] }] : []),
  ]);
  const plan: SummaryPlan =
    input.answerFrom === undefined
      ? planSummary({ filters: [input.scope, input.filter], dimensions, granularity })
      : input.answerFrom === 'ROWS'
        ? { source: 'ROWS', rollup: null }
        : { source: 'ROLLUP', rollup: input.answerFrom };
  const sums = ROLLUP_MEASURES.filter((measure) => metrics.includes(measure.field as Metric)).map((measure) => ({ name: measure.field, sql: `cr.${measure.dbColumn}` }));

  // One read transaction: the month range, the aggregate and the family names all see the same rows.
  const { aggregated, families } = db.transaction(() => {
    const range = granularity === 'MONTH' ? chargeRange(db) : null;
    // The rollup reads as cost rows (rollups.ts): the same keys and condition serve both.
    const periodSql = periodStartSql(granularity, 'cr.charge_period_start', range);
    const keys: SqlFragment[] = [{ sql: 'cr.billing_currency', params: [] }, ...(periodSql === null ? [] : [{ sql: periodSql, params: [] }]), ...dimensions.flatMap((dimension) => dimension.keys)];
    const aggregated =
      plan.source === 'ROLLUP'
        ? rollupAggregate(db, { rollup: plan.rollup, where, keys, sums: sums.map((sum) => sum.name) })
        : exactAggregate(db, { from: 'cost_records cr', where, keys, sums });
    return { aggregated, families: dimensions.some((dimension) => dimension.kind === 'family') ? familyNames(db) : new Map<string, string>() };
  })();

  const groups = aggregated.map((group) => toGroup(group, dimensions, granularity, families));
  groups.sort(order);
  return { rows: groups.slice(0, limit).map((group) => group.row), totalGroups: groups.length, answeredFrom: plan.source, rollupTable: plan.rollup?.table ?? null };
}

function toGroup(group: ExactAggregateRow, dimensions: readonly Dimension[], granularity: Granularity, families: Map<string, string>): Group {
  const [billingCurrency, ...rest] = group.keys as [string, ...unknown[]];
  const periodStart = granularity === 'NONE' ? null : (rest.shift() as number);
  const sortValues = new Map<string, SortValue[]>([
    [BILLING_CURRENCY, [billingCurrency]],
    [PERIOD_START, [periodStart]],
    ['rowCount', [group.rowCount]],
  ]);
  const keys = dimensions.map((dimension): SummaryKey => {
    const value = rest.shift() as string | null;
    if (dimension.kind === 'tag') {
      const untagged = rest.shift() === 0;
      sortValues.set(dimension.name, [value, untagged ? 1 : 0]);
      return { dimension: dimension.name, value, untagged };
    }
    if (dimension.kind === 'family') {
      const name = value === null ? null : (families.get(value) ?? null);
      sortValues.set(dimension.name, [name, value]);
      return { dimension: dimension.name, value, name };
    }
    sortValues.set(dimension.name, [value]);
    return { dimension: dimension.name, value };
  });
  for (const [metric, total] of Object.entries(group.sums)) sortValues.set(metric, [total === null ? null : new ExactDecimal(total)]);
  return {
    row: {
      keys,
      billingCurrency,
      periodStart: periodStart === null ? null : new Date(periodStart),
      periodEnd: periodStart === null || granularity === 'NONE' ? null : new Date(periodEnd(granularity, periodStart)),
      sums: group.sums,
      rowCount: group.rowCount,
    },
    sortValues,
  };
}
