import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeCursor, keysetOrder, keysetPage, PAGE_SIZE, QueryInputError, type KeysetKey, type KeysetOrder, type PageArgs, type SortDirection } from '../src/query/keyset.ts';
import { tempDir } from './helpers.ts';

interface Row {
  id: number;
  a: number | null;
  s: string | null;
  x: number;
}

const column = (name: 'a' | 's' | 'x', direction: SortDirection): KeysetKey<Row> => ({
  name,
  sql: `t.${name}`,
  direction,
  nullable: name !== 'x',
  type: name === 's' ? 'string' : name === 'a' ? 'integer' : 'number',
  read: (row) => row[name],
});
const id = (direction: SortDirection): KeysetKey<Row> => ({ name: 'id', sql: 't.id', direction, nullable: false, type: 'integer', read: (row) => row.id });

/** The order SQLite gives (NULLs first ascending, last descending), computed in JavaScript. */
function expectedOrder(rows: Row[], keys: KeysetKey<Row>[]): number[] {
  const compare = (left: Row, right: Row) => {
    for (const key of keys) {
      const [a, b] = [key.read(left) as number | string | null, key.read(right) as number | string | null];
      if (a === b) continue;
      const ascending = a === null ? -1 : b === null ? 1 : a < b ? -1 : 1;
      return key.direction === 'ASC' ? ascending : -ascending;
    }
    return 0;
  };
  return [...rows].sort(compare).map((row) => row.id);
}

let directory: ReturnType<typeof tempDir>;
let db: Database.Database;
let rows: Row[];
const statements: string[] = [];

const source = (filter: string) => (query: { where: { sql: string; params: unknown[] }; orderBy: string; limit: number }) => {
  const sql = `SELECT * FROM t WHERE (${filter}) AND (${query.where.sql}) ORDER BY ${query.orderBy} LIMIT ?`;
  statements.push(sql);
  return db.prepare(sql).all(...query.where.params, query.limit) as Row[];
};

async function walk(order: KeysetOrder<Row>, direction: 'forward' | 'backward', size: number, filter = '1 = 1') {
  const seen: number[][] = [];
  const infos: { hasNextPage: boolean; hasPreviousPage: boolean }[] = [];
  let cursor: string | null = null;
  for (;;) {
    const args: PageArgs = direction === 'forward' ? { first: size, after: cursor } : { last: size, before: cursor };
    const page = await keysetPage(order, args, source(filter));
    seen.push(page.edges.map((edge) => edge.node.id));
    infos.push({ hasNextPage: await page.pageInfo.hasNextPage, hasPreviousPage: await page.pageInfo.hasPreviousPage });
    const more = direction === 'forward' ? await page.pageInfo.hasNextPage : await page.pageInfo.hasPreviousPage;
    if (!more) break;
    cursor = direction === 'forward' ? page.pageInfo.endCursor : page.pageInfo.startCursor;
  }
  return { ids: (direction === 'forward' ? seen : seen.reverse()).flat(), infos, pages: seen.length };
}

beforeAll(() => {
  directory = tempDir();
  db = new Database(`${directory.dir}/keyset.db`);
  db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, a INTEGER, s TEXT, x REAL NOT NULL); CREATE INDEX t_a ON t(a); CREATE INDEX t_s ON t(s);');
  // Few distinct values and many NULLs, so that ties and NULLs fall across page boundaries.
  let seed = 7;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const insert = db.prepare('INSERT INTO t (a, s, x) VALUES (?, ?, ?)');
  for (let i = 0; i < 240; i++) {
    insert.run(random() < 0.25 ? null : Math.floor(random() * 5), random() < 0.3 ? null : ['alpha', 'beta', 'gamma'][Math.floor(random() * 3)], Math.floor(random() * 8) / 4);
  }
  rows = db.prepare('SELECT * FROM t').all() as Row[];
});
afterAll(() => {
  db.close();
  directory.remove();
});

const ORDERS: [string, KeysetKey<Row>[]][] = [
  ['id', [id('ASC')]],
  ['id descending', [id('DESC')]],
  ['a nullable ascending', [column('a', 'ASC'), id('ASC')]],
  ['a nullable descending', [column('a', 'DESC'), id('DESC')]],
  ['s ascending, a descending', [column('s', 'ASC'), column('a', 'DESC'), id('DESC')]],
  ['x descending, s ascending, id ascending', [column('x', 'DESC'), column('s', 'ASC'), id('ASC')]],
];

describe('keysetPage', () => {
  for (const [name, keys] of ORDERS) {
    it(`walks every row once forwards and backwards in order: ${name}`, async () => {
      const order = keysetOrder('T', keys);
      const expected = expectedOrder(rows, keys);
      const forward = await walk(order, 'forward', 7);
      expect(forward.ids).toEqual(expected);
      expect(forward.infos[0]).toEqual({ hasNextPage: true, hasPreviousPage: false });
      expect(forward.infos.at(-1)).toEqual({ hasNextPage: false, hasPreviousPage: true });
      const backward = await walk(order, 'backward', 11);
      expect(backward.ids).toEqual(expected);
      expect(backward.infos[0]).toEqual({ hasNextPage: false, hasPreviousPage: true });
      expect(backward.infos.at(-1)).toEqual({ hasNextPage: true, hasPreviousPage: false });
    });
  }

  it('pages a filtered set the same way', async () => {
    const keys = [column('s', 'DESC'), id('DESC')];
    const expected = expectedOrder(
      rows.filter((row) => row.a !== null && row.a >= 2),
      keys,
    );
    expect((await walk(keysetOrder('T', keys), 'forward', 5, 't.a >= 2')).ids).toEqual(expected);
    expect((await walk(keysetOrder('T', keys), 'backward', 5, 't.a >= 2')).ids).toEqual(expected);
  });

  it('returns the rows between after and before, from either end', async () => {
    const keys = [column('a', 'ASC'), column('s', 'DESC'), id('ASC')];
    const order = keysetOrder('T', keys);
    const all = await keysetPage(order, { first: 1000 }, source('1 = 1'));
    const [from, to] = [all.edges[50], all.edges[90]];
    const between = all.edges.slice(51, 90).map((edge) => edge.node.id);
    const forward = await keysetPage(order, { first: 100, after: from.cursor, before: to.cursor }, source('1 = 1'));
    expect(forward.edges.map((edge) => edge.node.id)).toEqual(between);
    const backward = await keysetPage(order, { last: 10, after: from.cursor, before: to.cursor }, source('1 = 1'));
    expect(backward.edges.map((edge) => edge.node.id)).toEqual(between.slice(-10));
    expect(await backward.pageInfo.hasPreviousPage).toBe(true);
  });

  it('says there is a previous page after a cursor whose row was deleted only when rows remain before it', async () => {
    const order = keysetOrder('T', [id('ASC')]);
    const first = await keysetPage(order, { first: 1 }, source('1 = 1'));
    const cursor = first.edges[0].cursor;
    expect(await (await keysetPage(order, { first: 1, after: cursor }, source('1 = 1'))).pageInfo.hasPreviousPage).toBe(true);
    expect(await (await keysetPage(order, { first: 1, after: cursor }, source(`t.id <> ${first.edges[0].node.id}`))).pageInfo.hasPreviousPage).toBe(false);
  });

  it('runs the hasPreviousPage query only when it is read', async () => {
    const order = keysetOrder('T', [column('a', 'ASC'), id('ASC')]);
    const first = await keysetPage(order, { first: 3 }, source('1 = 1'));
    statements.length = 0;
    const page = await keysetPage(order, { first: 3, after: first.pageInfo.endCursor }, source('1 = 1'));
    const pageStatements = statements.length;
    expect(await page.pageInfo.hasPreviousPage).toBe(true);
    expect(statements.length).toBeGreaterThan(pageStatements);
  });

  it('seeks each rung of the ladder through the index, whatever the page', async () => {
    const order = keysetOrder('T', [column('a', 'ASC'), id('ASC')]);
    const all = await keysetPage(order, { first: 1000 }, source('1 = 1'));
    statements.length = 0;
    const cursor = all.edges.find((edge) => edge.node.a === 3)!.cursor;
    await keysetPage(order, { first: 5, after: cursor }, (query) => {
      const sql = `SELECT * FROM t WHERE ${query.where.sql} ORDER BY ${query.orderBy} LIMIT ?`;
      const plan = (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...query.where.params, query.limit) as { detail: string }[]).map((step) => step.detail).join('; ');
      statements.push(plan);
      return db.prepare(sql).all(...query.where.params, query.limit) as Row[];
    });
    expect(statements[0]).toBe('SEARCH t USING INDEX t_a (a=? AND rowid>?)');
    expect(statements.every((plan) => plan.startsWith('SEARCH t USING INDEX t_a'))).toBe(true);
  });

  it('defaults to 100 rows and refuses more than 1,000, negative sizes and first with last', async () => {
    const order = keysetOrder('T', [id('ASC')]);
    expect((await keysetPage(order, {}, source('1 = 1'))).edges).toHaveLength(PAGE_SIZE.default);
    expect((await keysetPage(order, { first: 0 }, source('1 = 1'))).edges).toHaveLength(0);
    await expect(keysetPage(order, { first: 1001 }, source('1 = 1'))).rejects.toThrow(new QueryInputError('first must be an integer from 0 to 1000; got 1001'));
    await expect(keysetPage(order, { last: -1 }, source('1 = 1'))).rejects.toThrow('last must be an integer from 0 to 1000');
    await expect(keysetPage(order, { first: 1, last: 1 }, source('1 = 1'))).rejects.toThrow('give first or last, not both');
  });
});

describe('cursors', () => {
  const order = keysetOrder('T', [column('a', 'ASC'), id('ASC')]);
  const row: Row = { id: 12, a: null, s: 'x', x: 1 };
  const cursor = () => keysetPage(order, { first: 1 }, () => [row]).then((page) => page.edges[0].cursor);

  it('round-trip the sort values of their row, NULLs included', async () => {
    expect(decodeCursor(order, await cursor(), 'after')).toEqual([null, 12]);
  });

  it('are refused when altered, truncated or forged', async () => {
    const good = await cursor();
    const decoded = JSON.parse(Buffer.from(good, 'base64url').toString());
    const forged = Buffer.from(JSON.stringify([decoded[0], [null, 13], decoded[2]])).toString('base64url');
    for (const bad of [good.slice(0, -3), `${good}x`, good.replace(/[A-Za-z]/, (c) => (c === 'A' ? 'B' : 'A')), forged, 'not a cursor', '']) {
      expect(() => decodeCursor(order, bad, 'after'), bad).toThrow(/^after: the cursor was altered or truncated/);
    }
  });

  it('are refused by a different order or connection', async () => {
    const good = await cursor();
    expect(() => decodeCursor(keysetOrder('T', [column('a', 'DESC'), id('DESC')]), good, 'before')).toThrow(/^before: the cursor comes from a different connection or orderBy/);
    expect(() => decodeCursor(keysetOrder('Other', [column('a', 'ASC'), id('ASC')]), good, 'after')).toThrow(/different connection or orderBy/);
  });
});
