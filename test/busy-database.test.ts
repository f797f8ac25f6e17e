/**
 * A server beside an ingest: `focus-gateway ingest` holds SQLite's write lock for a whole file. Here the test itself
 * holds it (BEGIN IMMEDIATE on its own connection, as the ingest process does) while a real `serve` process answers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../src/auth/keys.ts';
import { createPrismaClient } from '../src/db/client.ts';
import { openSqlite, type SqliteDatabase } from '../src/db/sqlite.ts';
import { fileSource, ingest } from '../src/ingest/service.ts';
import { MULTI_PROVIDER_SAMPLE, serveProcess, tempDatabase, type ServeProcess } from './helpers.ts';

const WRITE_WAIT_MS = 2_000;

describe('a server while another process holds the write lock', () => {
  let database: Awaited<ReturnType<typeof tempDatabase>>;
  let server: ServeProcess;
  let key: string;
  let holder: SqliteDatabase;
  const cleanups: (() => void)[] = [];

  beforeAll(async () => {
    database = await tempDatabase();
    await ingest(database.db, fileSource(MULTI_PROVIDER_SAMPLE));
    const prisma = createPrismaClient(database.url);
    ({ key } = await createApiKey(prisma, { name: 'busy test', role: 'admin' }));
    await prisma.$disconnect();
    server = await serveProcess(database.dir, { DATABASE_URL: database.url, DATABASE_WRITE_WAIT_MS: String(WRITE_WAIT_MS) }, (child) => cleanups.push(() => child.kill('SIGKILL')));
    holder = openSqlite(database.url);
  }, 60_000);
  afterAll(() => {
    if (holder.inTransaction) holder.exec('ROLLBACK');
    holder.close();
    cleanups.forEach((cleanup) => cleanup());
    database.close();
  });

  const headers = () => ({ authorization: `Bearer ${key}`, 'content-type': 'application/json' });
  const graphql = (query: string, variables: Record<string, unknown> = {}) =>
    fetch(`${server.baseUrl}/graphql`, { method: 'POST', headers: headers(), body: JSON.stringify({ query, variables }) });
  const read = async () => {
    const response = await graphql('{ costRecords(first: 1) { totalCount } }');
    expect(response.status).toBe(200);
    return ((await response.json()) as { data: { costRecords: { totalCount: number } } }).data.costRecords.totalCount;
  };
  const startExport = () =>
    graphql('mutation ($input: StartExportInput!) { startExport(input: $input) { id status } }', {
      input: { billingPeriodStart: '2000-01-01T00:00:00Z', billingPeriodEnd: '2100-01-01T00:00:00Z', format: 'CSV' },
    });
  const jobStatus = async (id: string) => {
    const response = await graphql('query ($id: ID!) { exportJob(id: $id) { status recordCount error } }', { id });
    return ((await response.json()) as { data: { exportJob: { status: string; recordCount: number | null; error: string | null } } }).data.exportJob;
  };
  const untilFinished = async (id: string) => {
    for (;;) {
      const job = await jobStatus(id);
      if (!['PENDING', 'PROCESSING'].includes(job.status)) return job;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  const rowCount = () => (database.db.prepare('SELECT COUNT(*) AS n FROM cost_records').get() as { n: number }).n;

  it('keeps answering reads while a mutation waits, and refuses the mutation with DATABASE_BUSY when the lock outlasts the wait', async () => {
    holder.exec('BEGIN IMMEDIATE');
    try {
      const mutation = graphql('mutation { createFamily(input: { name: "Made while busy" }) { id } }');
      // Answered while the mutation waits: the wait does not hold the server.
      expect(await read()).toBe(rowCount());
      const refused = await mutation;
      expect(refused.status).toBe(503);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
      const body = (await refused.json()) as { errors: { extensions: { code: string } }[] };
      expect(body.errors[0].extensions.code).toBe('DATABASE_BUSY');

      const rest = await fetch(`${server.baseUrl}/billingEngine/family`, { method: 'POST', headers: headers(), body: JSON.stringify({ family: { name: 'Made while busy' } }) });
      expect(rest.status).toBe(503);
      expect(rest.headers.get('retry-after')).not.toBeNull();
      expect(((await rest.json()) as { response: { errors: { code: string }[] } }).response.errors[0].code).toBe('DATABASE_BUSY');
    } finally {
      holder.exec('ROLLBACK');
    }
    expect(database.db.prepare("SELECT COUNT(*) AS n FROM families WHERE name = 'Made while busy'").get()).toEqual({ n: 0 });
  });

  it('lets a mutation through once the lock is released within the wait', async () => {
    holder.exec('BEGIN IMMEDIATE');
    let started: Response;
    try {
      const pending = startExport();
      expect(await read()).toBe(rowCount());
      holder.exec('ROLLBACK');
      started = await pending;
    } finally {
      if (holder.inTransaction) holder.exec('ROLLBACK');
    }
    expect(started.status).toBe(200);
    const { id } = ((await started.json()) as { data: { startExport: { id: string } } }).data.startExport;
    expect(await untilFinished(id)).toEqual({ status: 'COMPLETE', recordCount: rowCount(), error: null });
  });

  it('runs an export held up by the lock to COMPLETE once the lock is released, without failing or stopping the server', async () => {
    const started = await startExport();
    const { id } = ((await started.json()) as { data: { startExport: { id: string } } }).data.startExport;
    holder.exec('BEGIN IMMEDIATE');
    try {
      // Longer than the write wait: the job's own writes wait as long as it takes, and progress is skipped meanwhile.
      const until = Date.now() + WRITE_WAIT_MS + 500;
      while (Date.now() < until) {
        expect((await fetch(`${server.baseUrl}/healthz`)).status).toBe(200);
        expect(['PENDING', 'PROCESSING']).toContain((await jobStatus(id)).status);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    } finally {
      holder.exec('ROLLBACK');
    }
    expect(await untilFinished(id)).toEqual({ status: 'COMPLETE', recordCount: rowCount(), error: null });
    expect(server.child.exitCode).toBeNull();
  });
});
