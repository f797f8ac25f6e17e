/**
 * Relay connections over the small tables (billing accounts, families, commitments, ingest batches): a keyset page
 * of ids from src/query/table-pages.ts, the rows loaded by id through the type's DataLoader (so `node`, links and
 * pages share one cache), and a `totalCount` that is only counted when a client selects it.
 */
import type { SqliteDatabase } from '../db/sqlite.ts';
import { PAGE_SIZE, QueryInputError, type KeysetOrder, type PageArgs } from '../query/keyset.ts';
import { tableCount, tablePage, type KeyRow, type TableSelection } from '../query/table-pages.ts';
import { gatewayError } from './errors.ts';

export interface TableConnection<Node> {
  edges: { cursor: string; node: Node }[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
  totalCount: () => number;
}

/** What every connection field says about its paging arguments. */
export const PAGING_RULES = `Pages hold ${PAGE_SIZE.default} rows unless first or last says otherwise; more than ${PAGE_SIZE.max} is a BAD_USER_INPUT error. Cursors are opaque; one from another connection or orderBy, or altered, is a BAD_USER_INPUT error.`;

/** Runs `work`, turning the query layer's input errors (bad cursor, page size, filter or order) into BAD_USER_INPUT. */
export async function reportingInputErrors<T>(work: () => T | Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw error instanceof QueryInputError ? gatewayError('BAD_USER_INPUT', error.message) : error;
  }
}

/**
 * One page of `selection` in `order`, its rows loaded by id with `load`. The order's last key must be the table's id,
 * the key `load` takes.
 */
export async function tableConnection<Id extends string | number, Node>(
  db: SqliteDatabase,
  selection: TableSelection,
  order: KeysetOrder<KeyRow>,
  args: PageArgs,
  load: (ids: Id[]) => Promise<readonly (Node | null | Error)[]>,
): Promise<TableConnection<Node>> {
  const page = await reportingInputErrors(() => tablePage(db, selection, order, args));
  const idKey = order.keys.at(-1)!;
  const nodes = await load(page.edges.map((edge) => idKey.read(edge.node) as Id));
  const edges: TableConnection<Node>['edges'] = [];
  page.edges.forEach((edge, index) => {
    const node = nodes[index];
    if (node instanceof Error) throw node;
    // A row deleted between the page query and the load is left out rather than shown as null.
    if (node !== null) edges.push({ cursor: edge.cursor, node });
  });
  let count: number | undefined;
  return {
    edges,
    // hasPreviousPage (forwards) and hasNextPage (backwards) are getters that query only when read.
    pageInfo: page.pageInfo as TableConnection<Node>['pageInfo'],
    totalCount: () => (count ??= tableCount(db, selection)),
  };
}

/** A connection's cost multiplier for the complexity limit: the page size it asks for. */
export function pageComplexity(args: PageArgs): { field: number; multiplier: number } {
  return { field: 1, multiplier: Math.min(Math.max(args.first ?? args.last ?? PAGE_SIZE.default, 0), PAGE_SIZE.max) };
}
