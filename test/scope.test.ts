/**
 * Scoped keys: a reader key limited to a billing account (or a family) sees only the rows in its scope, on every path.
 * The test walks every root field, mutation and subscription of the schema (a field without a case here fails it) and
 * every REST route, with a key scoped to one billing account; what it may see is computed independently, with plain
 * SQL over the unscoped database.
 */
import { encodeGlobalID } from '@pothos/plugin-relay';
import { getIntrospectionQuery, type IntrospectionQuery } from 'graphql';
import { createClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { ROLLUP_TABLES } from '../src/analytics/rollup-columns.ts';
import { costSummary, type CostSummaryInput } from '../src/analytics/summary.ts';
import { createApiKey } from '../src/auth/keys.ts';
import { databaseForScope } from '../src/auth/scope.ts';
import { loadDemoData } from '../src/demo/load.ts';
import { costRecordFamilyIdSql } from '../src/families/rule.ts';
import { createFamily } from '../src/families/service.ts';
import { FOCUS_API } from '../src/rest/focus-api.ts';
import { SPOT_API } from '../src/rest/spot-api.ts';
import { startGateway, tempDatabase, tempDir } from './helpers.ts';

type Gateway = Awaited<ReturnType<typeof startGateway>>;

/** Runs each case in turn; a failure names its case. */
async function runCases(cases: Record<string, () => Promise<void>>): Promise<void> {
  for (const [name, check] of Object.entries(cases)) {
    try {
      await check();
    } catch (error) {
      throw new Error(`${name}: ${(error as Error).message}`);
    }
  }
}

describe('keys scoped to accounts and families', () => {
  let database: Awaited<ReturnType<typeof tempDatabase>>;
  let gateway: Gateway;
  let exportDir: ReturnType<typeof tempDir>;
  /** The account the scoped key may see, another it may not, and what SQL says each holds. */
  let inScope: string;
  let outOfScope: string;
  let scopedKey: string;
  let familyKey: string;
  let scopedFamily: { id: string; name: string };
  let visibleRowIds: Set<number>;
  let hiddenRowId: number;

  const count = (sql: string, ...params: unknown[]) => (database.db.prepare(sql).get(...params) as { n: number }).n;
  const as = (key: string, query: string, variables?: Record<string, unknown>) => gateway.graphqlAs(key, query, variables);
  const dataAs = async (key: string, query: string, variables?: Record<string, unknown>) => {
    const response = await as(key, query, variables);
    expect(response.errors, query).toBeUndefined();
    return response.data!;
  };

  beforeAll(async () => {
    database = await tempDatabase();
    exportDir = tempDir();
    gateway = await startGateway(database.db, database.url, { exportDir: exportDir.dir });
    await loadDemoData(database.db, gateway.prisma, { rows: 3000, seed: 5 });
    const accounts = database.db.prepare('SELECT billing_account_id AS id FROM cost_records GROUP BY 1 ORDER BY COUNT(*) DESC').all() as { id: string }[];
    [inScope, outOfScope] = [accounts[1].id, accounts[0].id];
    // The account must not be one of a family's members, so that what the family holds is not in scope through it.
    scopedKey = (await createApiKey(gateway.prisma, { name: 'team', role: 'reader', scope: { accountIds: [inScope], familyIds: [] } })).key;
    visibleRowIds = new Set((database.db.prepare('SELECT id FROM cost_records WHERE billing_account_id = ? OR sub_account_id = ?').all(inScope, inScope) as { id: number }[]).map((row) => row.id));
    hiddenRowId = (database.db.prepare('SELECT id FROM cost_records WHERE billing_account_id = ? LIMIT 1').get(outOfScope) as { id: number }).id;
    scopedFamily = database.db.prepare('SELECT id, name FROM families ORDER BY name LIMIT 1').get() as { id: string; name: string };
    // A family none of whose accounts the scoped key may see.
    await createFamily(gateway.prisma, { name: 'Elsewhere', accountIds: ['acct-elsewhere'] });
    familyKey = (await createApiKey(gateway.prisma, { name: 'family team', role: 'reader', scope: { accountIds: [], familyIds: [scopedFamily.id] } })).key;
  });
  afterAll(async () => {
    await gateway.close();
    database.close();
    exportDir.remove();
  });

  it('sets up a case worth testing: rows on both sides of the scope', () => {
    expect(visibleRowIds.size).toBeGreaterThan(50);
    expect(count('SELECT COUNT(*) AS n FROM cost_records') - visibleRowIds.size).toBeGreaterThan(50);
  });

  /** The families the visible rows belong to (by the family rule), and those holding the scoped account itself. */
  const visibleFamilyIds = () =>
    (
      database.db
        .prepare(
          `SELECT ${costRecordFamilyIdSql('cr')} AS id FROM cost_records cr WHERE (cr.billing_account_id = ? OR cr.sub_account_id = ?) AND ${costRecordFamilyIdSql('cr')} IS NOT NULL
           UNION SELECT family_id FROM family_members WHERE account_id = ?`,
        )
        .all(inScope, inScope, inScope) as { id: string }[]
    ).map((row) => row.id);
  const hiddenFamily = () => {
    const visible = visibleFamilyIds();
    return (database.db.prepare('SELECT id FROM families ORDER BY id').all() as { id: string }[]).find((family) => !visible.includes(family.id))!;
  };

  /** One case per root field: each runs the field as the scoped key and checks that only in-scope data comes back. */
  const QUERY_CASES: Record<string, () => Promise<void>> = {
    costRecords: async () => {
      const data = await dataAs(scopedKey, '{ costRecords(first: 1000) { totalCount edges { node { billingAccountId subAccountId } } } }');
      expect(data.costRecords.totalCount).toBe(visibleRowIds.size);
      expect(data.costRecords.edges.every((edge: any) => edge.node.billingAccountId === inScope || edge.node.subAccountId === inScope)).toBe(true);
      // A filter naming the hidden account finds nothing.
      const filtered = await dataAs(scopedKey, 'query ($a: String!) { costRecords(filter: { billingAccountId: { eq: $a } }) { totalCount } }', { a: outOfScope });
      expect(filtered.costRecords.totalCount).toBe(0);
    },
    costSummary: async () => {
      const data = await dataAs(scopedKey, '{ costSummary(groupBy: ["billingAccountId"], granularity: MONTH, metrics: [ROW_COUNT, EFFECTIVE_COST]) { answeredFrom rows { keys { value } rowCount } } }');
      expect(data.costSummary.answeredFrom).toBe('ROLLUP');
      expect(new Set(data.costSummary.rows.map((row: any) => row.keys[0].value))).toEqual(new Set([inScope]));
      expect(data.costSummary.rows.reduce((sum: number, row: any) => sum + row.rowCount, 0)).toBe(visibleRowIds.size);
      // Every rollup gives the scope's totals, the service rollup too, which has no account columns to filter by.
      const question: CostSummaryInput = { groupBy: ['serviceName'], granularity: 'MONTH', metrics: ['rowCount', 'billedCost'], limit: 10_000 };
      const expected = costSummary(database.db, { ...question, filter: { or: [{ billingAccountId: { eq: inScope } }, { subAccountId: { eq: inScope } }] }, answerFrom: 'ROWS' });
      expect(expected.rows.length).toBeGreaterThan(3);
      const scopedDb = databaseForScope(database.db, { accountIds: [inScope], familyIds: [] });
      expect(costSummary(scopedDb, question).rollupTable).toBe('cost_monthly_service_rollups');
      const withServices = ROLLUP_TABLES.filter((rollup) => rollup.dimensions.some((column) => column.field === 'serviceName'));
      expect(withServices.length).toBeGreaterThan(2);
      for (const rollup of withServices) expect(costSummary(scopedDb, { ...question, answerFrom: rollup }).rows, rollup.table).toEqual(expected.rows);
      const byService = await dataAs(scopedKey, '{ costSummary(groupBy: ["serviceName"], granularity: MONTH, metrics: [ROW_COUNT, BILLED_COST], limit: 10000) { rows { keys { value } billingCurrency billedCost rowCount } } }');
      expect(byService.costSummary.rows).toEqual(expected.rows.map((row) => ({ keys: [{ value: row.keys[0].value }], billingCurrency: row.billingCurrency, billedCost: row.sums.billedCost, rowCount: row.rowCount })));
      const fromRows = await dataAs(scopedKey, '{ costSummary(groupBy: ["resourceId"], metrics: [ROW_COUNT]) { answeredFrom rows { rowCount } } }');
      expect(fromRows.costSummary.answeredFrom).toBe('ROWS');
      expect(fromRows.costSummary.rows.reduce((sum: number, row: any) => sum + row.rowCount, 0)).toBe(visibleRowIds.size);
    },
    kpis: async () => {
      const data = await dataAs(scopedKey, '{ kpis { dataFreshness { billingAccountId } amortizedCostByFamily { familyId familyName } effectiveSavingsRate { billingCurrency } } }');
      expect(data.kpis.dataFreshness.map((row: any) => row.billingAccountId)).toEqual([inScope]);
      const expected = visibleFamilyIds();
      const shown = data.kpis.amortizedCostByFamily.filter((row: any) => row.familyId !== null);
      expect(shown.map((row: any) => row.familyId).sort()).toEqual(expected.sort());
      expect(shown.every((row: any) => typeof row.familyName === 'string')).toBe(true);
    },
    commitmentDiscounts: async () => {
      const data = await dataAs(scopedKey, '{ commitmentDiscounts { commitmentDiscountId } }');
      const expected = new Set((database.db.prepare('SELECT DISTINCT commitment_discount_id AS id FROM cost_records WHERE billing_account_id = ? AND commitment_discount_status IS NOT NULL').all(inScope) as { id: string }[]).map((row) => row.id));
      expect(new Set(data.commitmentDiscounts.map((row: any) => row.commitmentDiscountId))).toEqual(expected);
    },
    commitments: async () => {
      const data = await dataAs(scopedKey, '{ commitments(first: 1000) { edges { node { contractCommitmentId billingAccount { accountId } } } } }');
      const hidden = new Set((database.db.prepare('SELECT contract_commitment_id AS id FROM commitments WHERE billing_account_id = ?').all(outOfScope) as { id: string }[]).map((row) => row.id));
      expect(hidden.size).toBeGreaterThan(0);
      for (const edge of data.commitments.edges) expect(hidden.has(edge.node.contractCommitmentId), edge.node.contractCommitmentId).toBe(false);
    },
    billingAccounts: async () => {
      const data = await dataAs(scopedKey, '{ billingAccounts(first: 100) { edges { node { accountId } } } }');
      expect(data.billingAccounts.edges.map((edge: any) => edge.node.accountId)).toEqual([inScope]);
    },
    billingAccount: async () => {
      const data = await dataAs(scopedKey, 'query ($a: ID!, $b: ID!) { a: billingAccount(id: $a) { accountId } b: billingAccount(id: $b) { accountId } }', {
        a: encodeGlobalID('BillingAccount', inScope),
        b: encodeGlobalID('BillingAccount', outOfScope),
      });
      expect(data).toEqual({ a: { accountId: inScope }, b: null });
    },
    billingAccountByAccountId: async () => {
      const data = await dataAs(scopedKey, 'query ($b: String!) { billingAccountByAccountId(accountId: $b) { accountId } }', { b: outOfScope });
      expect(data.billingAccountByAccountId).toBeNull();
    },
    node: async () => {
      const data = await dataAs(scopedKey, 'query ($id: ID!) { node(id: $id) { id } }', { id: encodeGlobalID('CostRecord', String(hiddenRowId)) });
      expect(data.node).toBeNull();
    },
    nodes: async () => {
      const visible = [...visibleRowIds][0];
      const data = await dataAs(scopedKey, 'query ($ids: [ID!]!) { nodes(ids: $ids) { id } }', {
        ids: [encodeGlobalID('CostRecord', String(visible)), encodeGlobalID('CostRecord', String(hiddenRowId)), encodeGlobalID('BillingAccount', outOfScope)],
      });
      expect(data.nodes).toEqual([{ id: encodeGlobalID('CostRecord', String(visible)) }, null, null]);
    },
    families: async () => {
      const data = await dataAs(scopedKey, '{ families(first: 100) { edges { node { id accounts { accountId } } } } }');
      expect(data.families.edges.map((edge: any) => edge.node.id).sort()).toEqual(visibleFamilyIds().map((id) => encodeGlobalID('Family', id)).sort());
      expect(data.families.edges.length).toBeLessThan(count('SELECT COUNT(*) AS n FROM families'));
    },
    family: async () => {
      const hidden = hiddenFamily();
      const data = await dataAs(scopedKey, 'query ($id: ID!) { family(id: $id) { name } }', { id: encodeGlobalID('Family', hidden.id) });
      expect(data.family).toBeNull();
    },
    ingestBatch: async () => {
      const data = await dataAs(scopedKey, '{ ingestBatches(first: 10) { edges { node { id } } } }');
      for (const edge of data.ingestBatches.edges) expect((await dataAs(scopedKey, 'query ($id: ID!) { ingestBatch(id: $id) { id } }', { id: edge.node.id })).ingestBatch).not.toBeNull();
    },
    ingestBatches: async () => {
      // Batches are shown when they hold a row the key may see.
      const data = await dataAs(scopedKey, '{ ingestBatches(first: 100) { edges { node { id } } } }');
      const expected = count('SELECT COUNT(DISTINCT batch_id) AS n FROM cost_records WHERE billing_account_id = ?', inScope) + count('SELECT COUNT(DISTINCT batch_id) AS n FROM commitments WHERE billing_account_id = ?', inScope);
      expect(data.ingestBatches.edges.length).toBeLessThanOrEqual(expected);
      expect(data.ingestBatches.edges.length).toBeGreaterThan(0);
    },
    schemaMetadata: async () => {
      const data = await dataAs(scopedKey, '{ schemaMetadata { freshness { billingAccountId } datasets { __typename } } }');
      expect(data.schemaMetadata.freshness.map((row: any) => row.billingAccountId)).toEqual([inScope]);
    },
    focusVersion: async () => {
      expect((await dataAs(scopedKey, '{ focusVersion }')).focusVersion).toBe('1.3');
    },
    exportJob: async () => {
      const other = await gateway.exports.start({ billingPeriodStart: new Date('2026-01-01T00:00:00Z'), billingPeriodEnd: new Date('2026-01-02T00:00:00Z'), format: 'CSV', includeContractCommitments: false }, null);
      const data = await dataAs(scopedKey, 'query ($id: ID!) { exportJob(id: $id) { id } }', { id: encodeGlobalID('ExportJob', other.id) });
      expect(data.exportJob).toBeNull();
    },
    exportJobs: async () => {
      const data = await dataAs(scopedKey, '{ exportJobs(first: 100) { edges { node { id } } } }');
      expect(data.exportJobs.edges).toEqual([]);
    },
  };

  it('walks every root query field', async () => {
    const schema = (await gateway.graphql<IntrospectionQuery>(getIntrospectionQuery())).data!.__schema;
    const queryType = schema.types.find((type) => type.name === schema.queryType.name) as unknown as { fields: { name: string }[] };
    expect(queryType.fields.map((field) => field.name).sort()).toEqual(Object.keys(QUERY_CASES).sort());
    await runCases(QUERY_CASES);
  });

  it('refuses every family mutation, exports only in-scope rows, and lets the key cancel and watch only its own jobs', async () => {
    const family = encodeGlobalID('Family', scopedFamily.id);
    const other = await gateway.exports.start({ billingPeriodStart: new Date('2026-01-01T00:00:00Z'), billingPeriodEnd: new Date('2026-01-02T00:00:00Z'), format: 'CSV', includeContractCommitments: false }, null);
    const otherJob = encodeGlobalID('ExportJob', other.id);
    const MUTATION_CASES: Record<string, () => Promise<void>> = {
      createFamily: async () => expectForbidden('mutation { createFamily(input: { name: "mine" }) { id } }'),
      updateFamily: async () => expectForbidden('mutation ($id: ID!) { updateFamily(input: { id: $id, name: "mine" }) { id } }', { id: family }),
      deleteFamily: async () => expectForbidden('mutation ($id: ID!) { deleteFamily(input: { id: $id }) { deletedFamilyId } }', { id: family }),
      addAccountsToFamily: async () => expectForbidden('mutation ($id: ID!) { addAccountsToFamily(input: { familyId: $id, accountIds: ["x"] }) { id } }', { id: family }),
      removeAccountsFromFamily: async () => expectForbidden('mutation ($id: ID!) { removeAccountsFromFamily(input: { familyId: $id, accountIds: ["x"] }) { id } }', { id: family }),
      cancelExport: async () => {
        const response = await as(scopedKey, 'mutation ($id: ID!) { cancelExport(id: $id) { id } }', { id: otherJob });
        expect(response.errors![0].extensions!.code).toBe('NOT_FOUND');
      },
      startExport: async () => {
        const started = await dataAs(scopedKey, 'mutation { startExport(input: { billingPeriodStart: "2020-01-01T00:00:00Z", billingPeriodEnd: "2030-01-01T00:00:00Z", format: JSON }) { id } }');
        const id = started.startExport.id as string;
        let job: { status: string; downloadUrl: string | null; recordCount: number | null } | undefined;
        for (let attempt = 0; attempt < 200 && job?.status !== 'COMPLETE'; attempt++) {
          job = (await dataAs(scopedKey, 'query ($id: ID!) { exportJob(id: $id) { status downloadUrl recordCount } }', { id })).exportJob;
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        expect(job!.status).toBe('COMPLETE');
        expect(job!.recordCount).toBe(visibleRowIds.size);
        const file = await fetch(job!.downloadUrl!, { headers: { authorization: `Bearer ${scopedKey}` } });
        const rows = (await file.text()).trim().split('\n').map((line) => JSON.parse(line) as { BillingAccountId: string; SubAccountId: string | null });
        expect(rows).toHaveLength(visibleRowIds.size);
        expect(rows.every((row) => row.BillingAccountId === inScope || row.SubAccountId === inScope)).toBe(true);
      },
    };
    const expectForbidden = async (query: string, variables?: Record<string, unknown>) => {
      const response = await as(scopedKey, query, variables);
      expect(response.errors?.[0]?.extensions?.code, query).toBe('FORBIDDEN');
    };
    const schema = (await gateway.graphql<IntrospectionQuery>(getIntrospectionQuery())).data!.__schema;
    const mutationType = schema.types.find((type) => type.name === schema.mutationType!.name) as unknown as { fields: { name: string }[] };
    expect(mutationType.fields.map((field) => field.name).sort()).toEqual(Object.keys(MUTATION_CASES).sort());
    await runCases(MUTATION_CASES);
    expect(count('SELECT COUNT(*) AS n FROM families WHERE name = ?', 'mine')).toBe(0);

    const client = createClient({ url: `${gateway.baseUrl.replace('http', 'ws')}/graphql`, webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${scopedKey}` }, retryAttempts: 0 });
    try {
      const outcome = await new Promise<unknown>((resolve) => {
        client.subscribe(
          { query: 'subscription ($id: ID!) { exportJobUpdated(id: $id) { status } }', variables: { id: otherJob } },
          { next: (message) => resolve(message), error: (errors) => resolve({ errors }), complete: () => resolve({}) },
        );
      });
      expect(JSON.stringify(outcome)).toMatch(/NOT_FOUND/);
    } finally {
      await client.dispose();
    }
  });

  it('limits a family-scoped key to the rows of that family by the family rule', async () => {
    const expected = count(`SELECT COUNT(*) AS n FROM cost_records cr WHERE ${costRecordFamilyIdSql('cr')} = ?`, scopedFamily.id);
    expect(expected).toBeGreaterThan(0);
    const data = await dataAs(familyKey, '{ costRecords { totalCount } families(first: 10) { edges { node { name } } } }');
    expect(data.costRecords.totalCount).toBe(expected);
    expect(data.families.edges.map((edge: any) => edge.node.name)).toEqual([scopedFamily.name]);
    const summary = await dataAs(familyKey, '{ costSummary(groupBy: ["family"], metrics: [ROW_COUNT]) { rows { keys { name } rowCount } } }');
    expect(summary.costSummary.rows).toEqual([{ keys: [{ name: scopedFamily.name }], rowCount: expected }]);
  });

  describe('REST', () => {
    const call = async (route: string, options: { method?: string; body?: unknown; key?: string } = {}) => {
      const response = await fetch(`${gateway.baseUrl}${route}`, {
        method: options.method ?? 'GET',
        headers: { authorization: `Bearer ${options.key ?? scopedKey}`, ...(options.body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
      });
      return { status: response.status, body: (await response.json()) as any };
    };
    const forbidden = (method: string, route: string, body?: unknown) => async () => expect((await call(route, { method, body })).status, `${method} ${route}`).toBe(403);

    it('walks every REST operation: only in-scope data, and no changes', async () => {
      const family = scopedFamily.id;
      const REST_CASES: Record<string, () => Promise<void>> = {
        getSchemaMetadata: async () => expect((await call('/focus/v1/schema')).body.columns.length).toBeGreaterThan(60),
        listCostAndUsage: async () => {
          const page = await call('/focus/v1/cost-and-usage?pageSize=10000');
          expect(page.body.totalRecords).toBe(visibleRowIds.size);
          expect(page.body.data).toHaveLength(visibleRowIds.size);
          expect(page.body.data.every((record: any) => record.BillingAccountId === inScope || record.SubAccountId === inScope)).toBe(true);
          expect((await call(`/focus/v1/cost-and-usage?subAccountId=${encodeURIComponent(outOfScope)}`)).body.totalRecords).toBe(0);
        },
        exportCostAndUsage: async () => {
          const started = await call('/focus/v1/cost-and-usage/export', { method: 'POST', body: { billingPeriodStart: '2020-01-01T00:00:00Z', billingPeriodEnd: '2030-01-01T00:00:00Z', format: 'json' } });
          expect(started.status).toBe(202);
          let job = started.body;
          for (let attempt = 0; attempt < 200 && job.status !== 'Complete'; attempt++) {
            await new Promise((resolve) => setTimeout(resolve, 50));
            job = (await call(`/focus/v1/cost-and-usage/export/${job.jobId}`)).body;
          }
          expect(job).toMatchObject({ status: 'Complete', recordCount: visibleRowIds.size });
          const file = await (await fetch(job.downloadUrl, { headers: { authorization: `Bearer ${scopedKey}` } })).text();
          const rows = file.trim().split('\n').map((line) => JSON.parse(line) as { BillingAccountId: string; SubAccountId: string | null });
          expect(rows.every((row) => row.BillingAccountId === inScope || row.SubAccountId === inScope)).toBe(true);
        },
        getCostAndUsageExportStatus: async () => {
          const other = await gateway.exports.start({ billingPeriodStart: new Date('2026-01-01T00:00:00Z'), billingPeriodEnd: new Date('2026-01-02T00:00:00Z'), format: 'CSV', includeContractCommitments: false }, null);
          expect((await call(`/focus/v1/cost-and-usage/export/${other.id}`)).status).toBe(404);
          const download = await fetch(`${gateway.baseUrl}/exports/${other.id}/file`, { headers: { authorization: `Bearer ${scopedKey}` } });
          expect(download.status).toBe(404);
        },
        listContractCommitments: async () => {
          const commitments = await call('/focus/v1/contract-commitments?pageSize=10000');
          expect(commitments.body.data.some((record: any) => record.BillingAccountId === outOfScope)).toBe(false);
        },
        listBillingEngineAccounts: async () => {
          expect((await call('/billingEngine/account')).body.response.items.map((item: any) => item.accountId)).toEqual([inScope]);
          expect((await call(`/billingEngine/account?accountId=${encodeURIComponent(outOfScope)}`)).body.response.items).toEqual([]);
        },
        listAccountFamilies: async () => {
          const families = await call('/billingEngine/family');
          expect(families.body.response.items.map((item: any) => item.id).sort()).toEqual(visibleFamilyIds().sort());
        },
        getAccountFamily: async () => expect((await call(`/billingEngine/family/${hiddenFamily().id}`)).status).toBe(404),
        getCostAnalysis: async () => {
          const cost = await call('/billingEngine/cost?groupBy=account');
          expect(cost.body.response.items.reduce((sum: number, item: any) => sum + item.rowCount, 0)).toBe(visibleRowIds.size);
        },
        setupBillingEngine: forbidden('POST', '/billingEngine/setup', { billingEngine: { cloudProvider: 'aws', billingAccountId: inScope, bucketName: '/tmp' } }),
        validateBillingEngineSetup: forbidden('POST', '/billingEngine/setup/validation', { billingEngine: { billingAccountId: inScope } }),
        setupCostIntelligence: forbidden('POST', '/costIntelligence/setup', { costIntelligence: { cloudProvider: 'aws', billingAccountId: inScope } }),
        validateCostIntelligenceSetup: forbidden('POST', '/costIntelligence/setup/validation', { costIntelligence: { billingAccountId: inScope } }),
        createAccountFamily: forbidden('POST', '/billingEngine/family', { family: { name: 'mine' } }),
        updateAccountFamily: forbidden('PUT', `/billingEngine/family/${family}`, { family: { name: 'mine' } }),
        deleteAccountFamily: forbidden('DELETE', `/billingEngine/family/${family}`),
      };
      expect([...FOCUS_API.routes, ...SPOT_API.routes].map((route) => route.operationId).sort()).toEqual(Object.keys(REST_CASES).sort());
      await runCases(REST_CASES);
      expect(count('SELECT COUNT(*) AS n FROM families WHERE id = ?', family)).toBe(1);
    });
  });
});
