import { encodeGlobalID } from '@pothos/plugin-relay';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPrismaClient } from '../src/db/client.ts';
import { createFamily } from '../src/families/service.ts';
import { fileSource, ingest } from '../src/ingest/service.ts';
import { AWS_COMMITMENT_SAMPLE, AWS_COST_SAMPLE, dataOf, MULTI_PROVIDER_SAMPLE, readCsvObjects, tempDatabase } from './helpers.ts';
import { startCountingGateway } from './counting-gateway.ts';

let database: Awaited<ReturnType<typeof tempDatabase>>;
let gateway: Awaited<ReturnType<typeof startCountingGateway>>;
/** Cost rows in load order (the multi-provider file, then the AWS file). */
const rows = [...readCsvObjects(MULTI_PROVIDER_SAMPLE), ...readCsvObjects(AWS_COST_SAMPLE)];
const commitmentRows = readCsvObjects(AWS_COMMITMENT_SAMPLE);
let familyIds: { web: string; payer: string };

beforeAll(async () => {
  database = await tempDatabase();
  await ingest(database.db, fileSource(MULTI_PROVIDER_SAMPLE));
  await ingest(database.db, fileSource(AWS_COST_SAMPLE));
  await ingest(database.db, fileSource(AWS_COMMITMENT_SAMPLE));
  const prisma = createPrismaClient(database.url);
  familyIds = {
    web: encodeGlobalID('Family', (await createFamily(prisma, { name: 'Web', accountIds: ['200000000011', 'sub-1'] })).id),
    payer: encodeGlobalID('Family', (await createFamily(prisma, { name: 'Payer one', accountIds: ['100000000001'] })).id),
  };
  await prisma.$disconnect();
  gateway = await startCountingGateway(database.db, database.url);
});
afterAll(async () => {
  await gateway.close();
  database.close();
});

const data = (query: string, variables?: Record<string, unknown>) => dataOf(gateway, query, variables);

const billingAccountIds = [...new Set(rows.map((row) => row.BillingAccountId))].sort();

/** A sub account is attributed to the billing account of the last row that names it. */
function expectedSubAccounts(billingAccountId: string) {
  const latest = new Map<string, Record<string, string>>();
  for (const row of rows) latest.set(row.SubAccountId, row);
  return [...latest.values()]
    .filter((row) => row.BillingAccountId === billingAccountId)
    .map((row) => ({ accountId: row.SubAccountId, name: row.SubAccountName, type: row.SubAccountType }))
    .sort((a, b) => a.accountId.localeCompare(b.accountId));
}

describe('billingAccounts', () => {
  it('serves every billing account with its name, type, provider, registration state and sub accounts', async () => {
    const { billingAccounts } = await data(`{
      billingAccounts {
        totalCount
        edges { node { id accountId name type provider setupStatus dataSource setupUpdatedAt firstSeenAt subAccounts { id accountId name type billingAccount { accountId } } } }
      }
    }`);
    expect(billingAccounts.totalCount).toBe(billingAccountIds.length);
    expect(billingAccounts.edges.map((edge: { node: { accountId: string } }) => edge.node.accountId)).toEqual(billingAccountIds);
    for (const { node } of billingAccounts.edges) {
      const source = rows.filter((row) => row.BillingAccountId === node.accountId).at(-1)!;
      expect(node).toMatchObject({
        id: encodeGlobalID('BillingAccount', node.accountId),
        name: source.BillingAccountName,
        type: source.BillingAccountType,
        provider: source.ServiceProviderName,
        setupStatus: 'NOT_CONFIGURED',
        dataSource: null,
        setupUpdatedAt: null,
      });
      expect(Date.parse(node.firstSeenAt)).toBeGreaterThan(Date.now() - 600_000);
      expect(node.subAccounts.map(({ accountId, name, type }: Record<string, string>) => ({ accountId, name, type }))).toEqual(expectedSubAccounts(node.accountId));
      for (const subAccount of node.subAccounts) {
        expect(subAccount.id).toBe(encodeGlobalID('SubAccount', subAccount.accountId));
        expect(subAccount.billingAccount).toEqual({ accountId: node.accountId });
      }
    }
  });

  it('filters by provider and pages forwards and backwards', async () => {
    const aws = await data('{ billingAccounts(provider: "AWS") { totalCount edges { node { accountId } } } }');
    expect(aws.billingAccounts.totalCount).toBe(3);
    expect(aws.billingAccounts.edges.map((edge: { node: { accountId: string } }) => edge.node.accountId)).toEqual(['100000000001', '100000000002', 'BA-1']);

    const forwards: string[] = [];
    let after: string | null = null;
    let pages = 0;
    do {
      const { billingAccounts } = await data('query ($after: String) { billingAccounts(first: 2, after: $after) { edges { node { accountId } } pageInfo { hasNextPage endCursor } } }', { after });
      forwards.push(...billingAccounts.edges.map((edge: { node: { accountId: string } }) => edge.node.accountId));
      after = billingAccounts.pageInfo.hasNextPage ? billingAccounts.pageInfo.endCursor : null;
      pages++;
    } while (after);
    expect(forwards).toEqual(billingAccountIds);
    expect(pages).toBe(3);
    const { billingAccounts: tail } = await data('{ billingAccounts(last: 2) { edges { node { accountId } } pageInfo { hasPreviousPage hasNextPage } } }');
    expect(tail.edges.map((edge: { node: { accountId: string } }) => edge.node.accountId)).toEqual(billingAccountIds.slice(-2));
    expect(tail.pageInfo).toEqual({ hasPreviousPage: true, hasNextPage: false });
  });

  it('counts a nested page size against the complexity limit', async () => {
    const nested = await gateway.graphql('{ billingAccounts(first: 1000) { edges { node { costRecords(first: 1000) { edges { node { id billedCost } } } } } } }');
    expect(nested.errors![0]).toMatchObject({ extensions: { code: 'QUERY_TOO_COMPLEX' } });
    const small = await gateway.graphql('{ billingAccounts(first: 10) { edges { node { costRecords(first: 10) { edges { node { id billedCost } } } } } } }');
    expect(small.errors).toBeUndefined();
  });

  it('rejects an oversized page and a tampered cursor', async () => {
    const tooBig = await gateway.graphql('{ billingAccounts(first: 5000) { totalCount } }');
    expect(tooBig.errors![0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT' } });
    const tampered = await gateway.graphql('{ billingAccounts(after: "bm90IGEgY3Vyc29y") { totalCount } }');
    expect(tampered.errors![0]).toMatchObject({ message: expect.stringContaining('cursor'), extensions: { code: 'BAD_USER_INPUT' } });
  });
});

describe('billingAccount', () => {
  it('is found by global id, by the provider\'s id, and through node and nodes (batched)', async () => {
    const id = encodeGlobalID('BillingAccount', '100000000002');
    expect(await data('query ($id: ID!) { billingAccount(id: $id) { accountId } billingAccountByAccountId(accountId: "100000000002") { id } }', { id })).toEqual({
      billingAccount: { accountId: '100000000002' },
      billingAccountByAccountId: { id },
    });
    expect(await data('{ billingAccountByAccountId(accountId: "nope") { id } }')).toEqual({ billingAccountByAccountId: null });
    expect(await data('query ($id: ID!) { billingAccount(id: $id) { id } }', { id: encodeGlobalID('BillingAccount', 'nope') })).toEqual({ billingAccount: null });
    const wrongType = await gateway.graphql('query ($id: ID!) { billingAccount(id: $id) { id } }', { id: encodeGlobalID('Family', 'x') });
    expect(wrongType.errors![0]).toMatchObject({ message: expect.stringContaining('is a Family id, not a BillingAccount id'), extensions: { code: 'BAD_USER_INPUT' } });

    const ids = [...billingAccountIds.map((accountId) => encodeGlobalID('BillingAccount', accountId)), encodeGlobalID('SubAccount', 'sub-2')];
    const { response, statements } = await gateway.counted('query ($ids: [ID!]!) { nodes(ids: $ids) { id ... on BillingAccount { name } ... on SubAccount { name } } }', { ids });
    expect(response.data!.nodes.map((node: { id: string }) => node.id)).toEqual(ids);
    expect(response.data!.nodes.at(-1)).toEqual({ id: ids.at(-1), name: 'Sub 2' });
    // One query per type, not one per id.
    expect(statements.raw.filter((sql) => sql.includes('FROM billing_accounts'))).toHaveLength(1);
    expect(statements.raw.filter((sql) => sql.includes('FROM sub_accounts'))).toHaveLength(1);
  });

  it('lists its commitments, by period start', async () => {
    // Contract Commitment rows take the billing account of the cost rows that applied them.
    const accountOf = new Map<string, string>();
    for (const row of readCsvObjects(AWS_COST_SAMPLE)) {
      for (const element of row.ContractApplied ? JSON.parse(row.ContractApplied).Elements : []) {
        if (!accountOf.has(element.ContractCommitmentId)) accountOf.set(element.ContractCommitmentId, row.BillingAccountId);
      }
    }
    const { billingAccounts } = await data('{ billingAccounts { edges { node { accountId commitments { contractCommitmentId contractCommitmentPeriodStart billingAccount { accountId } } } } } }');
    let total = 0;
    for (const { node } of billingAccounts.edges) {
      const expected = commitmentRows
        .filter((row) => accountOf.get(row.ContractCommitmentId) === node.accountId)
        .sort((a, b) => Date.parse(a.ContractCommitmentPeriodStart) - Date.parse(b.ContractCommitmentPeriodStart))
        .map((row) => row.ContractCommitmentId);
      expect(node.commitments.map((c: { contractCommitmentId: string }) => c.contractCommitmentId)).toEqual(expected);
      for (const commitment of node.commitments) expect(commitment.billingAccount).toEqual({ accountId: node.accountId });
      total += expected.length;
    }
    expect(total).toBe(commitmentRows.length);
  });

  it('lists the families holding it or its sub accounts, and each sub account\'s family', async () => {
    const { billingAccounts } = await data('{ billingAccounts { edges { node { accountId families { id name } subAccounts { accountId family { name } } } } } }');
    const byId = Object.fromEntries(billingAccounts.edges.map((edge: { node: { accountId: string } }) => [edge.node.accountId, edge.node]));
    // 200000000011 is attributed to 100000000002 (its last row); 100000000001 is itself in "Payer one".
    expect(byId['100000000002'].families).toEqual([{ id: familyIds.web, name: 'Web' }]);
    expect(byId['100000000001'].families).toEqual([{ id: familyIds.payer, name: 'Payer one' }]);
    expect(byId['BA-1'].families).toEqual([{ id: familyIds.web, name: 'Web' }]);
    expect(byId['BA-2'].families).toEqual([]);
    expect(Object.fromEntries(byId['100000000002'].subAccounts.map((s: { accountId: string; family: { name: string } | null }) => [s.accountId, s.family?.name ?? null]))).toEqual({
      '200000000011': 'Web',
      '200000000013': null,
      '200000000014': null,
    });
    // 200000000012 is attributed to 100000000001, whose family it falls in (the family rule's second step).
    expect(byId['100000000001'].subAccounts).toEqual([{ accountId: '200000000012', family: { name: 'Payer one' } }]);
  });
});

describe('BillingAccount.costRecords', () => {
  it('holds the account\'s rows, paged with after inside a list of accounts', async () => {
    const collected = new Map<string, string[]>();
    const totals = new Map<string, number>();
    let cursors = new Map<string, string | null>(billingAccountIds.map((id) => [id, null]));
    // Each round asks every account for its next page, each with its own `after`, in one query.
    while (cursors.size > 0) {
      const query = `{ ${[...cursors].map(([id, after], index) => `a${index}: billingAccountByAccountId(accountId: ${JSON.stringify(id)}) {
          accountId costRecords(first: 4${after ? `, after: ${JSON.stringify(after)}` : ''}) { totalCount edges { node { id billingAccountId } } pageInfo { hasNextPage endCursor } } }`).join('\n')} }`;
      const result = await data(query);
      const next = new Map<string, string | null>();
      for (const account of Object.values(result) as { accountId: string; costRecords: any }[]) {
        const { edges, pageInfo, totalCount } = account.costRecords;
        expect(edges.length).toBeGreaterThan(0);
        for (const edge of edges) expect(edge.node.billingAccountId).toBe(account.accountId);
        collected.set(account.accountId, [...(collected.get(account.accountId) ?? []), ...edges.map((edge: { node: { id: string } }) => edge.node.id)]);
        totals.set(account.accountId, totalCount);
        if (pageInfo.hasNextPage) next.set(account.accountId, pageInfo.endCursor);
      }
      cursors = next;
    }
    for (const id of billingAccountIds) {
      const expected = rows.filter((row) => row.BillingAccountId === id).length;
      expect(totals.get(id)).toBe(expected);
      expect(collected.get(id)).toHaveLength(expected);
      expect(new Set(collected.get(id)).size).toBe(expected);
    }
  });

  it('takes the root field\'s filter and order', async () => {
    const { billingAccountByAccountId } = await data(`{
      billingAccountByAccountId(accountId: "100000000002") {
        costRecords(filter: { chargeCategory: { eq: "Usage" } }, orderBy: [{ field: BILLED_COST, direction: DESC }], first: 1000) {
          totalCount edges { node { chargeCategory billedCost } }
        }
      }
    }`);
    const expected = rows.filter((row) => row.BillingAccountId === '100000000002' && row.ChargeCategory === 'Usage');
    const { totalCount, edges } = billingAccountByAccountId.costRecords;
    expect(totalCount).toBe(expected.length);
    const costs = edges.map((edge: { node: { billedCost: number } }) => edge.node.billedCost);
    expect(costs).toEqual([...costs].sort((a, b) => b - a));
    expect(costs.sort()).toEqual(expected.map((row) => Number(row.BilledCost)).sort());
  });
});
