import { createClient, type Client } from 'graphql-ws';
import Papa from 'papaparse';
import { Decimal as BaseDecimal } from 'decimal.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createApiKey } from '../src/auth/keys.ts';
import { loadDemoData } from '../src/demo/load.ts';
import { startGateway, tempDatabase, tempDir } from './helpers.ts';

const Decimal = BaseDecimal.clone({ precision: 200 });
const JOB_FIELDS = 'id status recordCount rowsWritten progress byteSize sha256 error downloadUrl';
const START = `mutation ($input: StartExportInput!) { startExport(input: $input) { ${JOB_FIELDS} } }`;
const UPDATED = `subscription ($id: ID!) { exportJobUpdated(id: $id) { ${JOB_FIELDS} } }`;
const PERIOD = { billingPeriodStart: '2026-01-01T00:00:00Z', billingPeriodEnd: '2026-02-01T00:00:00Z' };

/** The job's own id inside its global id: the download path uses it. */
const jobId = (globalId: string) => Buffer.from(globalId, 'base64').toString().replace(/^ExportJob:/, '');

interface Job {
  id: string;
  status: string;
  recordCount: number | null;
  rowsWritten: number;
  progress: number;
  byteSize: number | null;
  sha256: string | null;
  error: string | null;
  downloadUrl: string | null;
}

describe('export jobs over GraphQL, graphql-ws, SSE and HTTP downloads', () => {
  let database: Awaited<ReturnType<typeof tempDatabase>>;
  let gateway: Awaited<ReturnType<typeof startGateway>>;
  let exportDir: ReturnType<typeof tempDir>;
  const clients: Client[] = [];
  beforeAll(async () => {
    database = await tempDatabase();
    exportDir = tempDir();
    // One job at a time, so a second job waits PENDING while the first runs; frequent progress for the test.
    gateway = await startGateway(database.db, database.url, { exportDir: exportDir.dir, concurrency: 1, progressIntervalMs: 10 });
    await loadDemoData(database.db, gateway.prisma, { rows: 6000, seed: 4 });
  });
  afterAll(async () => {
    await Promise.all(clients.map((client) => client.dispose()));
    await gateway.close();
    database.close();
    exportDir.remove();
  });

  const start = async (input: Record<string, unknown>, key = gateway.keys.admin) => {
    const result = await gateway.graphqlAs<{ startExport: Job }>(key, START, { input: { ...PERIOD, ...input } });
    expect(result.errors).toBeUndefined();
    return result.data!.startExport;
  };

  function watchOverWebSocket(id: string, key = gateway.keys.admin): Promise<Job[]> {
    const client = createClient({ url: `${gateway.baseUrl.replace('http', 'ws')}/graphql`, webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${key}` }, retryAttempts: 0 });
    clients.push(client);
    const states: Job[] = [];
    return new Promise((resolve, reject) => {
      client.subscribe<{ exportJobUpdated: Job }>(
        { query: UPDATED, variables: { id } },
        {
          next: (value) => (value.errors ? reject(new Error(JSON.stringify(value.errors))) : states.push(value.data!.exportJobUpdated)),
          error: reject,
          complete: () => resolve(states),
        },
      );
    });
  }

  /** Rows and exact BilledCost total of January's cost rows, from the database. */
  const databaseTotals = () =>
    database.db
      .prepare('SELECT COUNT(*) AS rows, decimal_sum(billed_cost) AS billed FROM cost_records WHERE billing_period_start < ? AND billing_period_end > ?')
      .get(Date.parse(PERIOD.billingPeriodEnd), Date.parse(PERIOD.billingPeriodStart)) as { rows: number; billed: string };

  it('streams PENDING, PROCESSING with rising progress, then COMPLETE over graphql-ws; the CSV download matches the database', async () => {
    const first = await start({ format: 'JSON' });
    const job = await start({ format: 'CSV' });
    expect(job.status).toBe('PENDING');
    const states = await watchOverWebSocket(job.id);
    await watchOverWebSocket(first.id);
    const statuses = states.map((state) => state.status).filter((status, index, all) => status !== all[index - 1]);
    expect(statuses).toEqual(['PENDING', 'PROCESSING', 'COMPLETE']);
    const progress = states.filter((state) => state.status === 'PROCESSING').map((state) => state.progress);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    const done = states.at(-1)!;
    const expected = databaseTotals();
    expect(done).toMatchObject({ recordCount: expected.rows, rowsWritten: expected.rows, progress: 1, error: null });
    expect(done.downloadUrl).toBe(`${gateway.baseUrl}/exports/${jobId(done.id)}/file`);

    const response = await fetch(done.downloadUrl!, { headers: { authorization: `Bearer ${gateway.keys.admin}` } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(response.headers.get('content-disposition')).toMatch(/^attachment; filename=".+\.csv"$/);
    expect(Number(response.headers.get('content-length'))).toBe(done.byteSize);
    const rows = Papa.parse<Record<string, string>>(await response.text(), { header: true, skipEmptyLines: true }).data;
    expect(rows.length).toBe(expected.rows);
    expect(rows.reduce((total, row) => total.plus(row.BilledCost), new Decimal(0)).toFixed()).toBe(expected.billed);
  });

  it('streams the same over server-sent events', async () => {
    const job = await start({ format: 'CSV', filter: { chargeCategory: { eq: 'Usage' } } });
    const response = await fetch(`${gateway.baseUrl}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${gateway.keys.admin}` },
      body: JSON.stringify({ query: UPDATED, variables: { id: job.id } }),
    });
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const text = await response.text();
    const states = [...text.matchAll(/^data: (.+)$/gm)].map((match) => JSON.parse(match[1]) as { data?: { exportJobUpdated: Job } }).filter((event) => event.data);
    expect(states.at(-1)!.data!.exportJobUpdated.status).toBe('COMPLETE');
    expect(text).toMatch(/event: complete/);
  });

  it('keeps jobs to the key that started them, unless the key is an admin key', async () => {
    const { key: otherReader } = await createApiKey(gateway.prisma, { name: 'other reader', role: 'reader' });
    const job = await start({ format: 'CSV' }, gateway.keys.reader);
    const [done] = (await watchOverWebSocket(job.id, gateway.keys.reader)).slice(-1);
    expect(done.status).toBe('COMPLETE');
    expect((await gateway.graphqlAs(otherReader, 'query ($id: ID!) { exportJob(id: $id) { id } }', { id: job.id })).data).toEqual({ exportJob: null });
    const cancel = await gateway.graphqlAs(otherReader, 'mutation ($id: ID!) { cancelExport(id: $id) { id } }', { id: job.id });
    expect(cancel.errors?.[0].extensions?.code).toBe('NOT_FOUND');
    await expect(watchOverWebSocket(job.id, otherReader)).rejects.toThrow(/NOT_FOUND/);
    expect((await fetch(done.downloadUrl!, { headers: { authorization: `Bearer ${otherReader}` } })).status).toBe(404);
    expect((await fetch(done.downloadUrl!, { headers: { authorization: `Bearer ${gateway.keys.admin}` } })).status).toBe(200);
    const mine = await gateway.graphqlAs<{ exportJobs: { edges: { node: { id: string } }[] } }>(gateway.keys.reader, '{ exportJobs { edges { node { id } } } }');
    expect(mine.data!.exportJobs.edges.map((edge) => edge.node.id)).toEqual([job.id]);
  });

  it('serves byte ranges and answers 401, 404, 409 and 416 clearly', async () => {
    const job = await start({ format: 'PARQUET' });
    const [done] = (await watchOverWebSocket(job.id)).slice(-1);
    const url = done.downloadUrl!;
    const auth = { authorization: `Bearer ${gateway.keys.admin}` };
    const whole = Buffer.from(await (await fetch(url, { headers: auth })).arrayBuffer());
    expect(whole.subarray(0, 4).toString()).toBe('PAR1');
    const part = await fetch(url, { headers: { ...auth, range: 'bytes=4-99' } });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 4-99/${whole.length}`);
    expect(Buffer.from(await part.arrayBuffer())).toEqual(whole.subarray(4, 100));
    const tail = await fetch(url, { headers: { ...auth, range: 'bytes=-4' } });
    expect(Buffer.from(await tail.arrayBuffer()).toString()).toBe('PAR1');
    expect((await fetch(url, { headers: { ...auth, range: `bytes=${whole.length}-` } })).status).toBe(416);
    expect((await fetch(url)).status).toBe(401);
    const missing = await fetch(`${gateway.baseUrl}/exports/00000000-0000-0000-0000-000000000000/file`, { headers: auth });
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: { code: 'NOT_FOUND' } });
    const cancelled = await start({ format: 'CSV' });
    await gateway.graphql('mutation ($id: ID!) { cancelExport(id: $id) { status } }', { id: cancelled.id });
    const conflict = await fetch(`${gateway.baseUrl}/exports/${jobId(cancelled.id)}/file`, { headers: auth });
    expect(conflict.status).toBe(409);
    expect((await conflict.json()).error.message).toMatch(/cancelled/);
    const again = await gateway.graphql('mutation ($id: ID!) { cancelExport(id: $id) { status } }', { id: job.id });
    expect(again.errors?.[0].extensions?.code).toBe('CONFLICT');
  });

  it('frees a subscription when the client unsubscribes or drops the socket', async () => {
    const first = await start({ format: 'JSON' });
    const job = await start({ format: 'CSV' });
    // A socket that goes away without unsubscribing, while the job is still waiting behind the first.
    const dropped = new WebSocket(`${gateway.baseUrl.replace('http', 'ws')}/graphql`, 'graphql-transport-ws');
    await new Promise((resolve) => dropped.once('open', resolve));
    dropped.send(JSON.stringify({ type: 'connection_init', payload: { apiKey: gateway.keys.admin } }));
    await new Promise((resolve) => dropped.once('message', resolve));
    dropped.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: UPDATED, variables: { id: job.id } } }));
    await new Promise((resolve) => dropped.once('message', resolve));
    expect(gateway.exports.listenerCount(jobId(job.id))).toBe(1);
    dropped.terminate();
    await expect.poll(() => gateway.exports.listenerCount(jobId(job.id)), { timeout: 5000 }).toBe(0);
    // Clients that unsubscribe after their first update, again and again.
    const client = createClient({ url: `${gateway.baseUrl.replace('http', 'ws')}/graphql`, webSocketImpl: WebSocket, connectionParams: { apiKey: gateway.keys.admin }, retryAttempts: 0 });
    for (let cycle = 0; cycle < 50; cycle++) {
      await new Promise<void>((resolve, reject) => {
        const unsubscribe = client.subscribe({ query: UPDATED, variables: { id: job.id } }, { next: () => (unsubscribe(), resolve()), error: reject, complete: () => resolve() });
      });
    }
    await client.dispose();
    await expect.poll(() => gateway.exports.listenerCount(jobId(job.id)), { timeout: 5000 }).toBe(0);
    await watchOverWebSocket(first.id);
    await watchOverWebSocket(job.id);
  });

  it('rejects a reversed period with BAD_USER_INPUT', async () => {
    const result = await gateway.graphql(START, { input: { billingPeriodStart: PERIOD.billingPeriodEnd, billingPeriodEnd: PERIOD.billingPeriodStart, format: 'CSV' } });
    expect(result.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
  });
});
