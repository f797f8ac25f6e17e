/**
 * Time buckets for cost totals, over a row's ChargePeriodStart in UTC: a row falls wholly in the bucket its charge
 * period starts in (a daily charge is not spread over hours). Weeks are ISO weeks, starting on Monday.
 */
export const GRANULARITIES = ['HOUR', 'DAY', 'WEEK', 'MONTH', 'NONE'] as const;
export type Granularity = (typeof GRANULARITIES)[number];

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const WEEK_MS = 7 * DAY_MS;
/** 1970-01-05T00:00Z, the first Monday of the epoch, from which weeks are counted. */
const FIRST_MONDAY_MS = 4 * DAY_MS;
/**
 * Months are found by a binary search over the month starts between the earliest and latest charge, written as nested
 * CASE expressions: a few integer comparisons a row, where SQLite's calendar functions cost more than the rest of a
 * scan. Data spread over more months than this (a stray date in year 1 or 9999) uses the calendar functions instead.
 */
const MAX_SEARCHED_MONTHS = 1200;

/** Earliest and latest ChargePeriodStart of the rows, epoch milliseconds. */
export interface ChargeRange {
  readonly earliest: number;
  readonly latest: number;
}

/** `column` rounded down to a multiple of `unit` counted from `origin`; the double modulo keeps it right before 1970. */
const floorTo = (column: string, unit: number, origin: number) => `${column} - ((${column} - ${origin}) % ${unit} + ${unit}) % ${unit}`;

function monthStart(epochMs: number): number {
  const date = new Date(epochMs);
  return Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1);
}

function nextMonthStart(epochMs: number): number {
  const date = new Date(epochMs);
  return Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1);
}

function monthSearchSql(column: string, starts: readonly number[], from: number, to: number): string {
  if (to - from === 1) return String(starts[from]);
  const middle = (from + to) >> 1;
  return `CASE WHEN ${column} < ${starts[middle]} THEN ${monthSearchSql(column, starts, from, middle)} ELSE ${monthSearchSql(column, starts, middle, to)} END`;
}

/**
 * SQL for the start (epoch milliseconds) of the bucket holding the integer epoch-millisecond `column`; null for NONE.
 * MONTH needs the range of the rows it will see (no range: there are no rows, and the bucket is NULL).
 */
export function periodStartSql(granularity: Granularity, column: string, range: ChargeRange | null): string | null {
  switch (granularity) {
    case 'NONE':
      return null;
    case 'HOUR':
      return floorTo(column, HOUR_MS, 0);
    case 'DAY':
      return floorTo(column, DAY_MS, 0);
    case 'WEEK':
      return floorTo(column, WEEK_MS, FIRST_MONDAY_MS);
    case 'MONTH': {
      if (!range) return 'NULL';
      const starts: number[] = [];
      for (let start = monthStart(range.earliest); start <= range.latest && starts.length <= MAX_SEARCHED_MONTHS; start = nextMonthStart(start)) starts.push(start);
      if (starts.length > MAX_SEARCHED_MONTHS) return `unixepoch(${column} / 1000.0, 'unixepoch', 'start of month') * 1000`;
      return monthSearchSql(column, starts, 0, starts.length);
    }
  }
}

/** Exclusive end of the bucket starting at `start`. */
export function periodEnd(granularity: Exclude<Granularity, 'NONE'>, start: number): number {
  switch (granularity) {
    case 'HOUR':
      return start + HOUR_MS;
    case 'DAY':
      return start + DAY_MS;
    case 'WEEK':
      return start + WEEK_MS;
    case 'MONTH':
      return nextMonthStart(start);
  }
}
