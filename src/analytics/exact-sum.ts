/**
 * Exact decimal totals in SQL, fast. Money and quantities are stored as doubles, each the nearest double to its source
 * decimal; SUM() over doubles rounds, and the exact `decimal_sum` aggregate (decimal.js, called from SQLite once a
 * value) costs about 1.5 us a value. Here each value x becomes the integer k = x * 10^10, and SQLite adds the k as
 * 64-bit integers, which is exact; only values the integers cannot represent go through `decimal_sum`.
 *
 * Why it is exact. Call x "fit" when |x| < 2^19 and the double nearest to k / 10^10 is x itself (the SQL checks
 * `k / 10000000000.0 = x`, and IEEE division rounds correctly). For a fit x, k / 10^10 is exactly the decimal that
 * `decimal_sum` adds for x (the shortest decimal that reads back as x, which for an ingested value of up to 15
 * significant digits is the source decimal itself):
 *  1. At most one multiple of 10^-10 reads back as x: two that did would lie within one ulp of each other, and below
 *     2^19 an ulp is at most 2^-34 < 10^-10.
 *  2. Let d be the shortest decimal that reads back as x; it has no more significant digits than k / 10^10. If
 *     k / 10^10 has at most 15, so does d, and two decimals of at most 15 significant digits that read back as the same
 *     double are equal (what DBL_DIG = 15 guarantees). Otherwise |k / 10^10| >= 10^5, so d has at least six integer
 *     digits and at most 16 significant ones, hence at most ten decimals: a multiple of 10^-10, equal to k / 10^10 by 1.
 * Values that are not fit (a magnitude of 524,288 or more, more than ten decimals, or anything that is not a number)
 * are added by `decimal_sum` instead, so no value is ever rounded. test/analytics.test.ts checks this against thousands
 * of random decimals and doubles.
 *
 * Overflow. Each k is summed in two parts, k / 2^32 and k % 2^32 (SQLite truncates toward zero, so k equals
 * hi * 2^32 + lo for any sign). Each part is at most 2^32 in magnitude, even for the saturated k of a huge unfit value,
 * so no sum overflows 64 bits below 2^31 rows in one group; SQLite raises "integer overflow" rather than wrap.
 *
 * Cost. Checking fit row by row costs evaluations SQLite does not share between expressions, so the first query only
 * asks, per group, whether every value was fit (MIN of the check). A sum with an unfit value anywhere is computed again
 * in a second query that checks row by row and hands the unfit values to `decimal_sum`.
 */
import { ExactDecimal, type SqliteDatabase } from '../db/sqlite.ts';
import type { SqlFragment } from '../query/sql.ts';

const SCALE_DIGITS = 10;
const SCALE = '10000000000.0';
const SCALE_BIG = 10n ** BigInt(SCALE_DIGITS);
/** 2^19: below it an ulp is at most 2^-34, finer than the 10^-10 grid (step 1 of the proof above). */
const FIT_LIMIT = '524288.0';
const PART = 4294967296n;

/** A total to compute: the exact decimal sum of an SQL value expression over the rows; nulls are skipped. */
export interface ExactSum {
  readonly name: string;
  /** A value expression over the rows of the query, usually a column. */
  readonly sql: string;
  /**
   * Only the rows meeting this condition are summed. Cheaper than a CASE in `sql`: the value is evaluated several
   * times a row, the condition once per aggregate.
   */
  readonly filter?: string;
}

/** A grouped aggregate over one table expression: GROUP BY the keys, COUNT(*) and the exact sums per group. */
export interface ExactAggregateQuery {
  /** `cost_records cr`, or a join. */
  readonly from: string;
  readonly where: SqlFragment;
  /** Group keys, each a value expression (parameters allowed); none means one group over all rows. */
  readonly keys: readonly SqlFragment[];
  readonly sums: readonly ExactSum[];
  /** Other aggregates, returned as SQLite computes them (such as the MAX of a display name). */
  readonly values?: readonly { readonly name: string; readonly sql: string }[];
}

export interface ExactAggregateRow {
  /** Key values in the order of the query's keys; integers (such as epoch milliseconds) as numbers. */
  readonly keys: unknown[];
  readonly rowCount: number;
  readonly values: Record<string, unknown>;
  /** Decimal text per sum name, without exponent or trailing zeros; null when the group had no value to add. */
  readonly sums: Record<string, string | null>;
}

const scaled = (x: string) => `CAST(${x} * ${SCALE} + IIF(${x} < 0, -0.5, 0.5) AS INTEGER)`;
const fits = (x: string) => `(ABS(${x}) < ${FIT_LIMIT} AND ${scaled(x)} / ${SCALE} = ${x})`;

const filtered = (sum: ExactSum, condition?: string) => {
  const conditions = [sum.filter, condition].filter((part) => part !== undefined);
  return conditions.length === 0 ? '' : ` FILTER (WHERE ${conditions.map((part) => `(${part})`).join(' AND ')})`;
};

/** Per sum: the two parts of the scaled total, and whether every value of the group was fit. */
function fastColumns(sum: ExactSum): string[] {
  const k = scaled(sum.sql);
  return [`SUM(${k} / ${PART})`, `SUM(${k} % ${PART})`, `MIN(${fits(sum.sql)})`].map((column) => column + filtered(sum));
}

/** Per sum: the two parts of the scaled total of the fit values, and the exact decimal sum of the others. */
function checkedColumns(sum: ExactSum): string[] {
  const k = scaled(sum.sql);
  const fit = fits(sum.sql);
  return [
    `SUM(${k} / ${PART})${filtered(sum, fit)}`,
    `SUM(${k} % ${PART})${filtered(sum, fit)}`,
    `decimal_sum(${sum.sql})${filtered(sum, `NOT ${fit}`)}`,
  ];
}

/**
 * Aggregate expressions that keep the exact sum of `x` in parts, for tables of partial sums (the daily rollup): the two
 * integer parts of the fit values, the exact decimal sum of the others (null when none), and the count of non-null
 * values. Adding the parts of several rows and then the rests gives the exact sum of all their values.
 */
export function exactSumPartsSql(x: string): { high: string; low: string; rest: string; count: string } {
  const k = scaled(x);
  const fit = fits(x);
  return {
    high: `SUM(${k} / ${PART}) FILTER (WHERE ${fit})`,
    low: `SUM(${k} % ${PART}) FILTER (WHERE ${fit})`,
    rest: `decimal_sum(${x}) FILTER (WHERE NOT ${fit})`,
    count: `COUNT(${x})`,
  };
}

/** The decimal text of a total kept as parts; null when no value was added. */
export function decimalOfParts(high: bigint | null, low: bigint | null, rest: string | null, count: bigint | number): string | null {
  if (Number(count) === 0) return null;
  const fitTotal = high === null ? '0' : decimalOfScaled(high, low ?? 0n);
  return rest === null || rest === '0' ? fitTotal : new ExactDecimal(fitTotal).plus(rest).toFixed();
}

function decimalOfScaled(high: bigint, low: bigint): string {
  const units = high * PART + low;
  const negative = units < 0n;
  const magnitude = negative ? -units : units;
  const fraction = (magnitude % SCALE_BIG).toString().padStart(SCALE_DIGITS, '0').replace(/0+$/, '');
  const text = `${magnitude / SCALE_BIG}${fraction ? `.${fraction}` : ''}`;
  return negative ? `-${text}` : text;
}

const toNumber = (value: unknown) => (typeof value === 'bigint' ? Number(value) : value);

/** Selects the keys, COUNT(*), the plain values, then `columns`. */
function run(db: SqliteDatabase, query: ExactAggregateQuery, columns: string[]): unknown[][] {
  const select = [...query.keys.map((key) => key.sql), 'COUNT(*)', ...(query.values ?? []).map((value) => value.sql), ...columns].join(',\n  ');
  const groupBy = query.keys.length > 0 ? `\nGROUP BY ${query.keys.map((_, index) => index + 1).join(', ')}` : '';
  const sql = `SELECT ${select}\nFROM ${query.from}\nWHERE ${query.where.sql}${groupBy}`;
  const params = [...query.keys.flatMap((key) => key.params), ...query.where.params];
  return db.prepare(sql).safeIntegers(true).raw(true).all(...params) as unknown[][];
}

/**
 * Runs a grouped aggregate with exact decimal sums (see the module comment). Call it inside a transaction when the
 * data may change meanwhile: a sum that needs the second query must see the same rows as the first.
 */
export function exactAggregate(db: SqliteDatabase, query: ExactAggregateQuery): ExactAggregateRow[] {
  const keyCount = query.keys.length;
  const values = query.values ?? [];
  /** Where the sum columns start, after the keys, the count and the plain values. */
  const first = keyCount + 1 + values.length;
  const fast = run(db, query, query.sums.flatMap(fastColumns));
  const rows = fast.map((raw): ExactAggregateRow => {
    const sums: Record<string, string | null> = {};
    query.sums.forEach((sum, index) => {
      const high = raw[first + index * 3] as bigint | null;
      sums[sum.name] = high === null ? null : decimalOfScaled(high, raw[first + 1 + index * 3] as bigint);
    });
    return {
      keys: raw.slice(0, keyCount).map(toNumber),
      rowCount: Number(raw[keyCount]),
      values: Object.fromEntries(values.map((value, index) => [value.name, toNumber(raw[keyCount + 1 + index])])),
      sums,
    };
  });
  const unfit = query.sums.filter((_, index) => fast.some((raw) => raw[first + 2 + index * 3] === 0n));
  if (unfit.length === 0) return rows;

  const byKey = new Map(rows.map((row) => [JSON.stringify(row.keys), row]));
  for (const raw of run(db, query, unfit.flatMap(checkedColumns))) {
    const row = byKey.get(JSON.stringify(raw.slice(0, keyCount).map(toNumber)));
    if (!row) throw new Error('the rows changed between the two queries of an exact sum: run exactAggregate in a transaction');
    unfit.forEach((sum, index) => {
      if (row.sums[sum.name] === null) return;
      const high = raw[first + index * 3] as bigint | null;
      const fitTotal = high === null ? '0' : decimalOfScaled(high, raw[first + 1 + index * 3] as bigint);
      const rest = raw[first + 2 + index * 3] as string;
      row.sums[sum.name] = rest === '0' ? fitTotal : new ExactDecimal(fitTotal).plus(rest).toFixed();
    });
  }
  return rows;
}
