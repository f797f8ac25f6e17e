import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../src/auth/keys.ts';
import { COST_AND_USAGE_COLUMNS } from '../src/focus/columns.ts';
import { loadDemoData } from '../src/demo/load.ts';
import { fileSource, ingest } from '../src/ingest/service.ts';
import { AWS_COMMITMENT_SAMPLE, AWS_COST_SAMPLE, readCsvObjects, startGateway, tempDatabase, tempDir } from './helpers.ts';
import { FOCUS_CONTRACT, SchemaChecker } from './rest-contracts.ts';

const schemas = new SchemaChecker().add('focus', FOCUS_CONTRACT);

/** Checks a response's status and body against the contract's schema, and against the gateway's own /openapi.json. */
function expectConforms(operationPath: string, method: string, status: number, response: { status: number; body: unknown }) {
  schemas.check('focus', operationPath, method, response, status);
  schemas.check('own', `/focus/v1${operationPath}`, method, response, status);
}

describe('FOCUS Cost and Usage REST API (/focus/v1)', () => {
  let database: Awaited<ReturnType<typeof tempDatabase>>;
  let gateway: Awaited<ReturnType<typeof startGateway>>;
  let exportDir: ReturnType<typeof tempDir>;

  async function call(route: string, options: { key?: string | null; method?: string; body?: unknown; headers?: Record<string, string> } = {}) {
    const key = options.key === undefined ? gateway.keys.reader : options.key;
    const headers: Record<string, string> = { ...(key ? { authorization: `Bearer ${key}` } : {}), ...options.headers };
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(`${gateway.baseUrl}/focus/v1${route}`, {
      method: options.method ?? 'GET',
      headers,
      body: options.body === undefined ? undefined : typeof options.body === 'string' ? options.body : JSON.stringify(options.body),
    });
    expect(response.headers.get('content-type')).toBe('application/json');
    return { status: response.status, body: (await response.json()) as any };
  }

  beforeAll(async () => {
    database = await tempDatabase();
    exportDir = tempDir();
    gateway = await startGateway(database.db, database.url, { exportDir: exportDir.dir });
    await loadDemoData(database.db, gateway.prisma, { rows: 3000, seed: 5 });
    schemas.add('own', (await (await fetch(`${gateway.baseUrl}/openapi.json`)).json()) as Record<string, any>);
  });
  afterAll(async () => {
    await gateway.close();
    database.close();
    exportDir.remove();
  });

  describe('authentication and errors', () => {
    it('answers 401 without a key or with a wrong one, on every operation', async () => {
      for (const [route, method] of [
        ['/schema', 'get'],
        ['/cost-and-usage', 'get'],
        ['/contract-commitments', 'get'],
        ['/cost-and-usage/export', 'post'],
      ] as const) {
        const missing = await call(route, { key: null, method: method.toUpperCase(), body: method === 'post' ? {} : undefined });
        expectConforms(route, method, 401, missing);
        expect(missing.body.code).toBe('UNAUTHENTICATED');
        const wrong = await call(route, { key: 'fgw_not-a-real-key', method: method.toUpperCase(), body: method === 'post' ? {} : undefined });
        expect(wrong.status).toBe(401);
      }
    });

    it('accepts the key as X-API-Key too', async () => {
      const response = await call('/schema', { key: null, headers: { 'x-api-key': gateway.keys.reader } });
      expectConforms('/schema', 'get', 200, response);
    });

    it('answers 405 with Allow for a method its path does not have', async () => {
      const response = await fetch(`${gateway.baseUrl}/focus/v1/schema`, { method: 'DELETE', headers: { authorization: `Bearer ${gateway.keys.reader}` } });
      expect(response.status).toBe(405);
      expect(response.headers.get('allow')).toBe('GET');
      expect(await response.json()).toMatchObject({ code: 'METHOD_NOT_ALLOWED' });
    });

    it('answers 429 with Retry-After once a key has used up its requests, and only for that key', async () => {
      const limited = await startGateway(database.db, database.url, { exportDir: exportDir.dir }, { perMinute: 60, burst: 2 });
      try {
        const get = (key: string) => fetch(`${limited.baseUrl}/focus/v1/cost-and-usage?pageSize=1`, { headers: { authorization: `Bearer ${key}` } });
        expect((await get(limited.keys.reader)).status).toBe(200);
        expect((await get(limited.keys.reader)).status).toBe(200);
        const refused = await get(limited.keys.reader);
        const body = await refused.json();
        expectConforms('/cost-and-usage', 'get', 429, { status: refused.status, body });
        expect(refused.status).toBe(429);
        expect(body.code).toBe('RATE_LIMITED');
        expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
        expect((await get(limited.keys.admin)).status).toBe(200);
      } finally {
        await limited.close();
      }
    });

    it('answers 429 to an export request while the key has as many exports unfinished as it may', async () => {
      const limited = await startGateway(database.db, database.url, { exportDir: exportDir.dir, maxActivePerKey: 1, concurrency: 1 });
      try {
        const start = () =>
          fetch(`${limited.baseUrl}/focus/v1/cost-and-usage/export`, {
            method: 'POST',
            headers: { authorization: `Bearer ${limited.keys.reader}`, 'content-type': 'application/json' },
            body: JSON.stringify({ billingPeriodStart: '2020-01-01T00:00:00Z', billingPeriodEnd: '2030-01-01T00:00:00Z' }),
          });
        expect((await start()).status).toBe(202);
        const refused = await start();
        const body = await refused.json();
        // The contract lists no 429 for this operation; the gateway's own document does.
        schemas.check('own', '/focus/v1/cost-and-usage/export', 'post', { status: refused.status, body }, 429);
        expect(body).toEqual({ code: 'RATE_LIMITED', message: expect.any(String), details: null });
        expect(body).toMatchObject({ code: 'RATE_LIMITED', message: expect.stringMatching(/already has 1 exports pending or processing/) });
        expect(refused.headers.get('retry-after')).toBe('30');
      } finally {
        await limited.close();
      }
    });

    it('treats query parameters named like object properties as the unknown parameters they are', async () => {
      for (const name of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) {
        const response = await call(`/cost-and-usage?${name}=1`);
        expect(response.status, name).toBe(400);
        expect(response.body.message, name).toMatch(new RegExp(`Unrecognized key: "${name}"`));
      }
    });

    it('answers 404 with the Error shape for an unknown route', async () => {
      const response = await call('/no-such-thing');
      expect(response.status).toBe(404);
      expect(response.body).toMatchObject({ code: 'NOT_FOUND' });
      expect(typeof response.body.message).toBe('string');
    });
  });

  it('GET /schema: the FOCUS version, generator and the Cost and Usage catalog', async () => {
    const response = await call('/schema');
    expectConforms('/schema', 'get', 200, response);
    const packageJson = JSON.parse(readFileSync(path.join(import.meta.dirname, '../package.json'), 'utf8'));
    expect(response.body).toMatchObject({ focusVersion: '1.3', dataGeneratorName: packageJson.name, dataGeneratorVersion: packageJson.version });
    expect(response.body.datasets).toEqual(['CostAndUsage', 'ContractCommitment']);
    expect(response.body.columns.map((column: { columnName: string }) => column.columnName)).toEqual(COST_AND_USAGE_COLUMNS.map((column) => column.name));
    expect(response.body.columns.find((column: { columnName: string }) => column.columnName === 'BilledCost')).toMatchObject({
      dataType: 'Number',
      requirement: 'Must',
      nullable: false,
      category: 'Metric',
    });
  });

  describe('GET /cost-and-usage', () => {
    it('returns spec records with the totals and status fields', async () => {
      const response = await call('/cost-and-usage?pageSize=50');
      expectConforms('/cost-and-usage', 'get', 200, response);
      const total = (database.db.prepare('SELECT COUNT(*) AS n FROM cost_records').get() as { n: number }).n;
      expect(response.body.data).toHaveLength(50);
      expect(response.body.totalRecords).toBe(total);
      expect(typeof response.body.nextPageToken).toBe('string');
      expect(['Complete', 'Incomplete']).toContain(response.body.dataCompleteness);
      const latest = (database.db.prepare('SELECT MAX(completed_at) AS t FROM ingest_batches WHERE id IN (SELECT batch_id FROM cost_records)').get() as { t: number }).t;
      expect(response.body.dataLastUpdated).toBe(new Date(latest).toISOString());
      const first = response.body.data[0];
      const stored = database.db.prepare('SELECT * FROM cost_records ORDER BY id LIMIT 1').get() as Record<string, any>;
      expect(first.BilledCost).toBe(stored.billed_cost);
      expect(first.ChargePeriodStart).toBe(new Date(stored.charge_period_start).toISOString());
      if (stored.region_id !== null) expect(first.Region).toBe(stored.region_id);
    });

    it('applies every filter parameter as the matching stored column', async () => {
      const sample = database.db.prepare('SELECT * FROM cost_records WHERE region_id IS NOT NULL AND resource_id IS NOT NULL LIMIT 1').get() as Record<string, any>;
      const filters: [string, string, string][] = [
        ['chargeCategory', 'charge_category', sample.charge_category],
        ['providerName', 'service_provider_name', sample.service_provider_name],
        ['serviceName', 'service_name', sample.service_name],
        ['serviceCategory', 'service_category', sample.service_category],
        ['region', 'region_id', sample.region_id],
        ['resourceId', 'resource_id', sample.resource_id],
        ['subAccountId', 'sub_account_id', sample.sub_account_id],
        ['billingCurrency', 'billing_currency', sample.billing_currency],
      ];
      for (const [parameter, column, value] of filters) {
        const response = await call(`/cost-and-usage?pageSize=10000&${parameter}=${encodeURIComponent(value)}`);
        expectConforms('/cost-and-usage', 'get', 200, response);
        const expected = (database.db.prepare(`SELECT COUNT(*) AS n FROM cost_records WHERE ${column} = ?`).get(value) as { n: number }).n;
        expect(response.body.totalRecords, parameter).toBe(expected);
        expect(response.body.data, parameter).toHaveLength(expected);
        expect(response.body.nextPageToken).toBeNull();
      }
    });

    it('selects rows whose billing period overlaps [billingPeriodStart, billingPeriodEnd)', async () => {
      const period = database.db.prepare('SELECT billing_period_start AS s, billing_period_end AS e FROM cost_records ORDER BY billing_period_start LIMIT 1').get() as { s: number; e: number };
      const start = new Date(period.s).toISOString();
      const end = new Date(period.e).toISOString();
      const response = await call(`/cost-and-usage?billingPeriodStart=${start}&billingPeriodEnd=${end}&pageSize=1`);
      expectConforms('/cost-and-usage', 'get', 200, response);
      const expected = (database.db.prepare('SELECT COUNT(*) AS n FROM cost_records WHERE billing_period_start < ? AND billing_period_end > ?').get(period.e, period.s) as { n: number }).n;
      expect(expected).toBeGreaterThan(0);
      expect(response.body.totalRecords).toBe(expected);
      expect(response.body.data[0].BillingPeriodStart).toBe(start);
      // A period long past, never restated: final.
      expect(period.e).toBeLessThan(Date.now());
      expect(response.body.dataCompleteness).toBe('Complete');
    });

    it('pages a whole filtered dataset with pageToken, losing and repeating no row', async () => {
      const serviceName = (database.db.prepare('SELECT service_name AS s FROM cost_records GROUP BY 1 ORDER BY COUNT(*) DESC LIMIT 1').get() as { s: string }).s;
      const expectedIds = (database.db.prepare('SELECT id FROM cost_records WHERE service_name = ? ORDER BY id').all(serviceName) as { id: number }[]).length;
      expect(expectedIds).toBeGreaterThan(70);
      const seen: string[] = [];
      let token: string | null = null;
      let pages = 0;
      do {
        const query: string = `/cost-and-usage?serviceName=${encodeURIComponent(serviceName)}&pageSize=33${token ? `&pageToken=${encodeURIComponent(token)}` : ''}`;
        const response = await call(query);
        expectConforms('/cost-and-usage', 'get', 200, response);
        expect(response.body.totalRecords).toBe(expectedIds);
        for (const record of response.body.data) {
          expect(record.ServiceName).toBe(serviceName);
          seen.push(JSON.stringify(record));
        }
        token = response.body.nextPageToken;
        pages++;
      } while (token);
      expect(seen).toHaveLength(expectedIds);
      expect(new Set(seen).size).toBe(expectedIds);
      expect(pages).toBe(Math.ceil(expectedIds / 33));
    });

    it('serves a page larger than one keyset page (up to 10,000 rows)', async () => {
      const response = await call('/cost-and-usage?pageSize=2500');
      expectConforms('/cost-and-usage', 'get', 200, response);
      expect(response.body.data).toHaveLength(2500);
      const rest = await call(`/cost-and-usage?pageSize=10000&pageToken=${encodeURIComponent(response.body.nextPageToken)}`);
      expect(rest.body.data).toHaveLength(response.body.totalRecords - 2500);
      expect(rest.body.nextPageToken).toBeNull();
    });

    it('answers 400 for bad parameters', async () => {
      for (const query of [
        'pageSize=0',
        'pageSize=10001',
        'pageSize=ten',
        'chargeCategory=Refund',
        'billingPeriodStart=yesterday',
        'billingPeriodStart=2026-02-01T00:00:00Z&billingPeriodEnd=2026-01-01T00:00:00Z',
        'pageToken=not-a-token',
        'colour=blue',
      ]) {
        const response = await call(`/cost-and-usage?${query}`);
        expectConforms('/cost-and-usage', 'get', 400, response);
        expect(response.body.code, query).toBe('BAD_USER_INPUT');
      }
    });
  });

  describe('dataCompleteness', () => {
    it('is Incomplete for a period with a superseded (restated) batch', async () => {
      const batch = database.db.prepare('SELECT * FROM ingest_batches WHERE dataset = ? LIMIT 1').get('CostAndUsage') as Record<string, unknown>;
      const start = Date.UTC(2031, 0, 1);
      const end = Date.UTC(2031, 1, 1);
      database.db
        .prepare(
          `INSERT INTO ingest_batches (file_name, checksum, dataset, focus_version, status, rows_read, rows_loaded, rows_skipped, rows_replaced,
             billing_period_start, billing_period_end, started_at, completed_at)
           VALUES ('restated.csv', 'restated', 'CostAndUsage', '1.3', 'SUPERSEDED', 0, 0, 0, 0, ?, ?, ?, ?)`,
        )
        .run(start, end, batch.started_at, batch.completed_at);
      const restated = await call(`/cost-and-usage?billingPeriodStart=${new Date(start).toISOString()}&billingPeriodEnd=${new Date(end).toISOString()}`);
      expectConforms('/cost-and-usage', 'get', 200, restated);
      expect(restated.body).toMatchObject({ data: [], totalRecords: 0, nextPageToken: null, dataCompleteness: 'Incomplete' });
      const untouched = await call(`/cost-and-usage?billingPeriodStart=${new Date(end).toISOString()}&billingPeriodEnd=${new Date(Date.UTC(2031, 2, 1)).toISOString()}`);
      expect(untouched.body.dataCompleteness).toBe('Complete');
    });

    it('is Incomplete while a matching row\'s billing period is still open', async () => {
      const row = database.db.prepare('SELECT id, resource_id FROM cost_records WHERE resource_id IS NOT NULL ORDER BY id DESC LIMIT 1').get() as { id: number; resource_id: string };
      const others = (database.db.prepare('SELECT COUNT(*) AS n FROM cost_records WHERE resource_id = ? AND billing_period_end > ?').get(row.resource_id, Date.now()) as { n: number }).n;
      const before = await call(`/cost-and-usage?resourceId=${encodeURIComponent(row.resource_id)}`);
      expect(before.body.dataCompleteness).toBe(others > 0 ? 'Incomplete' : 'Complete');
      database.db.prepare('UPDATE cost_records SET billing_period_end = ? WHERE id = ?').run(Date.now() + 86_400_000, row.id);
      const open = await call(`/cost-and-usage?resourceId=${encodeURIComponent(row.resource_id)}`);
      expectConforms('/cost-and-usage', 'get', 200, open);
      expect(open.body.dataCompleteness).toBe('Incomplete');
    });
  });

  describe('exports', () => {
    it('POST starts a job (202) that GET reports until it is Complete, with a working download URL', async () => {
      const period = database.db.prepare('SELECT MIN(billing_period_start) AS s, MIN(billing_period_end) AS e FROM cost_records').get() as { s: number; e: number };
      const started = await call('/cost-and-usage/export', {
        method: 'POST',
        body: { billingPeriodStart: new Date(period.s).toISOString(), billingPeriodEnd: new Date(period.e).toISOString(), format: 'json' },
      });
      expectConforms('/cost-and-usage/export', 'post', 202, started);
      expect(['Pending', 'Processing']).toContain(started.body.status);
      let status = started;
      const deadline = Date.now() + 20_000;
      while (status.body.status !== 'Complete' && status.body.status !== 'Failed' && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        status = await call(`/cost-and-usage/export/${started.body.jobId}`);
        expectConforms('/cost-and-usage/export/{jobId}', 'get', 200, status);
      }
      expect(status.body.status).toBe('Complete');
      const expected = (database.db.prepare('SELECT COUNT(*) AS n FROM cost_records WHERE billing_period_start < ? AND billing_period_end > ?').get(period.e, period.s) as { n: number }).n;
      expect(status.body.recordCount).toBe(expected);
      const download = await fetch(status.body.downloadUrl, { headers: { authorization: `Bearer ${gateway.keys.reader}` } });
      expect(download.status).toBe(200);
      expect((await download.arrayBuffer()).byteLength).toBeGreaterThan(0);
      // Another reader key does not see the job; the admin key does.
      const { key: otherReader } = await createApiKey(gateway.prisma, { name: 'other reader', role: 'reader' });
      expectConforms('/cost-and-usage/export/{jobId}', 'get', 404, await call(`/cost-and-usage/export/${started.body.jobId}`, { key: otherReader }));
      expect((await call(`/cost-and-usage/export/${started.body.jobId}`, { key: gateway.keys.admin })).status).toBe(200);
    });

    it('answers 400 for a bad export request and 404 for an unknown job', async () => {
      for (const body of [
        {},
        { billingPeriodStart: '2026-01-01T00:00:00Z' },
        { billingPeriodStart: '2026-01-01T00:00:00Z', billingPeriodEnd: '2026-02-01T00:00:00Z', format: 'xlsx' },
        { billingPeriodStart: '2026-02-01T00:00:00Z', billingPeriodEnd: '2026-01-01T00:00:00Z' },
        { billingPeriodStart: '2026-01-01T00:00:00Z', billingPeriodEnd: '2026-02-01T00:00:00Z', includeContractCommitments: 'yes' },
        '{not json',
      ]) {
        const response = await call('/cost-and-usage/export', { method: 'POST', body });
        expectConforms('/cost-and-usage/export', 'post', 400, response);
      }
      const missing = await call('/cost-and-usage/export/00000000-0000-0000-0000-000000000000');
      expectConforms('/cost-and-usage/export/{jobId}', 'get', 404, missing);
      expect(missing.body.code).toBe('NOT_FOUND');
    });
  });

  describe('GET /contract-commitments', () => {
    it('lists commitments in the spec shape, filtered and paged', async () => {
      const total = (database.db.prepare('SELECT COUNT(*) AS n FROM commitments').get() as { n: number }).n;
      expect(total).toBeGreaterThan(1);
      const all = await call('/contract-commitments');
      expectConforms('/contract-commitments', 'get', 200, all);
      expect(all.body.totalRecords).toBe(total);
      expect(all.body.data).toHaveLength(total);
      const seen: string[] = [];
      let token: string | null = null;
      do {
        const page: { status: number; body: any } = await call(`/contract-commitments?pageSize=1${token ? `&pageToken=${encodeURIComponent(token)}` : ''}`);
        expectConforms('/contract-commitments', 'get', 200, page);
        seen.push(...page.body.data.map((record: { CommitmentDiscountId: string }) => record.CommitmentDiscountId));
        token = page.body.nextPageToken;
      } while (token);
      expect(new Set(seen).size).toBe(total);
      const one = all.body.data[0];
      const byId = await call(`/contract-commitments?commitmentDiscountId=${encodeURIComponent(one.CommitmentDiscountId)}`);
      expect(byId.body.data).toEqual([one]);
      const account = await call(`/contract-commitments?billingAccountId=${encodeURIComponent(one.BillingAccountId)}`);
      const expected = (database.db.prepare('SELECT COUNT(*) AS n FROM commitments WHERE billing_account_id = ?').get(one.BillingAccountId) as { n: number }).n;
      expect(account.body.totalRecords).toBe(expected);
      const bad = await call('/contract-commitments?pageSize=-1');
      expectConforms('/contract-commitments', 'get', 400, bad);
    });
  });

  it('serves the community sample files (FOCUS 1.3, with their own values) in the spec shape', async () => {
    const sample = await tempDatabase();
    const sampleGateway = await startGateway(sample.db, sample.url);
    try {
      await ingest(sample.db, fileSource(AWS_COST_SAMPLE));
      await ingest(sample.db, fileSource(AWS_COMMITMENT_SAMPLE));
      const headers = { authorization: `Bearer ${sampleGateway.keys.reader}` };
      const costs = await fetch(`${sampleGateway.baseUrl}/focus/v1/cost-and-usage?pageSize=10000`, { headers });
      const costBody = { status: costs.status, body: await costs.json() };
      expectConforms('/cost-and-usage', 'get', 200, costBody);
      expect(costBody.body.data).toHaveLength(readCsvObjects(AWS_COST_SAMPLE).length);
      const commitments = await fetch(`${sampleGateway.baseUrl}/focus/v1/contract-commitments`, { headers });
      const commitmentBody = { status: commitments.status, body: await commitments.json() };
      expectConforms('/contract-commitments', 'get', 200, commitmentBody);
      expect(commitmentBody.body.totalRecords).toBe(readCsvObjects(AWS_COMMITMENT_SAMPLE).length);
    } finally {
      await sampleGateway.close();
      sample.close();
    }
  });
});
