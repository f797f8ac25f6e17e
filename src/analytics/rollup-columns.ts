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

/** The time bucket of a rollup's rows: the UTC day or the UTC month ChargePeriodStart falls in. */
export type RollupGrain = 'DAY' | 'MONTH';

/** A rollup table: its name, its Prisma model, its time grain and the dimensions it groups by (some of ROLLUP_DIMENSIONS). */
export interface RollupTable {
  readonly table: string;
  readonly model: string;
  readonly grain: RollupGrain;
  readonly dimensions: readonly FocusColumn[];
}

/** The column holding the start of a rollup row's time bucket (epoch ms). */
export const rollupTimeColumn = (rollup: RollupTable): string => (rollup.grain === 'DAY' ? 'charge_day' : 'charge_month');

export const DAILY_ROLLUP: RollupTable = { table: 'cost_daily_rollups', model: 'CostDailyRollup', grain: 'DAY', dimensions: ROLLUP_DIMENSIONS };

/**
 * Each keeps the billing currency (a key of every summary) and the billing period (its end follows from its start,
 * so it costs no rows, and lets a rollup answer "billing periods overlapping a range"). The account dimensions serve
 * families, accounts and scoped keys (the family rule reads the account columns); the service dimensions serve service
 * and category breakdowns.
 */
const ACCOUNT_DIMENSIONS = ['billingCurrency', 'billingAccountId', 'billingPeriodStart', 'billingPeriodEnd', 'subAccountId', 'chargeCategory'].map(column);
const SERVICE_DIMENSIONS = ['billingCurrency', 'billingPeriodStart', 'billingPeriodEnd', 'serviceProviderName', 'serviceCategory', 'serviceSubcategory', 'serviceName', 'chargeCategory'].map(column);

/**
 * Rollups over fewer dimensions or a coarser grain, derived from the daily rollup: one over every dimension has a row
 * for nearly every combination a day sees, so it grows almost with the rows, while these stay small. Monthly ones
 * answer the months and totals dashboards ask for most, over date ranges of whole months.
 */
export const LATTICE_ROLLUPS: readonly RollupTable[] = [
  { table: 'cost_monthly_account_rollups', model: 'CostMonthlyAccountRollup', grain: 'MONTH', dimensions: ACCOUNT_DIMENSIONS },
  { table: 'cost_monthly_service_rollups', model: 'CostMonthlyServiceRollup', grain: 'MONTH', dimensions: SERVICE_DIMENSIONS },
  { table: 'cost_monthly_rollups', model: 'CostMonthlyRollup', grain: 'MONTH', dimensions: ROLLUP_DIMENSIONS },
  { table: 'cost_daily_account_rollups', model: 'CostDailyAccountRollup', grain: 'DAY', dimensions: ACCOUNT_DIMENSIONS },
  { table: 'cost_daily_service_rollups', model: 'CostDailyServiceRollup', grain: 'DAY', dimensions: SERVICE_DIMENSIONS },
];

/** Every rollup, in the order the planner tries them: the smaller ones first. */
export const ROLLUP_TABLES: readonly RollupTable[] = [...LATTICE_ROLLUPS, DAILY_ROLLUP];
