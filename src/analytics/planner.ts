/**
 * The costSummary planner: which rollup (rollup-columns.ts, rollups.ts), if any, gives exactly the answer the cost rows
 * give, decided from the question itself; of those that do, the smallest. A rollup row stands for the rows of one
 * batch, UTC day or month and value of each of its dimension columns, and keeps their exact totals; it can answer when every
 * condition of the question is true of all the rows a rollup row stands for, or of none of them, and every group key
 * is the same for all of them.
 *
 * - Its dimension columns (BillingCurrency and BillingPeriodStart in every rollup) hold the rows' own values, so any
 *   operator on them selects the same rows; the family rule reads only the account columns, so a rollup that has
 *   both BillingAccountId and SubAccountId can answer for families.
 * - ChargePeriodStart is read as the start of its UTC day (daily rollups) or month (monthly ones). `start >= X` has
 *   one answer for a whole day when X is a midnight UTC, and it is then `day >= X`; the same for `lt` at a midnight,
 *   and for `gt` and `lte` one millisecond before one (`start > X` is `start >= X + 1`); for a month, X must be the
 *   first midnight of a month. `isNull` holds of a bucket exactly when it holds of its rows. `eq`, and any other
 *   bound, splits a bucket: a finer rollup or the rows answer.
 * - Buckets of a day or more (DAY, WEEK, MONTH, NONE) are unions of whole days; of months, only MONTH and NONE are
 *   unions of whole months; an HOUR is neither.
 * - Anything else (tags, amounts, other date-times, the other string columns) is not in the rollup: the rows answer.
 */
import { COST_AND_USAGE_COLUMNS } from '../focus/columns.ts';
import { compileCostRecordFilter, type CostRecordFilter } from '../query/cost-record-filter.ts';
import { COST_RECORD_ALIAS } from '../query/cost-records.ts';
import type { Dimension } from './dimensions.ts';
import type { Granularity } from './periods.ts';
import { ROLLUP_TABLES, type RollupGrain, type RollupTable } from './rollup-columns.ts';

export type SummarySource = 'ROLLUP' | 'ROWS';

/** Where a summary is answered from: a rollup, or the rows when none covers the question. */
export type SummaryPlan = { readonly source: 'ROLLUP'; readonly rollup: RollupTable } | { readonly source: 'ROWS'; readonly rollup: null };

const DAY_MS = 86_400_000;
const CHARGE_PERIOD_START = COST_AND_USAGE_COLUMNS.find((column) => column.name === 'ChargePeriodStart')!.field;
/** The cost row fields a rollup keeps, with `family` when it keeps both account columns the family rule reads. */
function fieldsOf(rollup: RollupTable): ReadonlySet<string> {
  const fields = new Set(rollup.dimensions.map((column) => column.field));
  if (fields.has('billingAccountId') && fields.has('subAccountId')) fields.add('family');
  return fields;
}
const ROLLUP_FIELDS = new Map(ROLLUP_TABLES.map((rollup) => [rollup, fieldsOf(rollup)]));
/** Per rollup grain: the granularities whose buckets are unions of its buckets, and whether a time starts one. */
const GRAINS: Record<RollupGrain, { granularities: ReadonlySet<Granularity>; startsBucket: (epochMs: number) => boolean }> = {
  DAY: { granularities: new Set(['DAY', 'WEEK', 'MONTH', 'NONE']), startsBucket: (epochMs) => epochMs % DAY_MS === 0 },
  MONTH: { granularities: new Set(['MONTH', 'NONE']), startsBucket: (epochMs) => epochMs % DAY_MS === 0 && new Date(epochMs).getUTCDate() === 1 },
};

const given = (value: unknown): boolean => value !== null && value !== undefined;

/** A bound as the filter compiler reads it (a Date, epoch milliseconds or RFC 3339 text), so the two cannot disagree. */
function boundOf(operator: string, operand: unknown): number {
  return compileCostRecordFilter({ [CHARGE_PERIOD_START]: { [operator]: operand } }, COST_RECORD_ALIAS).params[0] as number;
}

function chargeStartCovered(operators: Record<string, unknown>, startsBucket: (epochMs: number) => boolean): boolean {
  return Object.entries(operators).every(([operator, operand]) => {
    if (!given(operand)) return true;
    switch (operator) {
      case 'isNull':
        return true;
      case 'gte':
      case 'lt':
        return startsBucket(boundOf(operator, operand));
      case 'gt':
      case 'lte':
        return startsBucket(boundOf(operator, operand) + 1);
      default:
        return false;
    }
  });
}

/**
 * Whether a rollup with these fields and grain selects exactly the rows `filter` selects (see the top of this file).
 * `filter` must be valid: the caller has compiled it first, which names what is wrong with one that is not.
 */
function coversFilter(fields: ReadonlySet<string>, grain: RollupGrain, filter: CostRecordFilter | null | undefined): boolean {
  if (!given(filter)) return true;
  return Object.entries(filter!).every(([field, value]) => {
    if (!given(value)) return true;
    if (fields.has(field)) return true;
    if (field === CHARGE_PERIOD_START) return chargeStartCovered(value as Record<string, unknown>, GRAINS[grain].startsBucket);
    if (field === 'and' || field === 'or') return (value as CostRecordFilter[]).every((part) => coversFilter(fields, grain, part));
    if (field === 'not') return coversFilter(fields, grain, value as CostRecordFilter);
    return false;
  });
}

/** Whether a rollup with these fields and grain has every group key, in buckets that are unions of its own. */
function coversGrouping(fields: ReadonlySet<string>, grain: RollupGrain, dimensions: readonly Dimension[], granularity: Granularity): boolean {
  return GRAINS[grain].granularities.has(granularity) && dimensions.every((dimension) => (dimension.kind === 'family' || dimension.kind === 'column') && fields.has(dimension.name));
}

/** Whether `rollup` gives exactly the rows' totals for the question. */
export function rollupCovers(rollup: RollupTable, question: SummaryQuestion): boolean {
  const fields = ROLLUP_FIELDS.get(rollup) ?? fieldsOf(rollup);
  return coversGrouping(fields, rollup.grain, question.dimensions, question.granularity) && question.filters.every((filter) => coversFilter(fields, rollup.grain, filter));
}

export interface SummaryQuestion {
  /** Every filter that restricts the rows (the caller's scope, the user's filter), all of which must hold. */
  readonly filters: readonly (CostRecordFilter | null | undefined)[];
  readonly dimensions: readonly Dimension[];
  readonly granularity: Granularity;
}

/** The smallest rollup that gives exactly the rows' totals for the question, or the rows when none does. */
export function planSummary(question: SummaryQuestion): SummaryPlan {
  const rollup = ROLLUP_TABLES.find((candidate) => rollupCovers(candidate, question));
  return rollup === undefined ? { source: 'ROWS', rollup: null } : { source: 'ROLLUP', rollup };
}
