import { chmodSync, copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeDemoFiles } from '../src/demo/load.ts';
import { fileSource, ingest } from '../src/ingest/service.ts';
import { AWS_COST_SAMPLE, startGateway, tempDatabase, tempDir } from './helpers.ts';
import { SchemaChecker, SPOT_CONTRACT } from './rest-contracts.ts';

const ALL_OPERATIONS: [string, string][] = Object.entries(SPOT_CONTRACT.paths as Record<string, Record<string, unknown>>).flatMap(([route, methods]) =>
  Object.keys(methods).map((method): [string, string] => [route, method]),
);

describe('Spot Billing Engine REST API', () => {
  let database: Awaited<ReturnType<typeof tempDatabase>>;
  let gateway: Awaited<ReturnType<typeof startGateway>>;
  let files: ReturnType<typeof tempDir>;
  const schemas = new SchemaChecker().add('spot', SPOT_CONTRACT);
  /** A directory of demo exports, whose cost file is also loaded. */
  let demoSource: string;
  let loadedAccount: string;
  let otherAccount: string;

  async function call(route: string, options: { key?: string | null; method?: string; body?: unknown } = {}) {
    const key = options.key === undefined ? gateway.keys.admin : options.key;
    const response = await fetch(`${gateway.baseUrl}${route}`, {
      method: options.method ?? 'GET',
      headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...(options.body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: options.body === undefined ? undefined : typeof options.body === 'string' ? options.body : JSON.stringify(options.body),
    });
    expect(response.headers.get('content-type')).toBe('application/json');
    return { status: response.status, headers: response.headers, body: (await response.json()) as any };
  }

  /** Calls an operation and checks the reply against both the contract and the gateway's own /openapi.json. */
  async function operation(operationPath: string, method: string, route: string, options: { key?: string | null; body?: unknown; status?: number } = {}) {
    const response = await call(route, { ...options, method: method.toUpperCase() });
    const status = options.status ?? 200;
    // The contract documents success responses only; errors are checked against the gateway's own document.
    if (status < 400) schemas.check('spot', operationPath, method, response, status);
    schemas.check('own', operationPath, method, response, status);
    const { request } = response.body;
    expect(request).toMatchObject({ method: method.toUpperCase(), url: route });
    expect(Number.isNaN(Date.parse(request.timestamp))).toBe(false);
    if (status < 400) {
      expect(response.body.response.status).toEqual({ code: status, message: expect.any(String) });
      expect(response.body.response.count).toBe(response.body.response.items.length);
    } else {
      expect(response.body.response.status.code).toBe(status);
      expect(response.body.response.errors[0]).toEqual(expect.objectContaining({ code: expect.any(String), message: expect.any(String) }));
    }
    return response.body.response;
  }

  const validateBillingEngine = (billingAccountId: string, cloudProvider?: string) =>
    operation('/billingEngine/setup/validation', 'post', '/billingEngine/setup/validation', { body: { billingEngine: { billingAccountId, cloudProvider } } });
  const setup = (billingAccountId: string, bucketName: string, cloudProvider = 'aws') =>
    operation('/billingEngine/setup', 'post', '/billingEngine/setup', { body: { billingEngine: { cloudProvider, billingAccountId, bucketName } } });
  const stepStatuses = (steps: { id: string; status: string }[]) => Object.fromEntries(steps.map((step) => [step.id, step.status]));

  function sourceDir(name: string): string {
    const dir = path.join(files.dir, name);
    mkdirSync(dir, { recursive: true });
    return dir;
  }

  beforeAll(async () => {
    database = await tempDatabase();
    files = tempDir();
    gateway = await startGateway(database.db, database.url);
    demoSource = sourceDir('demo-exports');
    const { costFile } = await writeDemoFiles(path.join(demoSource, 'focus.csv'), { rows: 1500, seed: 11 });
    await ingest(database.db, fileSource(costFile));
    const accounts = database.db.prepare('SELECT billing_account_id AS id, COUNT(*) AS n FROM cost_records GROUP BY 1 ORDER BY n DESC').all() as { id: string }[];
    [loadedAccount, otherAccount] = accounts.map((account) => account.id);
    const document = (await (await fetch(`${gateway.baseUrl}/openapi.json`)).json()) as Record<string, any>;
    schemas.add('own', document);
  });
  afterAll(async () => {
    await gateway.close();
    database.close();
    files.remove();
  });

  it('answers 401 in the envelope, with a challenge, on every operation without a valid key', async () => {
    for (const [operationPath, method] of ALL_OPERATIONS) {
      const route = operationPath.replace('{familyId}', 'f-1');
      for (const key of [null, 'fgw_wrong']) {
        const response = await call(route, { key, method: method.toUpperCase(), body: method === 'get' || method === 'delete' ? undefined : {} });
        expect(response.status, `${method} ${route}`).toBe(401);
        expect(response.headers.get('www-authenticate')).toMatch(/^Bearer/);
        schemas.check('own', operationPath, method, response, 401);
        expect(response.body.response.errors[0].code).toBe('UNAUTHENTICATED');
      }
    }
  });

  it('lists the accounts seen in the data, as the contract shapes them, and filters by accountId', async () => {
    const response = await operation('/billingEngine/account', 'get', '/billingEngine/account');
    expect(response.kind).toBe('billingEngine:account');
    const ids = response.items.map((item: { accountId: string }) => item.accountId);
    expect(ids).toContain(loadedAccount);
    expect(ids).toEqual([...ids].sort());
    const one = await operation('/billingEngine/account', 'get', `/billingEngine/account?accountId=${encodeURIComponent(loadedAccount)}`);
    expect(one.items).toEqual([expect.objectContaining({ accountId: loadedAccount, billingAccountId: loadedAccount, status: 'notConnected', setupStatus: 'NOT_CONFIGURED' })]);
    const unknownParameter = await operation('/billingEngine/account', 'get', '/billingEngine/account?acountId=x', { status: 400 });
    expect(unknownParameter.errors[0].message).toMatch(/acountId/);
  });

  it('sets up an account, validates every step, and reports it connected; readers cannot set up', async () => {
    const reader = await operation('/billingEngine/setup', 'post', '/billingEngine/setup', {
      key: gateway.keys.reader,
      body: { billingEngine: { cloudProvider: 'aws', billingAccountId: loadedAccount, bucketName: demoSource } },
      status: 403,
    });
    expect(reader.errors[0].code).toBe('FORBIDDEN');

    const provider = cloudProviderOfAccount(loadedAccount);
    const registered = await setup(loadedAccount, pathToFileURL(demoSource).href, provider);
    expect(registered.items[0]).toMatchObject({ accountId: loadedAccount, status: 'partiallyConnected', setupStatus: 'CONFIGURED', dataSource: pathToFileURL(demoSource).href });

    const validation = await validateBillingEngine(loadedAccount, provider);
    expect(validation.kind).toBe('billingEngine:setup:validation');
    expect(stepStatuses(validation.items)).toEqual({
      accountSetup: 'success',
      cloudProvider: 'success',
      sourceReadable: 'success',
      focusFiles: 'success',
      accountRows: 'success',
      conformance: 'success',
      dataLoaded: 'success',
    });
    const account = await operation('/billingEngine/account', 'get', `/billingEngine/account?accountId=${encodeURIComponent(loadedAccount)}`);
    expect(account.items[0]).toMatchObject({ status: 'connected', setupStatus: 'VALIDATED' });
  });

  /** The account's cloud provider as the demo world names it. */
  function cloudProviderOfAccount(accountId: string): string {
    const { provider } = database.db.prepare('SELECT provider FROM billing_accounts WHERE id = ?').get(accountId) as { provider: string };
    return /amazon|aws/i.test(provider) ? 'aws' : /microsoft/i.test(provider) ? 'azure' : /google/i.test(provider) ? 'gcp' : 'oci';
  }

  describe('each validation step can fail', () => {
    it('accountSetup: an account without a setup fails, and the rest is skipped', async () => {
      const { items } = await validateBillingEngine('never-registered');
      expect(items[0]).toMatchObject({ id: 'accountSetup', status: 'failed', validationInfo: expect.stringMatching(/no Billing Engine setup/) });
      expect(items.slice(1).every((step: { status: string }) => step.status === 'skipped')).toBe(true);
    });

    it('cloudProvider: validating as another provider than the setup fails', async () => {
      await setup('acct-provider', demoSource, 'aws');
      expect(stepStatuses((await validateBillingEngine('acct-provider', 'gcp')).items)).toMatchObject({ accountSetup: 'success', cloudProvider: 'failed', sourceReadable: 'skipped' });
    });

    it('sourceReadable: a bucket name, a missing directory and an unreadable one fail, and the account is then partiallyConnected', async () => {
      await setup('acct-bucket', 'my-cur-bucket');
      const bucket = (await validateBillingEngine('acct-bucket')).items;
      expect(bucket[2]).toMatchObject({ id: 'sourceReadable', status: 'failed', validationInfo: expect.stringMatching(/bucket name/) });
      await setup('acct-bad-url', 'file:///%ZZ');
      expect((await validateBillingEngine('acct-bad-url')).items[2]).toMatchObject({ status: 'failed', validationInfo: expect.stringMatching(/not a local file URL/) });
      await setup('acct-missing', path.join(files.dir, 'nowhere'));
      expect((await validateBillingEngine('acct-missing')).items[2]).toMatchObject({ status: 'failed', validationInfo: expect.stringMatching(/ENOENT/) });
      const locked = sourceDir('locked');
      chmodSync(locked, 0o000);
      await setup('acct-locked', locked);
      const lockedStep = (await validateBillingEngine('acct-locked')).items[2];
      chmodSync(locked, 0o755);
      // root reads anything: then the empty directory is what fails next.
      if (process.getuid?.() === 0) expect(lockedStep.status).toBe('success');
      else expect(lockedStep).toMatchObject({ status: 'failed', validationInfo: expect.stringMatching(/EACCES/) });
      const account = await operation('/billingEngine/account', 'get', '/billingEngine/account?accountId=acct-bucket');
      expect(account.items[0]).toMatchObject({ status: 'partiallyConnected', setupStatus: 'FAILED' });
    });

    it('focusFiles: a directory without FOCUS files fails, naming why', async () => {
      const dir = sourceDir('not-focus');
      writeFileSync(path.join(dir, 'invoice.csv'), 'InvoiceId,Amount\nINV-1,10.00\n');
      await setup('acct-not-focus', dir);
      const step = (await validateBillingEngine('acct-not-focus')).items[3];
      expect(step).toMatchObject({ id: 'focusFiles', status: 'failed', validationInfo: expect.stringMatching(/invoice\.csv.*(missing|mandatory|column)/i) });
      const empty = sourceDir('empty');
      await setup('acct-empty', empty);
      expect((await validateBillingEngine('acct-empty')).items[3]).toMatchObject({ status: 'failed', validationInfo: expect.stringMatching(/no \.csv/) });
    });

    it('accountRows: FOCUS files of other accounts fail, naming the accounts they hold', async () => {
      const dir = sourceDir('other-account');
      copyFileSync(AWS_COST_SAMPLE, path.join(dir, 'aws.csv'));
      await setup('acct-elsewhere', dir);
      const step = (await validateBillingEngine('acct-elsewhere')).items[4];
      expect(step).toMatchObject({ id: 'accountRows', status: 'failed', validationInfo: expect.stringMatching(/100000000001/) });
    });

    it('conformance: an unusable row fails with file, line and column; usable rule violations warn', async () => {
      const lines = readFileSync(AWS_COST_SAMPLE, 'utf8').split('\n');
      const header = lines[0].split(',');
      const broken = sourceDir('broken');
      const periodStart = header.indexOf('BillingPeriodStart');
      const row = lines[1].split(',');
      row[periodStart] = 'not-a-date';
      writeFileSync(path.join(broken, 'aws.csv'), [lines[0], row.join(','), ...lines.slice(2)].join('\n'));
      await setup('100000000001', broken);
      const failed = (await validateBillingEngine('100000000001')).items;
      expect(failed[5]).toMatchObject({ id: 'conformance', status: 'failed', validationInfo: expect.stringMatching(/1 unusable row.*aws\.csv:2: BillingPeriodStart: /) });
      expect(failed[6].status).toBe('skipped');

      // The sample keeps more significant digits than a double holds: rows load, with a finding per value.
      const usable = sourceDir('usable');
      copyFileSync(AWS_COST_SAMPLE, path.join(usable, 'aws.csv'));
      await setup('100000000001', usable);
      const warned = (await validateBillingEngine('100000000001')).items;
      expect(warned[5]).toMatchObject({ id: 'conformance', status: 'warning', validationInfo: expect.stringMatching(/GW-PRECISION/) });
      // dataLoaded: the sample's rows are not loaded.
      expect(warned[6]).toMatchObject({ id: 'dataLoaded', status: 'warning', validationInfo: expect.stringMatching(/focus-gateway ingest/) });
      const account = await operation('/billingEngine/account', 'get', '/billingEngine/account?accountId=100000000001');
      expect(account.items[0]).toMatchObject({ status: 'connected', setupStatus: 'VALIDATED', cloudProvider: 'aws' });
    });
  });

  describe('Cost Intelligence', () => {
    const ciSetup = (billingAccountId: string, status = 200) =>
      operation('/costIntelligence/setup', 'post', '/costIntelligence/setup', { body: { costIntelligence: { cloudProvider: 'aws', billingAccountId } }, status });
    const ciValidate = (billingAccountId: string) =>
      operation('/costIntelligence/setup/validation', 'post', '/costIntelligence/setup/validation', { body: { costIntelligence: { billingAccountId } } });

    it('needs Billing Engine set up first: setup answers 400 and validation says so', async () => {
      const refused = await ciSetup('ci-no-billing-engine', 400);
      expect(refused.errors[0]).toMatchObject({ code: 'FAILED_PRECONDITION', message: expect.stringMatching(/Billing Engine is not set up/) });
      const { items } = await ciValidate('ci-no-billing-engine');
      expect(items[0]).toMatchObject({ id: 'billingEngineSetup', status: 'failed' });
      expect(items.slice(1).every((step: { status: string }) => step.status === 'skipped')).toBe(true);
    });

    it('fails while Cost Intelligence itself is not set up, and when no cost rows are loaded', async () => {
      await setup('ci-empty', demoSource);
      expect(stepStatuses((await ciValidate('ci-empty')).items)).toMatchObject({ billingEngineSetup: 'warning', costIntelligenceSetup: 'failed' });
      await ciSetup('ci-empty');
      expect(stepStatuses((await ciValidate('ci-empty')).items)).toMatchObject({ costIntelligenceSetup: 'success', costData: 'failed', resourceDetail: 'skipped' });
    });

    it('passes for a validated account with loaded, tagged, resource-level rows', async () => {
      const provider = cloudProviderOfAccount(loadedAccount);
      await setup(loadedAccount, demoSource, provider);
      await validateBillingEngine(loadedAccount);
      const account = await operation('/costIntelligence/setup', 'post', '/costIntelligence/setup', {
        body: { costIntelligence: { cloudProvider: provider, billingAccountId: loadedAccount } },
      });
      expect(account.items[0]).toMatchObject({ costIntelligenceStatus: 'CONFIGURED' });
      expect(stepStatuses((await ciValidate(loadedAccount)).items)).toEqual({
        billingEngineSetup: 'success',
        costIntelligenceSetup: 'success',
        cloudProvider: 'success',
        costData: 'success',
        resourceDetail: 'success',
        tags: 'success',
      });
      const listed = await operation('/billingEngine/account', 'get', `/billingEngine/account?accountId=${encodeURIComponent(loadedAccount)}`);
      expect(listed.items[0].costIntelligenceStatus).toBe('VALIDATED');
    });
  });

  describe('families', () => {
    it('creates, lists, reads, replaces and deletes families that GraphQL sees too', async () => {
      const created = await operation('/billingEngine/family', 'post', '/billingEngine/family', {
        body: { family: { name: 'Retail', description: 'shops', accountIds: [loadedAccount] } },
      });
      const family = created.items[0];
      expect(family).toMatchObject({ name: 'Retail', description: 'shops', accountIds: [loadedAccount] });

      const graphql = await gateway.graphql('{ families(first: 10) { edges { node { name accounts { accountId } } } } }');
      expect(graphql.data!.families.edges).toContainEqual({ node: { name: 'Retail', accounts: [{ accountId: loadedAccount }] } });

      const listed = await operation('/billingEngine/family', 'get', '/billingEngine/family');
      expect(listed.items.map((item: { name: string }) => item.name)).toContain('Retail');
      expect((await operation('/billingEngine/family/{familyId}', 'get', `/billingEngine/family/${family.id}`)).items).toEqual([family]);

      const replaced = await operation('/billingEngine/family/{familyId}', 'put', `/billingEngine/family/${family.id}`, {
        body: { family: { accountIds: [otherAccount, 'sub-1'] } },
      });
      expect(replaced.items[0]).toMatchObject({ name: 'Retail', description: 'shops', accountIds: [otherAccount, 'sub-1'].sort() });

      const conflict = await operation('/billingEngine/family', 'post', '/billingEngine/family', { body: { family: { name: 'Other', accountIds: ['sub-1'] } }, status: 409 });
      expect(conflict.errors[0]).toMatchObject({ code: 'CONFLICT', message: expect.stringMatching(/sub-1.*Retail/) });
      const blank = await operation('/billingEngine/family', 'post', '/billingEngine/family', { body: { family: { name: '' } }, status: 400 });
      expect(blank.errors[0].message).toMatch(/body\.family\.name/);

      const deleted = await operation('/billingEngine/family/{familyId}', 'delete', `/billingEngine/family/${family.id}`);
      expect(deleted.items[0].id).toBe(family.id);
      const missing = await operation('/billingEngine/family/{familyId}', 'get', `/billingEngine/family/${family.id}`, { status: 404 });
      expect(missing.errors[0].code).toBe('NOT_FOUND');
      await operation('/billingEngine/family/{familyId}', 'put', `/billingEngine/family/${family.id}`, { body: { family: { name: 'x' } }, status: 404 });
      await operation('/billingEngine/family/{familyId}', 'delete', `/billingEngine/family/${family.id}`, { status: 404 });
    });

    it('refuses family changes with a reader key', async () => {
      const response = await operation('/billingEngine/family', 'post', '/billingEngine/family', { key: gateway.keys.reader, body: { family: { name: 'R' } }, status: 403 });
      expect(response.errors[0].code).toBe('FORBIDDEN');
    });
  });

  describe('cost', () => {
    const DIMENSIONS = { account: 'subAccountId', service: 'serviceName', region: 'regionId', family: 'family' } as const;

    it('totals equal GraphQL costSummary for the same period and grouping, for every groupBy', async () => {
      await operation('/billingEngine/family', 'post', '/billingEngine/family', { body: { family: { name: 'Cost family', accountIds: [loadedAccount] } } });
      const { earliest } = database.db.prepare('SELECT MIN(charge_period_start) AS earliest FROM cost_records').get() as { earliest: number };
      const fromDate = new Date(earliest + 86_400_000).toISOString().slice(0, 10);
      const toDate = new Date(earliest + 5 * 86_400_000).toISOString().slice(0, 10);
      for (const [groupBy, dimension] of Object.entries(DIMENSIONS)) {
        const rest = await operation('/billingEngine/cost', 'get', `/billingEngine/cost?groupBy=${groupBy}&fromDate=${fromDate}&toDate=${toDate}&accountId=${encodeURIComponent(loadedAccount)}`);
        const graphql = await gateway.graphql(
          `query ($filter: CostRecordFilter, $groupBy: [String!]) {
             costSummary(filter: $filter, groupBy: $groupBy, metrics: [BILLED_COST, EFFECTIVE_COST, LIST_COST, CONTRACTED_COST, ROW_COUNT], limit: 10000) {
               rows { keys { value } billingCurrency billedCost effectiveCost listCost contractedCost rowCount }
             }
           }`,
          {
            groupBy: [dimension],
            filter: { billingAccountId: { eq: loadedAccount }, chargePeriodStart: { gte: `${fromDate}T00:00:00Z`, lt: new Date(Date.parse(`${toDate}T00:00:00Z`) + 86_400_000).toISOString() } },
          },
        );
        const expected = graphql.data!.costSummary.rows.map((row: any) => `${row.keys[0].value}|${row.billingCurrency}|${row.billedCost}|${row.effectiveCost}|${row.listCost}|${row.contractedCost}|${row.rowCount}`);
        const actual = rest.items.map((item: any) => `${item.key}|${item.billingCurrency}|${item.billedCost}|${item.effectiveCost}|${item.listCost}|${item.contractedCost}|${item.rowCount}`);
        expect(actual.length, groupBy).toBeGreaterThan(0);
        expect(actual.sort(), groupBy).toEqual(expected.sort());
        expect(rest.items.every((item: { groupBy: string }) => item.groupBy === groupBy)).toBe(true);
      }
    });

    it('answers 400 for an unknown groupBy, a malformed date and a reversed range', async () => {
      for (const query of ['groupBy=team', 'fromDate=2026-13-01', 'fromDate=2026-02-01&toDate=2026-01-01', 'fromDate=2026-01-01&fromDate=2026-01-02']) {
        const response = await operation('/billingEngine/cost', 'get', `/billingEngine/cost?${query}`, { status: 400 });
        expect(response.errors[0].code, query).toBe('BAD_USER_INPUT');
      }
    });
  });

  it('answers 404 for an unknown path and 405 with Allow for a method a path lacks, in the envelope', async () => {
    const notFound = await call('/billingEngine/nothing');
    expect(notFound.status).toBe(404);
    expect(notFound.body.response.errors[0].code).toBe('NOT_FOUND');
    const notAllowed = await call('/billingEngine/account', { method: 'DELETE' });
    expect(notAllowed.status).toBe(405);
    expect(notAllowed.headers.get('allow')).toBe('GET');
    const badJson = await call('/billingEngine/family', { method: 'POST', body: '{"family":' });
    expect(badJson.status).toBe(400);
    expect(badJson.body.response.errors[0].message).toMatch(/not valid JSON/);
  });
});
