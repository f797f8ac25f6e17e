/**
 * What the daily rollup of cost rows keeps (table cost_daily_rollups): per ingest batch, UTC day of ChargePeriodStart
 * and the dimensions dashboards group and filter by most, the row count and the exact parts of every summed measure.
 * Rendered into the Prisma schema from here, and read by src/analytics/rollups.ts.
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
