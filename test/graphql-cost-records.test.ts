import { writeFileSync } from 'node:fs';
import path from 'node:path';
import Papa from 'papaparse';
import { encodeGlobalID } from '@pothos/plugin-relay';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GraphQLObjectType } from 'graphql';
import { createFamily } from '../src/families/service.ts';
import { FIELD_COLUMNS } from '../src/graphql/cost-records.ts';
import { schema } from '../src/graphql/schema.ts';
import { COST_AND_USAGE_COLUMNS, type FocusColumn } from '../src/focus/columns.ts';
import { fileSource, ingest } from '../src/ingest/service.ts';
import { AWS_COST_SAMPLE, MULTI_PROVIDER_SAMPLE, readCsvObjects, startGateway, tempDatabase } from './helpers.ts';

type CsvRow = Record<string, string>;

let database: Awaited<ReturnType<typeof tempDatabase>>;
let gateway: Awaited<ReturnType<typeof startGateway>>;
/** The rows of both files in load order, which is id order. */
let rows: CsvRow[];
/** Global ids, in id order. */
let ids: string[];
let families: { payments: string; billingTwo: string };

const text = (value: string | undefined) => (value === undefined || value === '' ? null : value);
const instant = (value: string) => new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(value) ? value : `${value.replace(' ', 'T')}Z`).toISOString().replace('.000Z', 'Z');

/** What the API should return for a column, computed from the file's text. */
function expectedValue(column: FocusColumn, value: string | undefined): unknown {
  const cell = text(value);
  if (cell === null) return null;
  switch (column.type) {
    case 'string':
      return cell;
    case 'decimal':
      return Number(cell);
    case 'datetime':
      return instant(cell);
    case 'json':
      return column.name === 'ContractApplied' ? { json: JSON.parse(cell) } : JSON.parse(cell);
  }
}

const selection = (column: FocusColumn) => (column.name === 'ContractApplied' ? `${column.field} { json }` : column.field);
const ALL_COLUMNS = COST_AND_USAGE_COLUMNS.map(selection).join(' ');

async function query<T = any>(source: string, variables?: Record<string, unknown>): Promise<T> {
  const response = await gateway.graphql<T>(source, variables);
  expect(response.errors).toBeUndefined();
  return response.data as T;
}

async function errorOf(source: string, variables?: Record<string, unknown>) {
  const response = await gateway.graphql(source, variables);
  expect(response.errors, JSON.stringify(response.data)).toHaveLength(1);
  return response.errors![0];
}

beforeAll(async () => {
  database = await tempDatabase();
  await ingest(database.db, fileSource(AWS_COST_SAMPLE));
  await ingest(database.db, fileSource(MULTI_PROVIDER_SAMPLE));
  gateway = await startGateway(database.db, database.url);
  rows = [...readCsvObjects(AWS_COST_SAMPLE), ...readCsvObjects(MULTI_PROVIDER_SAMPLE)];
  const payments = await createFamily(gateway.prisma, { name: 'Payments', accountIds: ['200000000011'] });
  const billingTwo = await createFamily(gateway.prisma, { name: 'Billing two', accountIds: ['100000000002', 'BA-3'] });
  families = { payments: payments.id, billingTwo: billingTwo.id };
  const data = await query(`{ costRecords(first: 1000) { edges { node { id } } } }`);
  ids = data.costRecords.edges.map((edge: { node: { id: string } }) => edge.node.id);
});
afterAll(async () => {
  await gateway.close();
  database.close();
});

describe('CostRecord', () => {
  it('has every FOCUS column of both files, with the values the files hold', async () => {
    const data = await query(`{ costRecords(first: 1000) { totalCount edges { node { id ${ALL_COLUMNS} } } } }`);
    expect(data.costRecords.totalCount).toBe(rows.length);
    expect(data.costRecords.edges).toHaveLength(rows.length);
    data.costRecords.edges.forEach(({ node }: { node: Record<string, unknown> }, index: number) => {
      for (const column of COST_AND_USAGE_COLUMNS) {
        expect(node[column.field], `row ${index + 1} ${column.name}`).toEqual(expectedValue(column, rows[index][column.name]));
      }
    });
  });

  it('gives each ContractApplied element typed, under both key casings', async () => {
    const data = await query(`{ costRecords(first: 1000) { edges { node { contractApplied { elements {
      contractId contractCommitmentId contractCommitmentAppliedCost contractCommitmentAppliedQuantity contractCommitmentAppliedUnit } } } } } }`);
    let applied = 0;
    data.costRecords.edges.forEach(({ node }: { node: { contractApplied: { elements: unknown[] } | null } }, index: number) => {
      const cell = text(rows[index].ContractApplied);
      if (cell === null) return expect(node.contractApplied).toBeNull();
      const elements = (JSON.parse(cell).Elements as Record<string, unknown>[]).map((element) => ({
        contractId: element.ContractId ?? element.ContractID ?? null,
        contractCommitmentId: element.ContractCommitmentId ?? element.ContractCommitmentID,
        contractCommitmentAppliedCost: element.ContractCommitmentAppliedCost == null ? null : Number(element.ContractCommitmentAppliedCost),
        contractCommitmentAppliedQuantity: element.ContractCommitmentAppliedQuantity == null ? null : Number(element.ContractCommitmentAppliedQuantity),
        contractCommitmentAppliedUnit: element.ContractCommitmentAppliedUnit ?? null,
      }));
      applied += elements.length;
      expect(node.contractApplied!.elements).toEqual(elements);
    });
    expect(applied).toBeGreaterThan(20);
  });

  it('returns one tag by key, null for a key the row lacks', async () => {
    const data = await query(`{ costRecords(first: 1000) { edges { node { environment: tag(key: "Environment") env: tag(key: "env") none: tag(key: "nope") } } } }`);
    data.costRecords.edges.forEach(({ node }: { node: Record<string, string | null> }, index: number) => {
      const tags = text(rows[index].Tags) === null ? {} : JSON.parse(rows[index].Tags);
      expect(node).toEqual({ environment: tags.Environment ?? null, env: tags.env ?? null, none: null });
    });
    expect(data.costRecords.edges.filter(({ node }: { node: Record<string, string | null> }) => node.environment !== null).length).toBeGreaterThan(50);
  });

  it('is null for columns a file lacks, and keeps its non-FOCUS columns in extraColumns', async () => {
    const local = await tempDatabase();
    try {
      const source = readCsvObjects(MULTI_PROVIDER_SAMPLE);
      const dropped = ['AvailabilityZone', 'Tags', 'ListUnitPrice'];
      const fields = [...Object.keys(source[0]).filter((name) => !dropped.includes(name)), 'x_CostCenter', 'Team'];
      const file = path.join(local.dir, 'extra.csv');
      const data = source.map((row, index) => ({ ...row, x_CostCenter: `cc-${index}`, Team: index === 0 ? '' : 'web' }));
      writeFileSync(file, Papa.unparse(data, { columns: fields }));
      await ingest(local.db, fileSource(file));
      const localGateway = await startGateway(local.db, local.url);
      try {
        const response = await localGateway.graphql(`{ costRecords { edges { node { availabilityZone tags listUnitPrice listCost extraColumns } } } }`);
        expect(response.data!.costRecords.edges.map((edge: { node: unknown }) => edge.node)).toEqual(
          source.map((row, index) => ({
            availabilityZone: null,
            tags: null,
            listUnitPrice: null,
            listCost: Number(row.ListCost),
            extraColumns: index === 0 ? { x_CostCenter: 'cc-0' } : { x_CostCenter: `cc-${index}`, Team: 'web' },
          })),
        );
      } finally {
        await localGateway.close();
      }
    } finally {
      local.close();
    }
  });

  it('says, for every field, which stored columns it reads (so that pages read only those)', () => {
    const type = schema.getType('CostRecord') as GraphQLObjectType;
    const catalog = new Set(COST_AND_USAGE_COLUMNS.map((column) => column.field));
    const unlisted = Object.keys(type.getFields()).filter((field) => !catalog.has(field) && !Object.hasOwn(FIELD_COLUMNS, field));
    expect(unlisted).toEqual([]);
  });

  it('is a node: node(id:) and nodes(ids:) load cost records by global id', async () => {
    const data = await query(`query ($id: ID!, $ids: [ID!]!) {
      node(id: $id) { id ... on CostRecord { billedCost } }
      nodes(ids: $ids) { id ... on CostRecord { chargeDescription } }
    }`, { id: ids[3], ids: [ids[7], ids[2], encodeGlobalID('CostRecord', 999_999)] });
    expect(data.node).toEqual({ id: ids[3], billedCost: Number(rows[3].BilledCost) });
    expect(data.nodes).toEqual([
      { id: ids[7], chargeDescription: rows[7].ChargeDescription },
      { id: ids[2], chargeDescription: rows[2].ChargeDescription },
      null,
    ]);
    expect(ids[0]).toBe(encodeGlobalID('CostRecord', 1));
  });
});

describe('CostRecordFilter', () => {
  const familyOf = (row: CsvRow) =>
    row.SubAccountId === '200000000011' ? families.payments : ['100000000002', 'BA-3'].includes(row.BillingAccountId) ? families.billingTwo : null;
  const tags = (row: CsvRow): Record<string, string> => (text(row.Tags) === null ? {} : JSON.parse(row.Tags));
  const time = (value: string) => Date.parse(instant(value));
  const T = (iso: string) => Date.parse(iso);
  const cases: [string, () => Record<string, unknown>, (row: CsvRow) => boolean][] = [
    ['string eq', () => ({ regionId: { eq: 'us-west-2' } }), (row) => row.RegionId === 'us-west-2'],
    ['string ne (nulls match)', () => ({ regionId: { ne: 'us-west-2' } }), (row) => row.RegionId !== 'us-west-2'],
    ['string in', () => ({ regionId: { in: ['eu-west-1', 'us-east-1'] } }), (row) => ['eu-west-1', 'us-east-1'].includes(row.RegionId)],
    ['string notIn (nulls match)', () => ({ regionId: { notIn: ['eu-west-1', 'us-east-1'] } }), (row) => !['eu-west-1', 'us-east-1'].includes(row.RegionId)],
    ['empty in matches nothing', () => ({ regionId: { in: [] } }), () => false],
    ['isNull true', () => ({ regionId: { isNull: true } }), (row) => row.RegionId === ''],
    ['isNull false', () => ({ commitmentDiscountStatus: { isNull: false } }), (row) => row.CommitmentDiscountStatus !== ''],
    ['allowed-value eq', () => ({ chargeCategory: { eq: 'Purchase' } }), (row) => row.ChargeCategory === 'Purchase'],
    ['allowed-value in', () => ({ commitmentDiscountStatus: { in: ['Used', 'Unused'] }, pricingCategory: { eq: 'Committed' } }), (row) => row.CommitmentDiscountStatus !== '' && row.PricingCategory === 'Committed'],
    ['money range', () => ({ billedCost: { gt: 0.5, lte: 30 } }), (row) => Number(row.BilledCost) > 0.5 && Number(row.BilledCost) <= 30],
    ['money eq', () => ({ billedCost: { eq: 0 } }), (row) => Number(row.BilledCost) === 0],
    ['quantity range on a nullable column', () => ({ consumedQuantity: { gte: 1 } }), (row) => row.ConsumedQuantity !== '' && Number(row.ConsumedQuantity) >= 1],
    ['date-time range', () => ({ chargePeriodStart: { gte: '2026-05-02T00:00:00Z', lt: '2026-05-04T00:00:00Z' } }), (row) => time(row.ChargePeriodStart) >= T('2026-05-02T00:00:00Z') && time(row.ChargePeriodStart) < T('2026-05-04T00:00:00Z')],
    ['date-time with an offset', () => ({ chargePeriodStart: { lt: '2026-05-02T02:00:00+02:00' } }), (row) => time(row.ChargePeriodStart) < T('2026-05-02T00:00:00Z')],
    ['tag key exists', () => ({ tag: [{ key: 'env' }] }), (row) => 'env' in tags(row)],
    ['tag key absent', () => ({ tag: { key: 'Environment', exists: false } }), (row) => !('Environment' in tags(row))],
    ['tag value', () => ({ tag: { key: 'Environment', value: 'prod' } }), (row) => tags(row).Environment === 'prod'],
    ['several tags', () => ({ tag: [{ key: 'Environment', value: 'dev' }, { key: 'Owner', value: 'team-platform' }] }), (row) => tags(row).Environment === 'dev' && tags(row).Owner === 'team-platform'],
    ['family eq (global id)', () => ({ family: { eq: encodeGlobalID('Family', families.payments) } }), (row) => familyOf(row) === families.payments],
    ['family eq (own id)', () => ({ family: { eq: families.billingTwo } }), (row) => familyOf(row) === families.billingTwo],
    ['family in', () => ({ family: { in: [families.billingTwo, encodeGlobalID('Family', families.payments)] } }), (row) => familyOf(row) !== null],
    ['family isNull', () => ({ family: { isNull: true } }), (row) => familyOf(row) === null],
    ['and', () => ({ and: [{ chargeCategory: { eq: 'Usage' } }, { regionId: { eq: 'ap-southeast-1' } }] }), (row) => row.ChargeCategory === 'Usage' && row.RegionId === 'ap-southeast-1'],
    ['or', () => ({ or: [{ chargeCategory: { eq: 'Tax' } }, { billedCost: { gt: 50 } }] }), (row) => row.ChargeCategory === 'Tax' || Number(row.BilledCost) > 50],
    ['not (rows with a null column match)', () => ({ not: { regionId: { eq: 'us-west-2' } } }), (row) => row.RegionId !== 'us-west-2'],
    ['not of or', () => ({ not: { or: [{ regionId: { eq: 'us-west-2' } }, { chargeCategory: { eq: 'Purchase' } }] } }), (row) => row.RegionId !== 'us-west-2' && row.ChargeCategory !== 'Purchase'],
    ['empty and matches everything, empty or nothing', () => ({ and: [], or: [] }), () => false],
    [
      'nesting five levels deep',
      () => ({ and: [{ or: [{ not: { and: [{ or: [{ regionId: { eq: 'eu-west-1' } }] }] } }] }] }),
      (row) => row.RegionId !== 'eu-west-1',
    ],
    ['a value that looks like SQL is only a value', () => ({ regionId: { eq: "x' OR 1=1 --" } }), () => false],
  ];

  for (const [name, filter, expected] of cases) {
    it(`filters: ${name}`, async () => {
      const data = await query(`query ($filter: CostRecordFilter) { costRecords(first: 1000, filter: $filter) { totalCount edges { node { id } } } }`, {
        filter: filter(),
      });
      const want = rows.flatMap((row, index) => (expected(row) ? [ids[index]] : []));
      expect(data.costRecords.edges.map((edge: { node: { id: string } }) => edge.node.id)).toEqual(want);
      expect(data.costRecords.totalCount).toBe(want.length);
    });
  }

  it('matches at least one row and not every row in most cases (so the cases above test something)', () => {
    const informative = cases.filter(([, , expected]) => {
      const matched = rows.filter(expected).length;
      return matched > 0 && matched < rows.length;
    });
    expect(informative.length).toBeGreaterThanOrEqual(cases.length - 3);
  });

  const errors: [string, string, RegExp][] = [
    ['a value outside the FOCUS allowed values', '{ chargeCategory: { eq: "usage" } }', /^filter\.chargeCategory\.eq: "usage" is not a ChargeCategory value; FOCUS allows Usage, Purchase, Tax, Credit, Adjustment$/],
    ['an allowed-values violation inside a list', '{ or: [{}, { chargeFrequency: { in: ["Usage-Based", "Daily"] } }] }', /^filter\.or\[1\]\.chargeFrequency\.in\[1\]: "Daily" is not a ChargeFrequency value/],
    ['a reversed money range', '{ billedCost: { gte: 10, lte: 1 } }', /^filter\.billedCost: reversed range: gte 10 and lte 1 match nothing$/],
    ['an empty strict range', '{ effectiveCost: { gt: 1, lt: 1 } }', /^filter\.effectiveCost: reversed range: gt 1 and lt 1/],
    [
      'a reversed date-time range',
      '{ not: { chargePeriodStart: { gt: "2026-05-02T00:00:00Z", lte: "2026-05-01T00:00:00Z" } } }',
      /^filter\.not\.chargePeriodStart: reversed range: gt 2026-05-02T00:00:00\.000Z and lte 2026-05-01T00:00:00\.000Z match nothing$/,
    ],
    ['nesting six levels deep', '{ and: [{ or: [{ not: { and: [{ or: [{ not: { regionId: { eq: "x" } } }] }] } }] }] }', /^filter\.and\[0\]\.or\[0\]\.not\.and\[0\]\.or\[0\]\.not: and, or and not nest at most 5 levels deep$/],
    ['a tag with a value that must not exist', '{ tag: { key: "env", value: "prod", exists: false } }', /^filter\.tag\[0\]: a tag cannot both lack the key and have a value$/],
    ['an empty tag key', '{ tag: { key: "" } }', /^filter\.tag\[0\]\.key: expected a non-empty tag key$/],
    ['a global id of another type as a family', `{ family: { eq: "${encodeGlobalID('CostRecord', 1)}" } }`, /^filter\.family\.eq: ".+" is a CostRecord id, not a Family id$/],
  ];
  for (const [name, filter, message] of errors) {
    it(`refuses ${name} with BAD_USER_INPUT`, async () => {
      const error = await errorOf(`{ costRecords(filter: ${filter}) { totalCount } }`);
      expect(error.message).toMatch(message);
      expect(error.extensions?.code).toBe('BAD_USER_INPUT');
    });
  }
});

describe('query limits', () => {
  const fields = COST_AND_USAGE_COLUMNS.filter((column) => column.type !== 'json')
    .slice(0, 25)
    .map((column) => column.field)
    .join(' ');

  it("counts a connection's page size into the query's complexity", async () => {
    expect((await gateway.graphql(`{ costRecords(first: 1000) { edges { node { ${fields} } } } }`)).errors).toBeUndefined();
    const error = await errorOf(`{ billingAccounts(first: 100) { edges { node { costRecords(first: 1000) { edges { node { ${fields} } } } } } } }`);
    expect(error.extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', measure: 'complexity' });
    expect(error.message).toMatch(/^query too complex: complexity \d+ exceeds the limit of 250000$/);
  });

  it('limits how deep a query goes', async () => {
    // Twelve levels are allowed; this query has thirteen.
    const error = await errorOf(`{ costRecords(first: 1) { edges { node { billingAccount { costRecords(first: 1) { edges { node { billingAccount {
      costRecords(first: 1) { edges { node { billingAccount { name } } } } } } } } } } } } }`);
    expect(error.extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', measure: 'depth', limit: 12 });
  });
});
