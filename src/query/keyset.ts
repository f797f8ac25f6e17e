/**
 * Keyset ("seek") pagination for Relay connections over hand-written SQL: pages are found by comparing with the sort
 * key values of the cursor row, never by OFFSET, so page 10,000 costs what page 1 costs.
 *
 * An order is a list of keys ending with a unique, non-null one (the row id), so ties are broken and every row has one
 * place. NULLs sort as SQLite sorts them: first ascending, last descending; the two are exact reverses of each other,
 * which is what lets `last`/`before` walk the same order backwards.
 *
 * "Rows after the cursor" is asked as a ladder of index-friendly queries rather than one OR expression: for keys
 * (a, id) and cursor (va, vid), first `a = va AND id > vid`, then `a > va`. SQLite seeks an index on `a` (which holds
 * the rowid) for each rung, where a row value `(a, id) > (?, ?)` or an OR expression only seeks on `a` and then
 * walks every tie of `va`, which on a column like ChargePeriodStart is thousands of rows. Rungs run in order until the
 * page is full, so a page costs at most one short query per key.
 *
 * Cursors are opaque: base64url JSON of the order's signature, the cursor row's key values and a checksum. A cursor
 * that was altered or truncated, or that was issued for a different order, is rejected with a QueryInputError. A
 * cursor is a position, not a snapshot: used with a different filter it still means "after this row in this order".
 */
import { createHash } from 'node:crypto';
import type { SqlFragment } from './sql.ts';

/** Input the caller got wrong (a bad cursor, page size, filter or order): GraphQL reports BAD_USER_INPUT, REST 400. */
export class QueryInputError extends Error {
  readonly code = 'BAD_USER_INPUT';
  override name = 'QueryInputError';
}

export const PAGE_SIZE = { default: 100, max: 1000 } as const;

export type SortDirection = 'ASC' | 'DESC';

export interface KeysetKey<Row> {
  /** Stable name of the key, part of the order's signature. */
  readonly name: string;
  /** SQL expression of the key, such as `cr.billed_cost`. */
  readonly sql: string;
  readonly direction: SortDirection;
  readonly nullable: boolean;
  /** What a cursor may hold for this key (checked when a cursor is read). */
  readonly type: 'string' | 'number' | 'integer';
  readonly read: (row: Row) => unknown;
}

export interface KeysetOrder<Row> {
  readonly keys: readonly KeysetKey<Row>[];
  /** Identifies the connection and its order; a cursor carries it and is refused by any other order. */
  readonly signature: string;
  /** The ORDER BY clause (without the keywords). */
  readonly orderBySql: string;
}

/** `keys` must end with a unique non-null key, such as the primary key. */
export function keysetOrder<Row>(connection: string, keys: readonly KeysetKey<Row>[]): KeysetOrder<Row> {
  const last = keys.at(-1);
  if (!last || last.nullable) throw new Error('a keyset order must end with a unique, non-null key');
  const description = `${connection}:${keys.map((key) => `${key.name} ${key.direction}`).join(',')}`;
  return {
    keys,
    signature: createHash('sha256').update(description).digest('base64url').slice(0, 10),
    orderBySql: orderBy(keys),
  };
}

/** What the SQL builders need of a key. */
type SqlKey = Pick<KeysetKey<unknown>, 'sql' | 'direction' | 'nullable'>;

const orderBy = (keys: readonly SqlKey[]) => keys.map((key) => `${key.sql} ${key.direction}`).join(', ');

const reversed = <Row>(keys: readonly KeysetKey<Row>[]): KeysetKey<Row>[] => keys.map((key) => ({ ...key, direction: key.direction === 'ASC' ? 'DESC' : 'ASC' }));

export interface PageArgs {
  first?: number | null;
  after?: string | null;
  last?: number | null;
  before?: string | null;
}

/** How many rows a page asks for: `first` or `last`, else the default. Over the cap is an error, not a silent clamp. */
export function pageSize(args: PageArgs): number {
  if (args.first != null && args.last != null) throw new QueryInputError('give first or last, not both');
  const size = args.first ?? args.last ?? PAGE_SIZE.default;
  const name = args.last != null ? 'last' : 'first';
  if (!Number.isInteger(size) || size < 0 || size > PAGE_SIZE.max) {
    throw new QueryInputError(`${name} must be an integer from 0 to ${PAGE_SIZE.max}; got ${size}`);
  }
  return size;
}

type KeyValue = string | number | null;

function checksum(signature: string, values: readonly KeyValue[]): string {
  return createHash('sha256').update(signature).update(JSON.stringify(values)).digest('base64url').slice(0, 12);
}

export function encodeCursor<Row>(order: KeysetOrder<Row>, row: Row): string {
  const values = order.keys.map((key) => (key.read(row) ?? null) as KeyValue);
  return Buffer.from(JSON.stringify([order.signature, values, checksum(order.signature, values)])).toString('base64url');
}

export function decodeCursor<Row>(order: KeysetOrder<Row>, cursor: string, argument: 'after' | 'before'): KeyValue[] {
  let decoded: unknown;
  try {
    const bytes = Buffer.from(cursor, 'base64url');
    // Node's decoder skips characters it cannot use; only the exact text this module wrote is accepted.
    decoded = bytes.toString('base64url') === cursor ? JSON.parse(bytes.toString('utf8')) : undefined;
  } catch {
    decoded = undefined;
  }
  const altered = () => new QueryInputError(`${argument}: the cursor was altered or truncated, or was not issued by this API; use a cursor from an edge or from pageInfo`);
  if (!Array.isArray(decoded) || decoded.length !== 3 || typeof decoded[0] !== 'string' || !Array.isArray(decoded[1])) throw altered();
  const [signature, values, check] = decoded as [string, KeyValue[], unknown];
  if (check !== checksum(signature, values)) throw altered();
  if (signature !== order.signature) {
    throw new QueryInputError(`${argument}: the cursor comes from a different connection or orderBy; repeat the orderBy it was issued for, or start again without a cursor`);
  }
  const valid =
    values.length === order.keys.length &&
    order.keys.every((key, index) => {
      const value = values[index];
      if (value === null) return key.nullable;
      if (key.type === 'string') return typeof value === 'string';
      return key.type === 'integer' ? Number.isSafeInteger(value) : typeof value === 'number' && Number.isFinite(value);
    });
  if (!valid) throw altered();
  return values;
}

/**
 * The disjoint conditions, in order, that select the rows strictly after `value` on one key: ascending, NULLs come
 * first, so after NULL come all non-null values; descending, NULLs come last.
 */
function strictlyAfter(key: SqlKey, value: KeyValue): SqlFragment[] {
  if (key.direction === 'ASC') return value === null ? [{ sql: `${key.sql} IS NOT NULL`, params: [] }] : [{ sql: `${key.sql} > ?`, params: [value] }];
  if (value === null) return [];
  const below = { sql: `${key.sql} < ?`, params: [value] };
  return key.nullable ? [below, { sql: `${key.sql} IS NULL`, params: [] }] : [below];
}

const equalTo = (key: SqlKey, value: KeyValue): SqlFragment => (value === null ? { sql: `${key.sql} IS NULL`, params: [] } : { sql: `${key.sql} = ?`, params: [value] });

const and = (parts: SqlFragment[]): SqlFragment => ({ sql: parts.map((part) => `(${part.sql})`).join(' AND '), params: parts.flatMap((part) => part.params) });

/** The rungs that together select the rows strictly after the cursor in `keys` order, in that order. */
function ladder(keys: readonly SqlKey[], values: readonly KeyValue[]): SqlFragment[] {
  const rungs: SqlFragment[] = [];
  for (let depth = keys.length - 1; depth >= 0; depth--) {
    const prefix = keys.slice(0, depth).map((key, index) => equalTo(key, values[index]));
    for (const condition of strictlyAfter(keys[depth], values[depth])) rungs.push(and([...prefix, condition]));
  }
  return rungs;
}

/** One predicate for "strictly after the cursor", for bounding a page from the far side (after and before both). */
function afterPredicate(keys: readonly SqlKey[], values: readonly KeyValue[]): SqlFragment {
  const rungs = ladder(keys, values);
  if (rungs.length === 0) return { sql: '0 = 1', params: [] };
  return { sql: rungs.map((rung) => `(${rung.sql})`).join(' OR '), params: rungs.flatMap((rung) => rung.params) };
}

/** Runs one query of a page: rows of the connection matching `where`, in `orderBy` order, at most `limit`. */
export type RowSource<Row> = (query: { where: SqlFragment; orderBy: string; limit: number }) => Row[] | Promise<Row[]>;

export interface PageInfo {
  hasNextPage: boolean | Promise<boolean>;
  hasPreviousPage: boolean | Promise<boolean>;
  startCursor: string | null;
  endCursor: string | null;
}

export interface Page<Row> {
  edges: { cursor: string; node: Row }[];
  pageInfo: PageInfo;
}

/** Up to `limit` rows after the cursor (or from the start), walking the ladder's rungs until the limit is reached. */
async function seek<Row>(source: RowSource<Row>, keys: readonly KeysetKey<Row>[], from: KeyValue[] | null, bound: SqlFragment | null, limit: number): Promise<Row[]> {
  const orderBySql = orderBy(keys);
  const rungs = from === null ? [{ sql: '1 = 1', params: [] }] : ladder(keys, from);
  const rows: Row[] = [];
  for (const rung of rungs) {
    if (rows.length >= limit) break;
    rows.push(...(await source({ where: bound ? and([rung, bound]) : rung, orderBy: orderBySql, limit: limit - rows.length })));
  }
  return rows;
}

/**
 * One page of a connection. `source` runs the queries (it adds the connection's own scope and filter to `where`).
 * `hasPreviousPage` when paging forwards (and `hasNextPage` backwards) costs a query of its own, so it is only run when
 * a client reads it.
 */
export async function keysetPage<Row>(order: KeysetOrder<Row>, args: PageArgs, source: RowSource<Row>): Promise<Page<Row>> {
  const size = pageSize(args);
  const after = args.after != null ? decodeCursor(order, args.after, 'after') : null;
  const before = args.before != null ? decodeCursor(order, args.before, 'before') : null;
  const backward = args.last != null;
  const forwardKeys = order.keys;
  const backwardKeys = reversed(order.keys);
  const keys = backward ? backwardKeys : forwardKeys;
  const start = backward ? before : after;
  const end = backward ? after : before;
  const bound = end === null ? null : afterPredicate(backward ? forwardKeys : backwardKeys, end);

  const fetched = await seek(source, keys, start, bound, size + 1);
  const more = fetched.length > size;
  const rows = fetched.slice(0, size);
  if (backward) rows.reverse();

  // Rows on the far side of the starting cursor, including the cursor row itself when it still exists.
  let behind: Promise<boolean> | undefined;
  const anyBehind = () =>
    (behind ??= (async () => {
      if (start === null) return false;
      const cursorRow = { sql: `${order.keys.at(-1)!.sql} = ?`, params: [start.at(-1)] };
      if ((await source({ where: cursorRow, orderBy: order.orderBySql, limit: 1 })).length > 0) return true;
      return (await seek(source, backward ? forwardKeys : backwardKeys, start, null, 1)).length > 0;
    })());

  // A cursor costs a hash; most clients read only pageInfo's, so an edge's is made when it is read.
  const edges = rows.map((node) => ({
    node,
    get cursor() {
      return encodeCursor(order, node);
    },
  }));
  const pageInfo = {
    startCursor: rows.length > 0 ? encodeCursor(order, rows[0]) : null,
    endCursor: rows.length > 0 ? encodeCursor(order, rows.at(-1)!) : null,
  } as PageInfo;
  Object.defineProperties(pageInfo, {
    hasNextPage: { enumerable: true, get: () => (backward ? anyBehind() : more) },
    hasPreviousPage: { enumerable: true, get: () => (backward ? more : anyBehind()) },
  });
  return { edges, pageInfo };
}
