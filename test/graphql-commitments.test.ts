import { encodeGlobalID } from '@pothos/plugin-relay';
import { Decimal as BaseDecimal } from 'decimal.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTRACT_COMMITMENT_COLUMNS } from '../src/focus/columns.ts';
import { fileSource, ingest } from '../src/ingest/service.ts';
import { AWS_COMMITMENT_SAMPLE, AWS_COST_SAMPLE, dataOf, failureOf, readCsvObjects, startGateway, tempDatabase } from './helpers.ts';

const Decimal = BaseDecimal.clone({ precision: 200 });

let database: Awaited<ReturnType<typeof tempDatabase>>;
let gateway: Awaited<ReturnType<typeof startGateway>>;
const costRows = readCsvObjects(AWS_COST_SAMPLE);
const commitmentRows = readCsvObjects(AWS_COMMITMENT_SAMPLE);

beforeAll(async () => {
  database = await tempDatabase();
  await ingest(database.db, fileSource(AWS_COST_SAMPLE));
  await ingest(database.db, fileSource(AWS_COMMITMENT_SAMPLE));
  gateway = await startGateway(database.db, database.url);
});
afterAll(async () => {
  await gateway.close();
  database.close();
});

const data = (query: string, variables?: Record<string, unknown>) => dataOf(gateway, query, variables);

const failure = (query: string, variables?: Record<string, unknown>) => failureOf(gateway, query, variables);

/**
 * The ContractApplied elements of the cost file, with their numbers as the file writes them (JSON.parse would turn
 * them into doubles first), read with regular expressions rather than the gateway's parser.
 */
function appliedElements(): { row: number; billingAccountId: string; commitmentId: string; cost: string | null; quantity: string | null }[] {
  const number = (element: string, key: string) => {
    const value = new RegExp(`"${key}"\\s*:\\s*(-?[0-9.eE+-]+|null)`).exec(element)?.[1];
    return value === undefined || value === 'null' ? null : value;
  };
  return costRows.flatMap((row, index) =>
    [...(row.ContractApplied ?? '').matchAll(/\{[^{}]*\}/g)].map(([element]) => ({
      row: index,
      billingAccountId: row.BillingAccountId,
      commitmentId: /"ContractCommitmentI[dD]"\s*:\s*"([^"]+)"/.exec(element)![1],
      cost: number(element, 'ContractCommitmentAppliedCost'),
      quantity: number(element, 'ContractCommitmentAppliedQuantity'),
    })),
  );
}

const COLUMN_FIELDS = CONTRACT_COMMITMENT_COLUMNS.map((column) => column.field).join(' ');

/** What the API should serve for a CSV cell of a catalog column. */
function expectedValue(type: string, text: string): unknown {
  if (text === '') return null;
  if (type === 'decimal') return Number(text);
  if (type === 'datetime') return new Date(text).toISOString().replace('.000Z', 'Z');
  return text;
}

describe('Commitment', () => {
  it('serves all 13 Contract Commitment columns as the file has them', async () => {
    expect(CONTRACT_COMMITMENT_COLUMNS).toHaveLength(13);
    const { commitments } = await data(`{ commitments(first: 100) { totalCount edges { node { id ${COLUMN_FIELDS} } } } }`);
    expect(commitments.totalCount).toBe(commitmentRows.length);
    const byId = new Map(commitments.edges.map((edge: { node: Record<string, unknown> }) => [edge.node.contractCommitmentId, edge.node]));
    for (const [index, row] of commitmentRows.entries()) {
      const node = byId.get(row.ContractCommitmentId) as Record<string, unknown>;
      expect(node.id).toBe(encodeGlobalID('Commitment', index + 1));
      for (const column of CONTRACT_COMMITMENT_COLUMNS) expect(node[column.field], column.name).toEqual(expectedValue(column.type, row[column.name]));
    }
  });

  it('sums the applied cost and quantity exactly, with what remains and the utilization', async () => {
    const elements = appliedElements();
    const { commitments } = await data(`{
      commitments(first: 100) {
        edges { node {
          contractCommitmentId contractCommitmentCategory contractCommitmentCost contractCommitmentQuantity
          appliedCost appliedQuantity remainingCost remainingQuantity utilization utilizationBasis billingAccountId billingAccount { accountId }
        } }
      }
    }`);
    let drawnDown = 0;
    for (const { node } of commitments.edges) {
      const applying = elements.filter((element) => element.commitmentId === node.contractCommitmentId);
      const sum = (values: (string | null)[]) => values.reduce((total, value) => (value === null ? total : total.plus(value)), new Decimal(0));
      const cost = sum(applying.map((element) => element.cost));
      const quantity = sum(applying.map((element) => element.quantity));
      expect(node.appliedCost).toBe(cost.toFixed());
      expect(node.appliedQuantity).toBe(quantity.toFixed());
      const source = commitmentRows.find((row) => row.ContractCommitmentId === node.contractCommitmentId)!;
      expect(node.remainingCost).toBe(source.ContractCommitmentCost === '' ? null : new Decimal(source.ContractCommitmentCost).minus(cost).toFixed());
      expect(node.remainingQuantity).toBe(source.ContractCommitmentQuantity === '' ? null : new Decimal(source.ContractCommitmentQuantity).minus(quantity).toFixed());
      if (source.ContractCommitmentCategory === 'Usage' && source.ContractCommitmentQuantity !== '') {
        expect(node.utilizationBasis).toBe('QUANTITY');
        expect(node.utilization).toBe(quantity.dividedBy(source.ContractCommitmentQuantity).toNumber());
      } else {
        expect(node.utilizationBasis).toBe('COST');
        expect(node.utilization).toBe(cost.dividedBy(source.ContractCommitmentCost).toNumber());
      }
      expect(node.billingAccount?.accountId).toBe(applying[0]?.billingAccountId);
      expect(node.billingAccountId).toBe(applying[0]?.billingAccountId);
      if (applying.length > 0) drawnDown++;
    }
    // Both kinds of commitment are drawn down in the sample, in cost and in quantity.
    expect(drawnDown).toBeGreaterThanOrEqual(5);
    expect(commitments.edges.some((edge: { node: { utilizationBasis: string; appliedQuantity: string } }) => edge.node.utilizationBasis === 'QUANTITY' && edge.node.appliedQuantity !== '0')).toBe(true);
    // A double SUM would not give this many exact digits.
    expect(commitments.edges.some((edge: { node: { appliedCost: string } }) => edge.node.appliedCost.replace(/\D/g, '').length > 12)).toBe(true);
  });

  it('lists the cost rows that applied it, paged with after inside the list of commitments', async () => {
    const elements = appliedElements();
    const expected = new Map<string, number>();
    for (const row of commitmentRows) expected.set(row.ContractCommitmentId, new Set(elements.filter((e) => e.commitmentId === row.ContractCommitmentId).map((e) => e.row)).size);

    const seen = new Map<string, Set<string>>();
    let cursors = new Map<string, string | null>(commitmentRows.map((row) => [row.ContractCommitmentId, null]));
    while (cursors.size > 0) {
      const next = new Map<string, string | null>();
      // Every commitment's next page, in one query: the same nested field with a different `after` each.
      const { commitments } = await data(`{ commitments(first: 100) { edges { node { contractCommitmentId
          ${commitmentRows.map((row, index) => `p${index}: costRecords(first: 5${cursors.get(row.ContractCommitmentId) ? `, after: ${JSON.stringify(cursors.get(row.ContractCommitmentId))}` : ''}) {
            totalCount edges { node { id contractApplied { elements { contractCommitmentId } } } } pageInfo { hasNextPage endCursor } }`).join('\n')}
        } } } }`);
      for (const { node } of commitments.edges) {
        const index = commitmentRows.findIndex((row) => row.ContractCommitmentId === node.contractCommitmentId);
        if (!cursors.has(node.contractCommitmentId)) continue;
        const page = node[`p${index}`];
        expect(page.totalCount).toBe(expected.get(node.contractCommitmentId));
        const ids = seen.get(node.contractCommitmentId) ?? new Set<string>();
        for (const edge of page.edges) {
          expect(edge.node.contractApplied.elements.map((e: { contractCommitmentId: string }) => e.contractCommitmentId)).toContain(node.contractCommitmentId);
          ids.add(edge.node.id);
        }
        seen.set(node.contractCommitmentId, ids);
        if (page.pageInfo.hasNextPage) next.set(node.contractCommitmentId, page.pageInfo.endCursor);
      }
      cursors = next;
    }
    for (const [id, count] of expected) expect(seen.get(id)?.size ?? 0, id).toBe(count);
    expect([...expected.values()].filter((count) => count > 5).length).toBeGreaterThan(1);
  });

  it('is found through node and nodes; a malformed Commitment id is BAD_USER_INPUT', async () => {
    const ids = [encodeGlobalID('Commitment', 3), encodeGlobalID('Commitment', 1), encodeGlobalID('Commitment', 999)];
    const { nodes } = await data('query ($ids: [ID!]!) { nodes(ids: $ids) { ... on Commitment { contractCommitmentId } } }', { ids });
    expect(nodes).toEqual([{ contractCommitmentId: commitmentRows[2].ContractCommitmentId }, { contractCommitmentId: commitmentRows[0].ContractCommitmentId }, null]);
    expect(await failure('query ($id: ID!) { node(id: $id) { id } }', { id: encodeGlobalID('Commitment', 'abc') })).toMatchObject({ extensions: { code: 'BAD_USER_INPUT' } });
  });
});

describe('commitments', () => {
  const ids = async (args: string) =>
    (await data(`{ commitments(first: 100${args ? `, ${args}` : ''}) { totalCount edges { node { contractCommitmentId } } } }`)).commitments.edges.map(
      (edge: { node: { contractCommitmentId: string } }) => edge.node.contractCommitmentId,
    );
  const where = (test: (row: Record<string, string>) => boolean) => commitmentRows.filter(test).map((row) => row.ContractCommitmentId);
  const byPeriodStart = (list: string[]) => {
    const position = (id: string) => commitmentRows.findIndex((row) => row.ContractCommitmentId === id);
    return [...list].sort((a, b) => Date.parse(commitmentRows[position(a)].ContractCommitmentPeriodStart) - Date.parse(commitmentRows[position(b)].ContractCommitmentPeriodStart) || position(a) - position(b));
  };

  it('filters on contract, commitment id, type, category, billing account and period overlap', async () => {
    const contractId = commitmentRows[0].ContractId;
    expect(await ids(`filter: { contractId: ["${contractId}"] }`)).toEqual(byPeriodStart(where((row) => row.ContractId === contractId)));
    expect(await ids(`filter: { contractCommitmentId: ["CC-MINSPEND-AWS", "CC-USAGEMIN-AWS", "unknown"] }`)).toEqual(byPeriodStart(['CC-MINSPEND-AWS', 'CC-USAGEMIN-AWS']));
    expect(await ids(`filter: { contractCommitmentType: ["Reserved Instance"] }`)).toEqual(byPeriodStart(where((row) => row.ContractCommitmentType === 'Reserved Instance')));
    const usage = where((row) => row.ContractCommitmentCategory === 'Usage');
    expect(usage.length).toBeGreaterThan(0);
    expect(await ids(`filter: { contractCommitmentCategory: ["Usage"] }`)).toEqual(byPeriodStart(usage));
    const { commitments } = await data('{ commitments(filter: { billingAccountId: ["100000000001"] }) { edges { node { billingAccount { accountId } } } } }');
    expect(commitments.edges.length).toBeGreaterThan(0);
    for (const edge of commitments.edges) expect(edge.node.billingAccount.accountId).toBe('100000000001');
    expect(await ids('filter: { contractCommitmentId: [] }')).toEqual([]);

    const start = '2026-05-01T05:00:00Z';
    const end = '2026-05-01T06:00:00Z';
    const overlapping = where((row) => Date.parse(row.ContractCommitmentPeriodStart) < Date.parse(end) && Date.parse(row.ContractCommitmentPeriodEnd) > Date.parse(start));
    expect(overlapping.length).toBeGreaterThan(0);
    expect(overlapping.length).toBeLessThan(commitmentRows.length);
    expect(await ids(`filter: { periodOverlaps: { start: "${start}", end: "${end}" } }`)).toEqual(byPeriodStart(overlapping));
    expect(await ids(`filter: { contractCommitmentCategory: ["Usage"], periodOverlaps: { start: "${start}", end: "${end}" } }`)).toEqual(
      byPeriodStart(overlapping.filter((id) => usage.includes(id))),
    );
  });

  it('rejects an unknown category and a reversed period', async () => {
    expect(await failure('{ commitments(filter: { contractCommitmentCategory: ["Spending"] }) { totalCount } }')).toMatchObject({
      message: expect.stringContaining('"Spending" is not a FOCUS ContractCommitmentCategory'),
      extensions: { code: 'BAD_USER_INPUT' },
    });
    expect(await failure('{ commitments(filter: { periodOverlaps: { start: "2026-06-01T00:00:00Z", end: "2026-05-01T00:00:00Z" } }) { totalCount } }')).toMatchObject({
      message: 'filter.periodOverlaps: start must be before end',
      extensions: { code: 'BAD_USER_INPUT' },
    });
  });

  it('orders by each sort column both ways, nulls first ascending, ties by id', async () => {
    const { data: schema } = await gateway.graphql('{ __type(name: "CommitmentOrderField") { enumValues { name } } }');
    const fields: string[] = schema!.__type.enumValues.map((value: { name: string }) => value.name);
    expect(fields).toContain('CONTRACT_COMMITMENT_COST');
    for (const field of fields) {
      const column = CONTRACT_COMMITMENT_COLUMNS.find((c) => c.name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase() === field)!;
      const key = (row: Record<string, string>) => {
        const text = row[column.name];
        if (text === '') return null;
        return column.type === 'decimal' ? Number(text) : column.type === 'datetime' ? Date.parse(text) : text;
      };
      const ascending = commitmentRows
        .map((row, index) => ({ id: row.ContractCommitmentId, key: key(row), index }))
        .sort((a, b) => {
          if (a.key !== b.key) {
            if (a.key === null) return -1;
            if (b.key === null) return 1;
            return a.key < b.key ? -1 : 1;
          }
          return a.index - b.index;
        })
        .map((entry) => entry.id);
      expect(await ids(`orderBy: [{ field: ${field} }]`), field).toEqual(ascending);
      expect(await ids(`orderBy: [{ field: ${field}, direction: DESC }]`), field).toEqual([...ascending].reverse());
    }
  });

  it('pages forwards and backwards in a two-key order; a cursor of another order is refused', async () => {
    const order = 'orderBy: [{ field: CONTRACT_COMMITMENT_CATEGORY }, { field: CONTRACT_COMMITMENT_COST, direction: DESC }]';
    const all = await ids(order);
    expect(all).toHaveLength(commitmentRows.length);
    const forwards: string[] = [];
    let after: string | null = null;
    do {
      const { commitments } = await data(`query ($after: String) { commitments(first: 3, after: $after, ${order}) { edges { node { contractCommitmentId } } pageInfo { hasNextPage endCursor } } }`, { after });
      forwards.push(...commitments.edges.map((edge: { node: { contractCommitmentId: string } }) => edge.node.contractCommitmentId));
      after = commitments.pageInfo.hasNextPage ? commitments.pageInfo.endCursor : null;
    } while (after);
    expect(forwards).toEqual(all);
    const backwards: string[] = [];
    let before: string | null = null;
    let cursorOfThisOrder = '';
    do {
      const { commitments } = await data(`query ($before: String) { commitments(last: 4, before: $before, ${order}) { edges { node { contractCommitmentId } } pageInfo { hasPreviousPage startCursor } } }`, { before });
      backwards.unshift(...commitments.edges.map((edge: { node: { contractCommitmentId: string } }) => edge.node.contractCommitmentId));
      before = commitments.pageInfo.hasPreviousPage ? commitments.pageInfo.startCursor : null;
      cursorOfThisOrder = commitments.pageInfo.startCursor;
    } while (before);
    expect(backwards).toEqual(all);
    expect(await failure(`{ commitments(after: "${cursorOfThisOrder}") { totalCount } }`)).toMatchObject({ message: expect.stringContaining('orderBy'), extensions: { code: 'BAD_USER_INPUT' } });
    expect(await failure('{ commitments(orderBy: [{ field: CONTRACT_ID }, { field: CONTRACT_ID, direction: DESC }]) { totalCount } }')).toMatchObject({
      message: 'orderBy: ContractId is given twice',
      extensions: { code: 'BAD_USER_INPUT' },
    });
  });
});
