import { decodeGlobalID, encodeGlobalID } from '@pothos/plugin-relay';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDemoData } from '../src/demo/load.ts';
import { costRecordFamilyIdSql } from '../src/families/rule.ts';
import { startGateway, tempDatabase } from './helpers.ts';

/** The columns the oracle below sorts and filters on, as stored. */
interface Row {
  id: number;
  charge_period_start: number;
  billing_period_start: number;
  billed_cost: number;
  region_id: string | null;
  resource_id: string | null;
  service_name: string;
  charge_category: string;
  billing_account_id: string;
  family_id: string | null;
}

type Order = { field: string; direction: 'ASC' | 'DESC' }[];
const COLUMN: Record<string, keyof Row> = {
  CHARGE_PERIOD_START: 'charge_period_start',
  BILLED_COST: 'billed_cost',
  REGION_ID: 'region_id',
  RESOURCE_ID: 'resource_id',
  SERVICE_NAME: 'service_name',
  BILLING_ACCOUNT_ID: 'billing_account_id',
  BILLING_PERIOD_START: 'billing_period_start',
  ID: 'id',
};

let database: Awaited<ReturnType<typeof tempDatabase>>;
let gateway: Awaited<ReturnType<typeof startGateway>>;
let rows: Row[];
/** SQL of every statement executed on the gateway's raw connection since the last reset. */
const executed: { sql: string; params: unknown[] }[] = [];

/** The expected order, computed in JavaScript: NULLs first ascending and last descending, ties broken by id. */
function sorted(subset: Row[], order: Order): number[] {
  const keys = order.flatMap((key) =>
    key.field === 'ID' ? [] : key.field === 'BILLING_ACCOUNT_ID' ? [key, { field: 'BILLING_PERIOD_START', direction: key.direction }] : [key],
  );
  const idDirection = order.at(-1)?.direction ?? 'ASC';
  return [...subset]
    .sort((left, right) => {
      for (const key of keys) {
        const [a, b] = [left[COLUMN[key.field]], right[COLUMN[key.field]]];
        if (a === b) continue;
        const ascending = a === null ? -1 : b === null ? 1 : a < b ? -1 : 1;
        return key.direction === 'ASC' ? ascending : -ascending;
      }
      return idDirection === 'ASC' ? left.id - right.id : right.id - left.id;
    })
    .map((row) => row.id);
}

const rowId = (globalId: string) => Number(decodeGlobalID(globalId).id);

interface PageResult {
  edges: { cursor: string; node: { id: string } }[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
}

const PAGE_FIELDS = 'edges { cursor node { id } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor }';

/** Walks a connection to its end, checking pageInfo on every page; returns the row ids in connection order. */
async function walk(fetchPage: (args: Record<string, unknown>) => Promise<PageResult>, direction: 'forward' | 'backward', size: number): Promise<number[]> {
  const pages: number[][] = [];
  let cursor: string | null = null;
  for (;;) {
    const page = await fetchPage(direction === 'forward' ? { first: size, after: cursor } : { last: size, before: cursor });
    const { hasNextPage, hasPreviousPage, startCursor, endCursor } = page.pageInfo;
    expect(startCursor).toBe(page.edges[0]?.cursor ?? null);
    expect(endCursor).toBe(page.edges.at(-1)?.cursor ?? null);
    const isFirst = pages.length === 0;
    pages.push(page.edges.map((edge) => rowId(edge.node.id)));
    const more = direction === 'forward' ? hasNextPage : hasPreviousPage;
    // The far side of the cursor: nothing on the first page, something on every later one.
    expect(direction === 'forward' ? hasPreviousPage : hasNextPage).toBe(!isFirst);
    if (more) expect(page.edges).toHaveLength(size);
    if (!more) break;
    cursor = direction === 'forward' ? endCursor : startCursor;
  }
  return (direction === 'forward' ? pages : pages.reverse()).flat();
}

async function rootPage(filter: unknown, orderBy: Order, args: Record<string, unknown>): Promise<PageResult> {
  const response = await gateway.graphql(
    `query ($filter: CostRecordFilter, $orderBy: [CostRecordOrder!], $first: Int, $after: String, $last: Int, $before: String) {
      costRecords(filter: $filter, orderBy: $orderBy, first: $first, after: $after, last: $last, before: $before) { ${PAGE_FIELDS} } }`,
    { filter, orderBy, ...args },
  );
  expect(response.errors).toBeUndefined();
  return response.data!.costRecords;
}

beforeAll(async () => {
  database = await tempDatabase();
  gateway = await startGateway(database.db, database.url);
  await loadDemoData(database.db, gateway.prisma, { rows: 5000, seed: 3 });
  rows = database.db
    .prepare(
      `SELECT id, charge_period_start, billing_period_start, billed_cost, region_id, resource_id, service_name, charge_category, billing_account_id,
              ${costRecordFamilyIdSql('cost_records')} AS family_id
       FROM cost_records`,
    )
    .all() as Row[];
  const prepare = database.db.prepare.bind(database.db);
  database.db.prepare = ((sql: string) => {
    const statement = prepare(sql);
    for (const method of ['all', 'get', 'run', 'iterate'] as const) {
      const original = statement[method].bind(statement) as (...args: unknown[]) => unknown;
      (statement as unknown as Record<string, unknown>)[method] = (...params: unknown[]) => {
        executed.push({ sql, params });
        return original(...params);
      };
    }
    return statement;
  }) as typeof database.db.prepare;
});
afterAll(async () => {
  await gateway.close();
  database.close();
});

describe('costRecords pagination over 5,000 demo rows', () => {
  const cases: [string, unknown, Order, number][] = [
    ['default order (id)', null, [], 500],
    ['chargePeriodStart (many ties)', null, [{ field: 'CHARGE_PERIOD_START', direction: 'ASC' }], 250],
    ['billedCost descending', null, [{ field: 'BILLED_COST', direction: 'DESC' }], 450],
    ['regionId, nullable, descending', null, [{ field: 'REGION_ID', direction: 'DESC' }], 400],
    [
      'billingAccountId descending (then billingPeriodStart, its index order)',
      null,
      [{ field: 'BILLING_ACCOUNT_ID', direction: 'DESC' }],
      450,
    ],
    ['regionId ascending, billedCost descending', null, [{ field: 'REGION_ID', direction: 'ASC' }, { field: 'BILLED_COST', direction: 'DESC' }], 600],
    ['filtered, serviceName descending, chargePeriodStart', { chargeCategory: { in: ['Usage', 'Credit'] } }, [{ field: 'SERVICE_NAME', direction: 'DESC' }, { field: 'CHARGE_PERIOD_START', direction: 'ASC' }], 350],
    ['filtered by family, resourceId (nullable) then id descending', { family: { isNull: false } }, [{ field: 'RESOURCE_ID', direction: 'ASC' }, { field: 'ID', direction: 'DESC' }], 300],
  ];
  const matching = (filter: unknown) => (row: Row) =>
    filter === null ? true : 'family' in (filter as object) ? row.family_id !== null : ['Usage', 'Credit'].includes(row.charge_category);

  for (const [name, filter, orderBy, size] of cases) {
    it(`walks every row exactly once, forwards and backwards: ${name}`, async () => {
      const expected = sorted(rows.filter(matching(filter)), orderBy);
      expect(expected.length).toBeGreaterThan(1000);
      const forward = await walk((args) => rootPage(filter, orderBy, args), 'forward', size);
      expect(forward).toEqual(expected);
      const backward = await walk((args) => rootPage(filter, orderBy, args), 'backward', size);
      expect(backward).toEqual(expected);
    });
  }

  it('finds each later page by seeking an index, never by OFFSET', async () => {
    const orderBy: Order = [{ field: 'CHARGE_PERIOD_START', direction: 'ASC' }];
    const first = await rootPage(null, orderBy, { first: 1000 });
    const deep = await rootPage(null, orderBy, { first: 1000, after: first.pageInfo.endCursor });
    executed.length = 0;
    const page = await rootPage(null, orderBy, { first: 100, after: deep.pageInfo.endCursor });
    expect(page.edges.map((edge) => rowId(edge.node.id))).toEqual(sorted(rows, orderBy).slice(2000, 2100));
    // The rungs of the ladder (ties of the cursor's ChargePeriodStart after its id, then later ChargePeriodStarts), the
    // read of the page's rows by id, and hasPreviousPage's look-up of the cursor row.
    const pageStatements = executed.filter(({ sql }) => sql.includes('FROM cost_records'));
    expect(pageStatements.length).toBeGreaterThan(2);
    expect(pageStatements.length).toBeLessThanOrEqual(4);
    for (const { sql, params } of pageStatements) {
      expect(sql).not.toMatch(/OFFSET/i);
      const plan = (database.db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as { detail: string }[]).map((step) => step.detail).join('; ');
      if (/WHERE.*charge_period_start [=>] \?/.test(sql)) expect(plan).toMatch(/^SEARCH cr USING (COVERING )?INDEX cost_records_charge_period_start_idx \(charge_period_start[=>]\?/);
      else expect(plan).toMatch(/^SEARCH (cr|cost_records) USING INTEGER PRIMARY KEY \(rowid=\?\)/);
    }
  });

  it('pages a scoped connection with after: a billing account, a family and a commitment', async () => {
    const accountId = rows[0].billing_account_id;
    const accountPage = async (args: Record<string, unknown>) => {
      const response = await gateway.graphql(
        `query ($accountId: String!, $first: Int, $after: String, $last: Int, $before: String) {
          billingAccountByAccountId(accountId: $accountId) { costRecords(first: $first, after: $after, last: $last, before: $before, orderBy: [{ field: BILLED_COST, direction: DESC }]) { ${PAGE_FIELDS} } } }`,
        { accountId, ...args },
      );
      expect(response.errors).toBeUndefined();
      return response.data!.billingAccountByAccountId.costRecords as PageResult;
    };
    const ofAccount = sorted(
      rows.filter((row) => row.billing_account_id === accountId),
      [{ field: 'BILLED_COST', direction: 'DESC' }],
    );
    expect(ofAccount.length).toBeGreaterThan(200);
    expect(await walk(accountPage, 'forward', 90)).toEqual(ofAccount);
    expect(await walk(accountPage, 'backward', 90)).toEqual(ofAccount);

    const familyId = rows.find((row) => row.family_id !== null)!.family_id!;
    const familyPage = async (args: Record<string, unknown>) => {
      const response = await gateway.graphql(
        `query ($id: ID!, $first: Int, $after: String) { family(id: $id) { costRecords(first: $first, after: $after, filter: { chargeCategory: { eq: "Usage" } }) { ${PAGE_FIELDS} } } }`,
        { id: encodeGlobalID('Family', familyId), ...args },
      );
      expect(response.errors).toBeUndefined();
      return response.data!.family.costRecords as PageResult;
    };
    const ofFamily = rows.filter((row) => row.family_id === familyId && row.charge_category === 'Usage').map((row) => row.id);
    expect(ofFamily.length).toBeGreaterThan(200);
    expect(await walk(familyPage, 'forward', 64)).toEqual(ofFamily);

    const commitmentPage = async (args: Record<string, unknown>) => {
      const response = await gateway.graphql(
        `query ($first: Int, $after: String) { commitments(first: 100) { edges { node { contractCommitmentId costRecords(first: $first, after: $after) { ${PAGE_FIELDS} } } } } }`,
        args,
      );
      expect(response.errors).toBeUndefined();
      const edges = response.data!.commitments.edges as { node: { contractCommitmentId: string; costRecords: PageResult } }[];
      return edges.find((edge) => edge.node.contractCommitmentId === 'aws-edp-8697255753/spend-y1')!.node.costRecords;
    };
    const applied = (database.db.prepare("SELECT DISTINCT cost_record_id AS id FROM contract_applications WHERE contract_commitment_id = 'aws-edp-8697255753/spend-y1' ORDER BY 1").all() as { id: number }[]).map((row) => row.id);
    expect(applied.length).toBeGreaterThan(1000);
    expect(await walk(commitmentPage, 'forward', 200)).toEqual(applied);
  });

  it('defaults to 100 rows, allows 1,000 and refuses more with BAD_USER_INPUT', async () => {
    expect((await rootPage(null, [], {})).edges).toHaveLength(100);
    expect((await rootPage(null, [], { first: 1000 })).edges).toHaveLength(1000);
    for (const args of [{ first: 1001 }, { last: 5000 }, { first: -1 }, { first: 1, last: 1 }]) {
      const response = await gateway.graphql(`query ($first: Int, $last: Int) { costRecords(first: $first, last: $last) { edges { cursor } } }`, args);
      expect(response.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
      expect(response.errors?.[0].message).toMatch(/^(first|last) must be an integer from 0 to 1000|^give first or last, not both$/);
    }
  });

  it('refuses a tampered cursor and a cursor from another orderBy, and reads one across filters as a position', async () => {
    const page = await rootPage(null, [], { first: 10 });
    const cursor = page.pageInfo.endCursor!;
    const tampered = `${cursor.slice(0, 8)}${cursor[8] === 'A' ? 'B' : 'A'}${cursor.slice(9)}`;
    for (const [args, message] of [
      [{ after: tampered }, /^after: the cursor was altered or truncated/],
      [{ before: cursor.slice(0, 20) }, /^before: the cursor was altered or truncated/],
      [{ after: cursor, orderBy: [{ field: 'BILLED_COST', direction: 'ASC' }] }, /^after: the cursor comes from a different connection or orderBy/],
      [{ after: cursor, orderBy: [{ field: 'ID', direction: 'DESC' }] }, /different connection or orderBy/],
    ] as const) {
      const response = await gateway.graphql(`query ($after: String, $before: String, $orderBy: [CostRecordOrder!]) { costRecords(after: $after, before: $before, orderBy: $orderBy) { totalCount } }`, args);
      expect(response.errors?.[0].message).toMatch(message);
      expect(response.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    }
    const filter = { chargeCategory: { eq: 'Purchase' } };
    const after = await rootPage(filter, [], { first: 5, after: cursor });
    expect(after.edges.map((edge) => rowId(edge.node.id))).toEqual(
      rows
        .filter((row) => row.charge_category === 'Purchase' && row.id > 10)
        .slice(0, 5)
        .map((row) => row.id),
    );
  });

  it('reads only the columns the selected fields need', async () => {
    executed.length = 0;
    const response = await gateway.graphql(`{ costRecords(first: 5, orderBy: [{ field: REGION_ID }]) { edges { node { billedCost ...more billingAccount { name } } } } }
      fragment more on CostRecord { ... on CostRecord { env: tag(key: "Environment") } chargePeriodStart }`);
    expect(response.errors).toBeUndefined();
    const byId = executed.filter(({ sql }) => sql.includes('FROM cost_records WHERE id IN'));
    expect(byId.map(({ sql }) => sql)).toEqual(['SELECT id, billed_cost, tags, charge_period_start, billing_account_id FROM cost_records WHERE id IN (SELECT value FROM json_each(?))']);
    const first = sorted(rows, [{ field: 'REGION_ID', direction: 'ASC' }])[0];
    const row = rows.find((candidate) => candidate.id === first)!;
    expect(response.data!.costRecords.edges[0].node).toMatchObject({ billedCost: row.billed_cost, chargePeriodStart: new Date(row.charge_period_start).toISOString().replace('.000Z', 'Z') });
    expect(response.data!.costRecords.edges[0].node.billingAccount.name).toEqual(expect.any(String));
  });

  it('counts totalCount only when it is selected, once per connection', async () => {
    const counts = () => executed.filter(({ sql }) => /COUNT\(\*\)/.test(sql)).length;
    executed.length = 0;
    await rootPage({ regionId: { isNull: true } }, [], { first: 10 });
    expect(counts()).toBe(0);
    const response = await gateway.graphql(`{ costRecords(first: 10, filter: { regionId: { isNull: true } }) { totalCount again: totalCount edges { cursor } } }`);
    expect(response.data!.costRecords.totalCount).toBe(rows.filter((row) => row.region_id === null).length);
    expect(response.data!.costRecords.again).toBe(response.data!.costRecords.totalCount);
    expect(counts()).toBe(1);
  });
});
