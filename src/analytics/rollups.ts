/**
 * The rollups: exact totals of each batch's cost rows per UTC day and some dimensions (rollup-columns.ts), written in
 * the ingest's transaction, removed with the rows a --replace restates, and read by costSummary when the planner
 * (planner.ts) finds that one answers a question exactly. The daily rollup (cost_daily_rollups) is accumulated from
 * the rows; the smaller lattice rollups are derived from it per batch. Family membership is applied at query time
 * (the family rule reads a rollup's account columns), so editing a family needs no rebuild.
 */
import { ExactDecimal, type SqliteDatabase } from '../db/sqlite.ts';
import { detachedString } from '../util/strings.ts';
import type { SqlFragment } from '../query/sql.ts';
import { decimalOfParts, exactSumPartsSql, type ExactAggregateRow } from './exact-sum.ts';
import { DAILY_ROLLUP, LATTICE_ROLLUPS, ROLLUP_DIMENSIONS, ROLLUP_MEASURES, rollupMeasureColumns, rollupTimeColumn, type RollupTable } from './rollup-columns.ts';

const ROLLUP_TABLE = DAILY_ROLLUP.table;
const DAY_MS = 86_400_000;
/** The UTC day of an epoch-ms time, also before 1970 (SQLite's % keeps the sign of the dividend). */
const dayOf = (column: string) => `${column} - ((${column} % ${DAY_MS}) + ${DAY_MS}) % ${DAY_MS}`;
/** The first day of the UTC month of an epoch-ms day start (a whole number of seconds). */
const monthOf = (column: string) => `CAST(strftime('%s', ${column} / 1000, 'unixepoch', 'start of month') AS INTEGER) * 1000`;

/** Adds the rollup rows of one batch's cost rows, computed in SQL from the rows. */
export function addBatchRollups(db: SqliteDatabase, batchId: number): void {
  const dimensions = ROLLUP_DIMENSIONS.map((column) => column.dbColumn);
  const measures = ROLLUP_MEASURES.map((measure) => ({ columns: rollupMeasureColumns(measure), parts: exactSumPartsSql(`cr.${measure.dbColumn}`) }));
  const targets = ['batch_id', 'charge_day', ...dimensions, 'row_count', ...measures.flatMap(({ columns }) => [columns.high, columns.low, columns.rest, columns.count])];
  const values = [
    'cr.batch_id',
    dayOf('cr.charge_period_start'),
    ...dimensions.map((name) => `cr.${name}`),
    'COUNT(*)',
    ...measures.flatMap(({ parts }) => [parts.high, parts.low, `NULLIF(${parts.rest}, '0')`, parts.count]),
  ];
  db.prepare(
    `INSERT INTO ${ROLLUP_TABLE} (${targets.join(', ')})
     SELECT ${values.join(',\n  ')}
     FROM cost_records cr WHERE cr.batch_id = ?
     GROUP BY ${Array.from({ length: dimensions.length + 2 }, (_, index) => index + 1).join(', ')}`,
  ).run(batchId);
}

const SCALE = 1e10;
const FIT_LIMIT = 524_288;
const PART = 4_294_967_296n;
/** Below this a running sum of scaled values (each under 2^53 - 2^51) stays an exact integer in a double. */
const FLUSH_AT = 2 ** 51;

interface MeasureTotal {
  /** Scaled fit values: a double while it stays exact, moved into the BigInt before it could not. */
  small: number;
  big: bigint;
  rest: InstanceType<typeof ExactDecimal> | null;
  count: number;
  /** Values among count that were fit: none leaves the integer parts null, as SQL's SUM over no rows does. */
  fits: number;
}

interface RollupGroup {
  day: number;
  dimensions: unknown[];
  rowCount: number;
  measures: MeasureTotal[];
}

/**
 * The same rollup rows addBatchRollups computes, accumulated while the rows are inserted: at the end of a large load,
 * grouping a million uncommitted rows again in SQL costs tens of seconds, adding them up on the way costs about two
 * microseconds a row. Values are classed fit or not exactly as exact-sum.ts does in SQL.
 */
export class RollupAccumulator {
  readonly #groups = new Map<string, RollupGroup>();

  /**
   * Positions, in the value arrays `add` gets, of ChargePeriodStart, the rollup's dimensions and its measures.
   * `maxGroups` bounds memory: past it the caller writes what is accumulated (a group may then have several rollup
   * rows, which queries add up like any others).
   */
  constructor(
    private readonly positions: { chargePeriodStart: number; dimensions: readonly number[]; measures: readonly number[] },
    readonly maxGroups = 5_000,
  ) {}

  get full(): boolean {
    return this.#groups.size >= this.maxGroups;
  }

  add(values: readonly unknown[]): void {
    const start = values[this.positions.chargePeriodStart] as number;
    const day = start - (((start % DAY_MS) + DAY_MS) % DAY_MS);
    let key = String(day);
    for (const position of this.positions.dimensions) key += `\u0000${values[position] ?? '\u0001'}`;
    let group = this.#groups.get(key);
    if (!group) {
      // Kept until the batch ends: copies, so that they do not keep alive the chunk of text the values were cut from.
      group = {
        day,
        dimensions: this.positions.dimensions.map((position) => {
          const value = values[position] ?? null;
          return typeof value === 'string' ? detachedString(value) : value;
        }),
        rowCount: 0,
        measures: this.positions.measures.map(() => ({ small: 0, big: 0n, rest: null, count: 0, fits: 0 })),
      };
      this.#groups.set(detachedString(key), group);
    }
    group.rowCount++;
    this.positions.measures.forEach((position, index) => {
      const x = values[position];
      if (x === null || x === undefined) return;
      const total = group.measures[index];
      total.count++;
      const value = x as number;
      const k = Math.trunc(value * SCALE + (value < 0 ? -0.5 : 0.5));
      if (Math.abs(value) < FIT_LIMIT && k / SCALE === value) {
        total.fits++;
        total.small += k;
        if (Math.abs(total.small) >= FLUSH_AT) {
          total.big += BigInt(total.small);
          total.small = 0;
        }
      } else {
        total.rest = (total.rest ?? new ExactDecimal(0)).plus(String(value));
      }
    });
  }

  /** Inserts the rollup rows accumulated so far for the batch, and starts afresh. */
  write(db: SqliteDatabase, batchId: number): void {
    const columns = ROLLUP_MEASURES.map(rollupMeasureColumns);
    const targets = ['batch_id', 'charge_day', ...ROLLUP_DIMENSIONS.map((column) => column.dbColumn), 'row_count', ...columns.flatMap((c) => [c.high, c.low, c.rest, c.count])];
    const insert = db.prepare(`INSERT INTO ${ROLLUP_TABLE} (${targets.join(', ')}) VALUES (${targets.map(() => '?').join(', ')})`);
    for (const group of this.#groups.values()) {
      const measures = group.measures.flatMap((total) => {
        const rest = total.rest === null ? null : total.rest.toFixed();
        if (total.fits === 0) return [null, null, rest, total.count];
        const sum = total.big + BigInt(total.small);
        // SQLite's integer division truncates toward zero; so does BigInt's, so high * 2^32 + low is the sum.
        return [sum / PART, sum % PART, rest, total.count];
      });
      insert.run(batchId, group.day, ...group.dimensions, group.rowCount, ...measures);
    }
    this.#groups.clear();
  }
}

/**
 * The SELECT that groups daily rollup rows into the rows of a lattice rollup, with its columns under their names.
 * `source` is what follows FROM: the daily rollup, perhaps with a WHERE. Parts add up as parts; the decimal rests
 * (rare: values the integer scale cannot hold) through decimal_sum.
 */
export function latticeSelectSql(rollup: RollupTable, source: string): { columns: string[]; sql: string } {
  const dimensions = rollup.dimensions.map((column) => column.dbColumn);
  const measures = ROLLUP_MEASURES.map(rollupMeasureColumns);
  const values: [string, string][] = [
    ['batch_id', 'batch_id'],
    [rollupTimeColumn(rollup), rollup.grain === 'DAY' ? 'charge_day' : monthOf('charge_day')],
    ...dimensions.map((name): [string, string] => [name, name]),
    ['row_count', 'SUM(row_count)'],
    ...measures.flatMap((c): [string, string][] => [
      [c.high, `SUM(${c.high})`],
      [c.low, `SUM(${c.low})`],
      [c.rest, `IIF(COUNT(${c.rest}) = 0, NULL, decimal_sum(${c.rest}))`],
      [c.count, `SUM(${c.count})`],
    ]),
  ];
  return {
    columns: values.map(([name]) => name),
    sql: `SELECT ${values.map(([name, value]) => `${value} AS ${name}`).join(', ')} FROM ${source}
          GROUP BY ${Array.from({ length: dimensions.length + 2 }, (_, index) => index + 1).join(', ')}`,
  };
}

/**
 * Makes the lattice rollups of these batches (all when null) anew from their daily rollup rows: after a batch's daily
 * rollup is written, and for the batches a --replace took rows from.
 */
export function deriveLatticeRollups(db: SqliteDatabase, batchIds: readonly number[] | null): void {
  const batches = batchIds === null ? '1' : `batch_id IN (SELECT value FROM json_each(?))`;
  const params = batchIds === null ? [] : [JSON.stringify(batchIds)];
  for (const rollup of LATTICE_ROLLUPS) {
    const { columns, sql } = latticeSelectSql(rollup, `${ROLLUP_TABLE} WHERE ${batches}`);
    db.prepare(`DELETE FROM ${rollup.table} WHERE ${batches}`).run(...params);
    db.prepare(`INSERT INTO ${rollup.table} (${columns.join(', ')}) ${sql}`).run(...params);
  }
}

/** Rebuilds every rollup of every batch: after the migration that adds the daily rollup, and whenever they must be made anew. */
export function rebuildRollups(db: SqliteDatabase): void {
  db.transaction(() => {
    db.exec(`DELETE FROM ${ROLLUP_TABLE}`);
    for (const { batch_id: batchId } of db.prepare('SELECT DISTINCT batch_id FROM cost_records').all() as { batch_id: number }[]) addBatchRollups(db, batchId);
    deriveLatticeRollups(db, null);
  })();
}

export interface RollupAggregateQuery {
  /** Which rollup answers. */
  readonly rollup: RollupTable;
  /** Over the rollup read as cost rows (rollupAsCostRows) aliased `cr`, naming only its columns (see there). */
  readonly where: SqlFragment;
  /** Group keys over the rollup read as cost rows aliased `cr`: its dimension columns, `cr.charge_period_start`, or expressions of them. */
  readonly keys: readonly SqlFragment[];
  /** The measures to total, by FOCUS field name (billedCost, ...). */
  readonly sums: readonly string[];
}

/**
 * A rollup read as the cost rows it stands for: its dimension columns under their cost_records names, and
 * ChargePeriodStart as the start of its day or month. A condition or group key compiled for cost rows then reads the same against it;
 * it selects or groups exactly the same rows when the planner (planner.ts) says so. The table name stays unqualified,
 * so that a scoped connection's TEMP view of the same name is read (src/auth/scope.ts).
 */
export const rollupAsCostRows = (rollup: RollupTable) => `(SELECT *, ${rollupTimeColumn(rollup)} AS charge_period_start FROM ${rollup.table})`;

/**
 * Grouped exact totals from a rollup, in the shape exactAggregate gives for the cost rows themselves. The caller
 * (the planner) makes sure that the where and the keys name only columns the rollup has.
 */
export function rollupAggregate(db: SqliteDatabase, query: RollupAggregateQuery): ExactAggregateRow[] {
  const measures = query.sums.map((field) => {
    const measure = ROLLUP_MEASURES.find((candidate) => candidate.field === field);
    if (!measure) throw new Error(`the rollup keeps no total of ${field}`);
    return { field, columns: rollupMeasureColumns(measure) };
  });
  const select = [
    ...query.keys.map((key) => key.sql),
    'SUM(cr.row_count)',
    ...measures.flatMap(({ columns }) => [`SUM(cr.${columns.high})`, `SUM(cr.${columns.low})`, `decimal_sum(cr.${columns.rest}) FILTER (WHERE cr.${columns.rest} IS NOT NULL)`, `SUM(cr.${columns.count})`]),
  ];
  const groupBy = query.keys.length > 0 ? `GROUP BY ${query.keys.map((_, index) => index + 1).join(', ')}` : '';
  const rows = db
    .prepare(`SELECT ${select.join(', ')} FROM ${rollupAsCostRows(query.rollup)} cr WHERE ${query.where.sql} ${groupBy}`)
    .safeIntegers(true)
    .raw(true)
    .all(...query.keys.flatMap((key) => key.params), ...query.where.params) as unknown[][];
  const keyCount = query.keys.length;
  return rows
    .filter((raw) => raw[keyCount] !== null)
    .map((raw) => ({
      keys: raw.slice(0, keyCount).map((value) => (typeof value === 'bigint' ? Number(value) : value)),
      rowCount: Number(raw[keyCount]),
      values: {},
      sums: Object.fromEntries(
        measures.map(({ field }, index) => {
          const at = keyCount + 1 + index * 4;
          const rest = raw[at + 2];
          return [field, decimalOfParts(raw[at] as bigint | null, raw[at + 1] as bigint | null, rest === '0' ? null : (rest as string | null), raw[at + 3] as bigint)];
        }),
      ),
    }));
}
