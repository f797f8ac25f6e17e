// The export job lifecycle over a real database and real files: status sequences, failures, cancelling, retention,
// concurrency, paging, and subscriptions that never leak.
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../src/auth/keys.ts';
import { createPrismaClient, type PrismaClient } from '../src/db/client.ts';
import type { SqliteDatabase } from '../src/db/sqlite.ts';
import { loadDemoData } from '../src/demo/load.ts';
import { ExportFileUnavailableError, ExportJobNotFoundError, ExportJobStateError } from '../src/exports/errors.ts';
import { openExportFile } from '../src/exports/files.ts';
import type { ExportJob, ExportParams } from '../src/exports/params.ts';
import { ExportService, type ExportServiceOptions } from '../src/exports/service.ts';
import { COST_AND_USAGE_COLUMNS } from '../src/focus/columns.ts';
import { tempDatabase, tempDir } from './helpers.ts';

const ALL_PERIODS = { billingPeriodStart: new Date('2026-01-01T00:00:00Z'), billingPeriodEnd: new Date('2026-04-01T00:00:00Z') };
/** A quick export: one month of one provider's rows. */
const SMALL: ExportParams = {
  billingPeriodStart: new Date('2026-02-01T00:00:00Z'),
  billingPeriodEnd: new Date('2026-03-01T00:00:00Z'),
  format: 'CSV',
  filter: { serviceProviderName: { eq: 'Microsoft' } },
};
/** One month: about 30,000 rows. */
const MEDIUM: ExportParams = { ...SMALL, filter: null };
/** Every row: about 100,000, long enough to be caught half way. */
const LARGE: ExportParams = { ...ALL_PERIODS, format: 'CSV' };

let database: Awaited<ReturnType<typeof tempDatabase>>;
let db: SqliteDatabase;
let prisma: PrismaClient;
const services: ExportService[] = [];
let serviceCount = 0;

beforeAll(async () => {
  database = await tempDatabase();
  db = database.db;
  prisma = createPrismaClient(database.url);
  await loadDemoData(db, prisma, { rows: 3000, seed: 2 });
  const columns = COST_AND_USAGE_COLUMNS.map((column) => column.dbColumn).join(', ');
  const double = db.prepare(`INSERT INTO cost_records (batch_id, ${columns}) SELECT batch_id, ${columns} FROM cost_records`);
  db.transaction(() => {
    for (let times = 0; times < 5; times++) double.run();
  })();
});

// One service per database, as in a server: a service left open would pick up the next test's jobs.
afterEach(async () => {
  await Promise.all(services.splice(0).map((service) => service.close()));
});

afterAll(async () => {
  await prisma.$disconnect();
  database.close();
});

function newService(options: Partial<ExportServiceOptions> = {}): ExportService {
  const service = new ExportService({ db, exportDir: path.join(database.dir, `exports-${++serviceCount}`), ...options });
  services.push(service);
  return service;
}

/** Every state a subscriber sees, until the subscription ends. */
function recordStates(service: ExportService, id: string): Promise<ExportJob[]> {
  const states: ExportJob[] = [];
  return new Promise((resolve) => service.subscribe(id, (job) => states.push(job), () => resolve(states)));
}

/** Resolves with the first state that `test` accepts, or the last one if none does. */
function firstState(service: ExportService, id: string, test: (job: ExportJob) => boolean): Promise<ExportJob> {
  return new Promise((resolve) => {
    let last: ExportJob;
    let found = false;
    const unsubscribe = service.subscribe(
      id,
      (job) => {
        last = job;
        if (found || !test(job)) return;
        found = true;
        resolve(job);
        queueMicrotask(() => unsubscribe());
      },
      () => resolve(last),
    );
  });
}

const statuses = (states: ExportJob[]) => states.map((state) => state.status).filter((status, index, all) => status !== all[index - 1]);
const partialEntries = (dir: string) => (existsSync(dir) ? readdirSync(dir).filter((name) => name.endsWith('.partial')) : []);

describe('export jobs', () => {
  it('read nothing for an owner that is not a key of the database: scopes fail closed', async () => {
    const service = newService();
    const job = await service.start(MEDIUM, 'no-such-key');
    const states = await recordStates(service, job.id);
    expect(states.at(-1)).toMatchObject({ status: 'COMPLETE', recordCount: 0, rowsWritten: 0 });
  });

  it('go PENDING -> PROCESSING with rising progress -> COMPLETE, each state stored as announced', async () => {
    const service = newService({ progressIntervalMs: 0 });
    // An export reads what its key may see (src/auth/scope.ts): the owner must be a key of this database.
    const { apiKey } = await createApiKey(prisma, { name: 'exporter' });
    const job = await service.start({ ...MEDIUM, filter: { chargeCategory: { eq: 'Usage' } } }, apiKey.id);
    expect(job).toMatchObject({ status: 'PENDING', ownerKeyId: apiKey.id, format: 'CSV', progress: 0, rowsWritten: 0, recordCount: null, filePath: null });
    const states = await recordStates(service, job.id);
    expect(statuses(states)).toEqual(['PENDING', 'PROCESSING', 'COMPLETE']);
    const processing = states.filter((state) => state.status === 'PROCESSING');
    const progress = processing.map((state) => state.progress);
    expect(progress.length).toBeGreaterThan(3);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    expect(Math.max(...progress)).toBeLessThan(1);
    const done = states.at(-1)!;
    const matched = (
      db
        .prepare("SELECT COUNT(*) AS n FROM cost_records WHERE charge_category = 'Usage' AND billing_period_start < ? AND billing_period_end > ?")
        .get(SMALL.billingPeriodEnd.getTime(), SMALL.billingPeriodStart.getTime()) as { n: number }
    ).n;
    expect(done).toMatchObject({ status: 'COMPLETE', recordCount: matched, rowsWritten: matched, progress: 1, error: null });
    expect(done.startedAt!.getTime()).toBeGreaterThanOrEqual(done.createdAt.getTime());
    expect(done.completedAt!.getTime()).toBeGreaterThanOrEqual(done.startedAt!.getTime());
    expect(done.expiresAt!.getTime()).toBe(done.completedAt!.getTime() + 7 * 24 * 3600_000);
    expect(await service.get(job.id)).toEqual(done);
    expect(service.listenerCount()).toBe(0);
  });

  it('end FAILED with a clear error and no file when the export directory cannot be written', async () => {
    const { dir, remove } = tempDir();
    try {
      // Running as root, permissions would not stop the writes; a directory below a regular file cannot exist for anyone.
      writeFileSync(path.join(dir, 'not-a-directory'), '');
      const service = newService({ exportDir: path.join(dir, 'not-a-directory', 'exports') });
      const job = await service.start(SMALL);
      const states = await recordStates(service, job.id);
      expect(statuses(states)).toEqual(['PENDING', 'PROCESSING', 'FAILED']);
      const failed = states.at(-1)!;
      expect(failed.error).toMatch(/^cannot write to the export directory: ENOTDIR: not a directory/);
      expect(failed.completedAt).not.toBeNull();
      expect(readdirSync(dir)).toEqual(['not-a-directory']);
      expect(() => openExportFile(failed)).toThrow(expect.objectContaining({ problem: 'not-complete', httpStatus: 409 }));
    } finally {
      remove();
    }
  });

  it('end FAILED without a partial file when the finished file cannot be put in place', async () => {
    const service = newService();
    const job = await service.start(SMALL);
    // The job's file path is known once it runs; a directory in its way makes the final rename fail after all rows.
    const processing = await firstState(service, job.id, (state) => state.status === 'PROCESSING');
    mkdirSync(processing.filePath!);
    const failed = await firstState(service, job.id, (state) => state.status === 'FAILED');
    expect(failed.error).toMatch(/^the finished export could not be put in place: (EISDIR|ENOTEMPTY|EEXIST)/);
    expect(partialEntries(service.exportDir)).toEqual([]);
    expect(readdirSync(service.exportDir)).toEqual([path.basename(processing.filePath!)]);
  });

  it('stop promptly when cancelled, removing the partial file before cancel returns', async () => {
    const service = newService({ progressIntervalMs: 0 });
    const job = await service.start(LARGE);
    const ended = recordStates(service, job.id);
    const writing = await firstState(service, job.id, (state) => state.rowsWritten > 0);
    expect(partialEntries(service.exportDir)).toHaveLength(1);
    const started = performance.now();
    const cancelled = await service.cancel(job.id);
    expect(performance.now() - started).toBeLessThan(2000);
    expect(cancelled).toMatchObject({ status: 'CANCELLED' });
    expect(cancelled.rowsWritten).toBeLessThan(cancelled.recordCount!);
    expect(partialEntries(service.exportDir)).toEqual([]);
    expect(existsSync(writing.filePath!)).toBe(false);
    expect(statuses(await ended)).toEqual(['PENDING', 'PROCESSING', 'CANCELLED']);
    // Cancelling again changes nothing; a finished job cannot be cancelled; an unknown one is not found.
    expect(await service.cancel(job.id)).toEqual(await service.get(job.id));
    const complete = await service.start(SMALL);
    await recordStates(service, complete.id);
    await expect(service.cancel(complete.id)).rejects.toBeInstanceOf(ExportJobStateError);
    await expect(service.cancel('no-such-job')).rejects.toBeInstanceOf(ExportJobNotFoundError);
  });

  it('let one key have at most maxActivePerKey exports pending or processing; the CLI (no owner) is not limited', async () => {
    const service = newService({ concurrency: 1, maxActivePerKey: 2 });
    const { apiKey } = await createApiKey(prisma, { name: 'busy' });
    const first = await service.start(LARGE, apiKey.id);
    await service.start(LARGE, apiKey.id);
    await expect(service.start(SMALL, apiKey.id)).rejects.toMatchObject({ name: 'ExportLimitError', code: 'RATE_LIMITED', httpStatus: 429, limit: 2 });
    await service.start(SMALL, null);
    await service.cancel(first.id);
    expect((await service.start(SMALL, apiKey.id)).status).toBe('PENDING');
  });

  it('run at most `concurrency` at once, oldest first; a cancelled pending job never runs', async () => {
    const service = newService({ concurrency: 2 });
    const jobs = [];
    for (let index = 0; index < 5; index++) jobs.push(await service.start(SMALL));
    await service.cancel(jobs[4].id);
    let processing = 0;
    let mostAtOnce = 0;
    const order: string[] = [];
    await Promise.all(
      jobs.map((job) => {
        let previous: string | undefined;
        return new Promise<void>((resolve) =>
          service.subscribe(
            job.id,
            (state) => {
              if (state.status === previous) return;
              previous = state.status;
              if (state.status === 'PROCESSING') {
                order.push(job.id);
                mostAtOnce = Math.max(mostAtOnce, ++processing);
              }
              if (state.status === 'COMPLETE') processing--;
            },
            resolve,
          ),
        );
      }),
    );
    expect(mostAtOnce).toBe(2);
    expect(order).toEqual(jobs.slice(0, 4).map((job) => job.id));
    expect((await service.get(jobs[4].id))!).toMatchObject({ status: 'CANCELLED', startedAt: null, filePath: null });
  });

  it('remove files after the retention and say so: EXPIRED, and a 410 for the download', async () => {
    const service = newService({ retentionMs: 60_000 });
    const job = await service.start(SMALL);
    const done = (await recordStates(service, job.id)).at(-1)!;
    expect(openExportFile(done)).toMatchObject({ path: done.filePath, size: done.byteSize });
    const completedAt = done.completedAt!.getTime();
    expect(service.sweepExpired(new Date(completedAt + 59_999))).toEqual([]);
    expect(existsSync(done.filePath!)).toBe(true);
    expect(service.sweepExpired(new Date(completedAt + 60_000))).toEqual([job.id]);
    expect(existsSync(done.filePath!)).toBe(false);
    const expired = (await service.get(job.id))!;
    expect(expired).toMatchObject({ status: 'EXPIRED', expiredAt: new Date(completedAt + 60_000) });
    const error = (() => {
      try {
        openExportFile(expired);
      } catch (thrown) {
        return thrown;
      }
    })();
    expect(error).toBeInstanceOf(ExportFileUnavailableError);
    expect(error).toMatchObject({ problem: 'expired', httpStatus: 410, code: 'GONE' });
    expect(() => openExportFile(null)).toThrow(expect.objectContaining({ problem: 'not-found', httpStatus: 404 }));
    await expect(service.cancel(job.id)).rejects.toBeInstanceOf(ExportJobStateError);
  });

  it('sweep on a timer', async () => {
    const service = newService({ retentionMs: 0, sweepIntervalMs: 50 });
    const job = await service.start(SMALL);
    const done = (await recordStates(service, job.id)).at(-1)!;
    expect(done.status).toBe('COMPLETE');
    const deadline = Date.now() + 5000;
    while ((await service.get(job.id))!.status !== 'EXPIRED' && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    expect((await service.get(job.id))!.status).toBe('EXPIRED');
    expect(existsSync(done.filePath!)).toBe(false);
  });

  it('go back to PENDING when the service closes mid-export, and complete under the next service', async () => {
    const exportDir = path.join(database.dir, 'exports-reopened');
    const first = newService({ exportDir, progressIntervalMs: 0 });
    const job = await first.start(MEDIUM);
    await firstState(first, job.id, (state) => state.rowsWritten > 0);
    await first.close();
    expect((await first.get(job.id))!).toMatchObject({ status: 'PENDING', rowsWritten: 0, progress: 0, startedAt: null });
    expect(partialEntries(exportDir)).toEqual([]);
    const second = newService({ exportDir });
    const done = (await recordStates(second, job.id)).at(-1)!;
    expect(done).toMatchObject({ status: 'COMPLETE', rowsWritten: done.recordCount });
  });

  it('list newest first in keyset pages, for one owner or for all', async () => {
    const service = newService();
    const ids: string[] = [];
    for (const owner of ['lister-a', 'lister-b', 'lister-a', 'lister-a']) ids.push((await service.start(SMALL, owner)).id);
    await Promise.all(ids.map((id) => recordStates(service, id)));
    // Newest first; jobs created in the same millisecond by id, descending.
    const newestFirst = (a: ExportJob, b: ExportJob) => b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : -1);
    const jobs = await Promise.all(ids.map(async (id) => (await service.get(id))!));
    const mine = jobs.filter((job) => job.ownerKeyId === 'lister-a').sort(newestFirst).map((job) => job.id);
    const first = await service.list({ ownerKeyId: 'lister-a' }, { first: 2 });
    expect(first.edges.map((edge) => edge.node.id)).toEqual(mine.slice(0, 2));
    expect(first.pageInfo.hasNextPage).toBe(true);
    const second = await service.list({ ownerKeyId: 'lister-a' }, { first: 2, after: first.pageInfo.endCursor });
    expect(second.edges.map((edge) => edge.node.id)).toEqual(mine.slice(2));
    expect(second.pageInfo.hasNextPage).toBe(false);
    expect(await service.count({ ownerKeyId: 'lister-b' })).toBe(1);
    expect(await service.count({ ownerKeyId: 'lister-a', statuses: ['COMPLETE'] })).toBe(3);
    const everyone = await service.list({}, { first: 1000 });
    const created = everyone.edges.map((edge) => edge.node.createdAt.getTime());
    expect(created).toEqual([...created].sort((a, b) => b - a));
    expect(everyone.edges.map((edge) => edge.node.id)).toEqual(expect.arrayContaining(ids));
  });
});

describe('export job subscriptions', () => {
  it('give 500 subscribers of one job every change of status', async () => {
    const service = newService();
    const job = await service.start(SMALL);
    const seen = await Promise.all(Array.from({ length: 500 }, () => recordStates(service, job.id)));
    for (const states of seen) expect(statuses(states)).toEqual(['PENDING', 'PROCESSING', 'COMPLETE']);
    expect(service.listenerCount()).toBe(0);
  });

  it('leave no listener behind after 1,000 subscribe/unsubscribe cycles, by callback or by async iterator', async () => {
    const service = newService({ concurrency: 1 });
    const running = await service.start(LARGE);
    const waiting = await service.start(SMALL);
    let calls = 0;
    for (let cycle = 0; cycle < 1000; cycle++) {
      const unsubscribe = service.subscribe(waiting.id, () => calls++);
      unsubscribe();
    }
    expect(calls).toBe(1000);
    for (let cycle = 0; cycle < 1000; cycle++) {
      const updates = service.updates(running.id);
      expect((await updates.next()).done).toBe(false);
      await updates.return!();
    }
    expect(service.listenerCount()).toBe(0);
    // An unsubscribed listener hears nothing more.
    await service.cancel(waiting.id);
    await service.cancel(running.id);
    expect(calls).toBe(1000);
  });

  it('as an async iterator: the current state, the changes, then the end after a terminal state', async () => {
    const service = newService({ progressIntervalMs: 0 });
    const job = await service.start(SMALL);
    const states: ExportJob[] = [];
    for await (const state of service.updates(job.id)) states.push(state);
    expect(statuses(states)).toEqual(['PENDING', 'PROCESSING', 'COMPLETE']);
    expect(service.listenerCount()).toBe(0);
    // A finished job gives its state once and ends; an unknown one is an error at once.
    const again: ExportJob[] = [];
    for await (const state of service.updates(job.id)) again.push(state);
    expect(again).toEqual([states.at(-1)]);
    expect(() => service.updates('no-such-job')).toThrow(ExportJobNotFoundError);
  });
});
