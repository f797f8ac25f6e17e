/**
 * What the rollups of cost rows keep: per ingest batch, UTC day of ChargePeriodStart and some dimensions, the row count
 * and the exact parts of every summed measure. The daily rollup (cost_daily_rollups) keeps the dimensions dashboards
 * group and filter by most; smaller rollups over a few of them are derived from it. Rendered into the Prisma schema
 * from here, and read by src/analytics/rollups.ts.
 */
import { COST_AND_USAGE_COLUMNS, type FocusColumn } from '../focus/columns.ts';

/** The measures costSummary adds up, by FOCUS field name. */
export const SUM_METRICS = ['billedCost', 'effectiveCost', 'listCost', 'contractedCost', 'consumedQuantity', 'pricingQuantity'] as const;
export type SumMetric = (typeof SUM_METRICS)[number];

const column = (field: string): FocusColumn => COST_AND_USAGE_COLUMNS.find((candidate) => candidate.field === field)!;

/**
 * Grouped by in the rollup, under the same column names as in cost_records, so that a filter over these columns reads
 * the same against either table. BillingAccountId with BillingPeriodStart also lets --replace remove a restated period.
 */
export const ROLLUP_DIMENSIONS: readonly FocusColumn[] = [
  'billingCurrency',
  'billingAccountId',
  'billingPeriodStart',
  'billingPeriodEnd',
  'subAccountId',
  'serviceProviderName',
  'serviceCategory',
  'serviceSubcategory',
  'serviceName',
  'regionId',
  'chargeCategory',
  'pricingCategory',
  'commitmentDiscountStatus',
].map(column);

export const ROLLUP_MEASURES: readonly FocusColumn[] = SUM_METRICS.map(column);

/** A rollup table: its name, its Prisma model and the dimensions it groups by (a subset of ROLLUP_DIMENSIONS). */
export interface RollupTable {
  readonly table: string;
  readonly model: string;
  readonly dimensions: readonly FocusColumn[];
}

export const DAILY_ROLLUP: RollupTable = { table: 'cost_daily_rollups', model: 'CostDailyRollup', dimensions: ROLLUP_DIMENSIONS };

/**
 * Rollups over a few dimensions each, derived from the daily rollup: one over every dimension has a row for nearly
 * every combination a day sees, so it grows almost with the rows, while these stay small. Each keeps the billing
 * currency (a key of every summary) and the billing period (its end follows from its start, so it costs no rows, and
 * lets a rollup answer "billing periods overlapping a range"); the account rollup serves families, accounts and scoped
 * keys (the family rule reads its account columns), the service rollup serves service and category breakdowns.
 */
export const LATTICE_ROLLUPS: readonly RollupTable[] = [
  {
    table: 'cost_daily_account_rollups',
    model: 'CostDailyAccountRollup',
    dimensions: ['billingCurrency', 'billingAccountId', 'billingPeriodStart', 'billingPeriodEnd', 'subAccountId', 'chargeCategory'].map(column),
  },
  {
    table: 'cost_daily_service_rollups',
    model: 'CostDailyServiceRollup',
    dimensions: ['billingCurrency', 'billingPeriodStart', 'billingPeriodEnd', 'serviceProviderName', 'serviceCategory', 'serviceSubcategory', 'serviceName', 'chargeCategory'].map(column),
  },
];

/** Every rollup, in the order the planner tries them: the smaller ones first. */
export const ROLLUP_TABLES: readonly RollupTable[] = [...LATTICE_ROLLUPS, DAILY_ROLLUP];

/**
 * Per measure: the sum of its values that fit the exact integer scale, in two parts (see exact-sum.ts), the exact
 * decimal sum of the values that do not (null when none), and how many values were not null.
 */
export const rollupMeasureColumns = (measure: FocusColumn) => ({
  high: `${measure.dbColumn}_high`,
  low: `${measure.dbColumn}_low`,
  rest: `${measure.dbColumn}_rest`,
  count: `${measure.dbColumn}_count`,
});
