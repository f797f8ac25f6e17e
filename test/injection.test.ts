/**
 * SQL injection through every filter, sort, grouping and lookup argument of the GraphQL API and every parameter of
 * the REST APIs. Each hostile string must get the honest answer (no row has such a value, so: no rows, all rows for
 * a negation, or a BAD_USER_INPUT where the argument has a fixed vocabulary) and leave every table as it was.
 */
import { existsSync } from 'node:fs';
import { encodeGlobalID } from '@pothos/plugin-relay';
import { GraphQLEnumType, GraphQLInputObjectType, getNamedType } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDemoData } from '../src/demo/load.ts';
import { schema } from '../src/graphql/schema.ts';
import { FILTERABLE_COLUMNS } from '../src/query/cost-record-filter.ts';
import { databaseFingerprint, expectIntactDatabase, INJECTION_PAYLOADS, rawRequest, urlComponent } from './fuzz-support.ts';
import { startGateway, tempDatabase } from './helpers.ts';

/** Where the ATTACH payload would create a database file if it ever ran as SQL. */
const ATTACHED_FILE = '/tmp/fuzz-attach.db';

let database: Awaited<ReturnType<typeof tempDatabase>>;
let gateway: Awaited<ReturnType<typeof startGateway>>;
let before: Record<string, string>;
let totalRows: number;
let tagKey: string;

const STRING_FIELDS = Object.values((schema.getType('CostRecordFilter') as GraphQLInputObjectType).getFields())
  .filter((field) => getNamedType(field.type).name === 'StringFilter')
  .map((field) => field.name);
const allowedValues = new Map(FILTERABLE_COLUMNS.map((column) => [column.field, column.allowedValues]));
/** String columns that take any text, and those whose values FOCUS fixes (any other value is a BAD_USER_INPUT). */
const FREE_FIELDS = STRING_FIELDS.filter((field) => !allowedValues.get(field));
const FIXED_FIELDS = STRING_FIELDS.filter((field) => allowedValues.get(field));

/** SQLite cannot take these as a JSON path label, and the gateway says so (a NUL is a known gap: see the report). */
const usableTagKey = (payload: string) => payload !== '' && !/["\\\u0000]/.test(payload);

async function graphql(query: string, variables: Record<string, unknown>) {
  const response = await gateway.graphql<any>(query, variables);
  for (const error of response.errors ?? []) expect(error.extensions?.code, JSON.stringify(error)).toBe('BAD_USER_INPUT');
  return response;
}

/**
 * Runs each aliased field as an operation of its own (a refused non-null root field would null the others): the
 * answers of those that ran, and the aliases that were refused.
 */
async function each(fields: Record<string, string>, variables: Record<string, unknown>, types: Record<string, string>) {
  const answers: Record<string, unknown> = {};
  const refused = new Set<string>();
  for (const [alias, selection] of Object.entries(fields)) {
    const declarations = Object.entries(types).filter(([name]) => new RegExp(`\\$${name}\\b`).test(selection));
    const response = await graphql(`query (${declarations.map(([name, type]) => `$${name}: ${type}`).join(', ')}) { ${alias}: ${selection} }`, variables);
    if (response.errors) refused.add(alias);
    else answers[alias] = response.data[alias];
  }
  return { answers, refused };
}

beforeAll(async () => {
  database = await tempDatabase();
  gateway = await startGateway(database.db, database.url, {}, { perMinute: 10_000_000, burst: 1_000_000 });
  await loadDemoData(database.db, gateway.prisma, { rows: 300, seed: 13 });
  totalRows = database.db.prepare('SELECT COUNT(*) FROM cost_records').pluck().get() as number;
  tagKey = database.db.prepare('SELECT t.key FROM cost_records, json_each(cost_records.tags) t LIMIT 1').pluck().get() as string;
  before = databaseFingerprint(database.db, ['api_keys']);
});

afterAll(async () => {
  await gateway.close();
  database.close();
});

describe.each(INJECTION_PAYLOADS.map((payload) => [JSON.stringify(payload.length > 40 ? `${payload.slice(0, 20)}... (${payload.length})` : payload), payload]))('the hostile string %s', (_name, payload) => {
  it('in every string column filter: eq and in find nothing, ne and notIn find every row', async () => {
    const conditions = (condition: Record<string, unknown>) => FREE_FIELDS.map((field) => ({ [field]: condition }));
    const count = async (filter: Record<string, unknown>) => (await graphql('query ($filter: CostRecordFilter) { costRecords(filter: $filter) { totalCount } }', { filter })).data.costRecords.totalCount;
    expect(await count({ or: conditions({ eq: payload }) })).toBe(0);
    expect(await count({ or: conditions({ in: [payload, 'x'] }) })).toBe(0);
    expect(await count({ and: conditions({ ne: payload }) })).toBe(totalRows);
    expect(await count({ and: conditions({ notIn: [payload] }) })).toBe(totalRows);
  });

  it('in a column with fixed FOCUS values: a BAD_USER_INPUT', async () => {
    const fields = Object.fromEntries(FIXED_FIELDS.map((field) => [field, `costRecords(filter: { ${field}: { eq: $value } }) { totalCount }`]));
    const { refused } = await each(fields, { value: payload }, { value: 'String' });
    expect(refused).toEqual(new Set(FIXED_FIELDS));
  });

  it('as a tag key or value, a family, a commitment field, an account or a provider: nothing found', async () => {
    const { answers, refused } = await each(
      {
        hasKey: 'costRecords(filter: { tag: [{ key: $key }] }) { totalCount }',
        lacksKey: 'costRecords(filter: { tag: [{ key: $key, exists: false }] }) { totalCount }',
        hasValue: 'costRecords(filter: { tag: [{ key: $known, value: $key }] }) { totalCount }',
        family: 'costRecords(filter: { family: { in: [$family] } }) { totalCount }',
        commitments: 'commitments(filter: { billingAccountId: $list, contractCommitmentId: $list }) { totalCount }',
        contracts: 'commitments(filter: { contractId: $list }) { totalCount }',
        types: 'commitments(filter: { contractCommitmentType: $list }) { totalCount }',
        category: 'commitments(filter: { contractCommitmentCategory: $list }) { totalCount }',
        account: 'billingAccountByAccountId(accountId: $key) { accountId }',
        provider: 'billingAccounts(provider: $key) { totalCount }',
        node: 'node(id: $node) { id }',
      },
      { key: payload, known: tagKey, family: encodeGlobalID('Family', payload), list: [payload], node: encodeGlobalID('CostRecord', payload) },
      { key: 'String!', known: 'String!', family: 'ID!', list: '[String!]', node: 'ID!' },
    );
    // A commitment category must be Spend or Usage and a tag key cannot be empty; a cost record id must be a number
    // (and an empty local id may be refused or find nothing).
    const mayRefuse = new Set(['node', ...(payload === '' ? ['family'] : [])]);
    expect([...refused].filter((alias) => !mayRefuse.has(alias)).sort()).toEqual(['category', ...(payload === '' ? ['hasKey', 'lacksKey'] : [])].sort());
    const honest: Record<string, unknown> = {
      hasKey: { totalCount: 0 },
      lacksKey: { totalCount: totalRows },
      hasValue: { totalCount: 0 },
      family: { totalCount: 0 },
      commitments: { totalCount: 0 },
      contracts: { totalCount: 0 },
      types: { totalCount: 0 },
      account: null,
      provider: { totalCount: 0 },
      node: null,
    };
    for (const [alias, answer] of Object.entries(answers)) expect(answer, alias).toEqual(honest[alias]);
  });

  it('as a sort key, a group, a summary order or a currency: refused, or grouped as the untagged rows it is', async () => {
    const orderFields = (schema.getType('CostRecordOrderField') as GraphQLEnumType).getValues().map((value) => value.name);
    expect(orderFields).not.toContain(payload);
    // Sort keys are an enum: a hostile one never reaches the server's code.
    const sorted = await rawRequest(gateway.baseUrl, {
      method: 'POST',
      path: '/graphql',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${gateway.keys.admin}` },
      body: JSON.stringify({ query: 'query ($orderBy: [CostRecordOrder!]) { costRecords(orderBy: $orderBy) { totalCount } }', variables: { orderBy: [{ field: payload }] } }),
    });
    expect(sorted.status).toBe(400);
    const { refused } = await each(
      {
        dimension: 'costSummary(groupBy: [$value], metrics: [ROW_COUNT]) { totalGroups }',
        order: 'costSummary(groupBy: ["serviceName"], metrics: [ROW_COUNT], orderBy: [{ by: $value }]) { totalGroups }',
        currency: 'costSummary(metrics: [ROW_COUNT], currency: $value) { totalGroups }',
      },
      { value: payload },
      { value: 'String!' },
    );
    expect(refused).toEqual(new Set(['dimension', 'order', 'currency']));
    if (!usableTagKey(payload)) return;
    const tagged = await graphql(
      `query ($dimension: String!, $key: String!) {
        costSummary(groupBy: [$dimension], metrics: [ROW_COUNT]) { rows { keys { value untagged } rowCount } }
        kpis { amortizedCostByTag(tagKey: $key) { effectiveCost untaggedCost values { value } } }
      }`,
      { dimension: `tag:${payload}`, key: payload },
    );
    expect(tagged.errors).toBeUndefined();
    const rows = tagged.data.costSummary.rows as { keys: { value: string | null; untagged: boolean }[]; rowCount: number }[];
    expect(rows.every((row) => row.keys[0].untagged && row.keys[0].value === null)).toBe(true);
    expect(rows.reduce((sum, row) => sum + row.rowCount, 0)).toBe(totalRows);
    for (const perCurrency of tagged.data.kpis.amortizedCostByTag) {
      expect(perCurrency.untaggedCost).toBe(perCurrency.effectiveCost);
      expect(perCurrency.values).toEqual([]);
    }
  });

  it('in every REST parameter: nothing found, or a 400 or 404', async () => {
    const value = urlComponent(payload);
    const get = async (route: string) => {
      const response = await rawRequest(gateway.baseUrl, { method: 'GET', path: route, headers: { authorization: `Bearer ${gateway.keys.admin}` } });
      return { status: response.status, body: JSON.parse(response.text) };
    };
    for (const parameter of ['providerName', 'serviceName', 'region', 'resourceId', 'subAccountId', 'billingCurrency']) {
      const { status, body } = await get(`/focus/v1/cost-and-usage?${parameter}=${value}`);
      expect(status === 400 ? 'refused' : body.totalRecords).toBe(payload === '' ? 'refused' : 0);
    }
    expect((await get(`/focus/v1/cost-and-usage?serviceCategory=${value}`)).status).toBe(400);
    expect((await get(`/focus/v1/cost-and-usage?chargeCategory=${value}`)).status).toBe(400);
    expect((await get(`/focus/v1/cost-and-usage?pageToken=${value}`)).status).toBe(400);
    for (const parameter of ['commitmentDiscountId', 'billingAccountId']) {
      const { status, body } = await get(`/focus/v1/contract-commitments?${parameter}=${value}`);
      expect(status === 400 ? 'refused' : body.totalRecords).toBe(payload === '' ? 'refused' : 0);
    }
    for (const route of [`/billingEngine/cost?accountId=${value}`, `/billingEngine/account?accountId=${value}`]) {
      const { status, body } = await get(route);
      // Account ids are at most 512 characters.
      expect(status === 400 ? 'refused' : body.response.items).toEqual(payload === '' || payload.length > 512 ? 'refused' : []);
    }
    expect((await get(`/billingEngine/cost?groupBy=${value}`)).status).toBe(400);
    expect((await get(`/billingEngine/family/${value}`)).status).toBe(404);
  });
});

it('left every table, the schema and the file as they were, and attached nothing', () => {
  expect(databaseFingerprint(database.db, ['api_keys'])).toEqual(before);
  expectIntactDatabase(database.db);
  const attached = (database.db.prepare('PRAGMA database_list').all() as { name: string }[]).map((entry) => entry.name);
  expect(attached.filter((name) => name !== 'main' && name !== 'temp')).toEqual([]);
  expect(existsSync(ATTACHED_FILE)).toBe(false);
});
