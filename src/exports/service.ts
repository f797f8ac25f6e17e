/**
 * Export jobs: one ExportService per server process runs them in the background and tells subscribers how they go.
 *
 * - Jobs live in the export_jobs table. Up to `concurrency` run at once, each in its own worker thread (runner.ts),
 *   oldest first; the others wait as PENDING.
 * - Creating the service recovers from whatever stopped the previous one: jobs left PROCESSING start again from
 *   scratch (their partial files removed) and PENDING ones are picked up. Finished files are left alone.
 * - A job is COMPLETE only once its file is whole, synced and in place; a failure leaves it FAILED with the reason and
 *   no file; cancelling stops the thread and removes the partial file before `cancel` returns.
 * - Files of complete jobs are removed `retentionMs` after completion by a periodic sweep, and the job becomes EXPIRED.
 * - Subscribers get the job's current state at once, then every change of status and progress at most every
 *   `progressIntervalMs`, and are ended (and released) after a terminal state.
 *
 * The export directory belongs to one server process: it removes stray partial files there when it starts.
 */
import { randomUUID } from 'node:crypto';
import { readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { BUSY, tryWrite, writeWhenFree } from '../db/busy.ts';
import type { SqliteDatabase } from '../db/sqlite.ts';
import type { FilterOptions } from '../query/cost-record-filter.ts';
import type { Page, PageArgs } from '../query/keyset.ts';
import type { SqlFragment } from '../query/sql.ts';
import { ExportJobNotFoundError, ExportJobStateError, ExportLimitError } from './errors.ts';
import { exportFilePath } from './files.ts';
import { countJobs, expiredJobs, getJob, insertJob, jobPage, oldestPendingJob, processingJobs, RESTARTED, updateJob, type JobScope } from './job-store.ts';
import { checkExportParams, exportSelection, TERMINAL_STATUSES, type ExportJob, type ExportParams } from './params.ts';
import { ExportStoppedError, partialDirectory, removePath, runExport, type ExportRun } from './runner.ts';
import { scopeOfKey } from '../auth/scope.ts';

export const EXPORT_DEFAULTS = {
  concurrency: 2,
  retentionMs: 7 * 24 * 3600_000,
  sweepIntervalMs: 10 * 60_000,
  progressIntervalMs: 250,
} as const;

export interface ExportServiceOptions {
  /** The server's connection: job records are read and written through it. Exports open their own. */
  db: SqliteDatabase;
  /** Where finished files go; default `exports/` beside the database file. */
  exportDir?: string;
  /** Jobs run at once (default 2). */
  concurrency?: number;
  /** How long a complete job's file is kept (default 7 days). */
  retentionMs?: number;
  /** How often the retention sweep runs (default 10 minutes). */
  sweepIntervalMs?: number;
  /** Least time between two progress updates of a job, to subscribers and to the database (default 250 ms). */
  progressIntervalMs?: number;
  /** How the filter's family ids are read (as in the GraphQL cost record filter). */
  filterOptions?: FilterOptions;
  /** Exports one API key may have PENDING or PROCESSING at once (default 4); the CLI's own exports have no owner. */
  maxActivePerKey?: number;
}

export const DEFAULT_MAX_ACTIVE_EXPORTS_PER_KEY = 4;

/** When another process holds the write lock, how soon scheduling tries to start a pending job again. */
const SCHEDULE_RETRY_MS = 250;
/**
 * How long a finished job waits to record its outcome while another process (an ingest of a large file) holds the
 * write lock; the wait is asynchronous and the file is already whole.
 */
const TERMINAL_WRITE_WAIT_MS = 30 * 60_000;

export type ExportJobListener = (job: Readonly<ExportJob>) => void;

interface Subscriber {
  next: ExportJobListener;
  end(): void;
}

interface RunningJob {
  run: ExportRun;
  recordCount: number | null;
  rowsWritten: number;
  /** What was last saved, and when. */
  saved: { recordCount: number | null; rowsWritten: number; at: number };
  progressTimer?: NodeJS.Timeout;
}

export class ExportService {
  readonly exportDir: string;
  readonly #db: SqliteDatabase;
  readonly #databaseFile: string;
  readonly #concurrency: number;
  readonly #retentionMs: number;
  readonly #progressIntervalMs: number;
  readonly #filterOptions: FilterOptions;
  readonly #maxActivePerKey: number;
  readonly #running = new Map<string, RunningJob>();
  readonly #subscribers = new Map<string, Set<Subscriber>>();
  readonly #sweepTimer: NodeJS.Timeout;
  #retryTimer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(options: ExportServiceOptions) {
    this.#db = options.db;
    this.#databaseFile = options.db.name;
    this.exportDir = path.resolve(options.exportDir ?? path.join(path.dirname(this.#databaseFile), 'exports'));
    this.#concurrency = options.concurrency ?? EXPORT_DEFAULTS.concurrency;
    if (!Number.isInteger(this.#concurrency) || this.#concurrency < 1) throw new RangeError(`export concurrency must be a whole number from 1; got ${this.#concurrency}`);
    this.#retentionMs = options.retentionMs ?? EXPORT_DEFAULTS.retentionMs;
    this.#progressIntervalMs = options.progressIntervalMs ?? EXPORT_DEFAULTS.progressIntervalMs;
    this.#filterOptions = options.filterOptions ?? {};
    this.#maxActivePerKey = options.maxActivePerKey ?? DEFAULT_MAX_ACTIVE_EXPORTS_PER_KEY;
    this.#recover();
    this.sweepExpired();
    this.#sweepTimer = setInterval(() => this.sweepExpired(), options.sweepIntervalMs ?? EXPORT_DEFAULTS.sweepIntervalMs).unref();
    setImmediate(() => this.#schedule());
  }

  /**
   * Records a PENDING job and queues it. Throws QueryInputError (BAD_USER_INPUT) for a bad period, format or filter.
   * The job starts running on a later turn of the event loop, so a subscriber added right away sees it PENDING first.
   */
  async start(params: ExportParams, ownerKeyId: string | null = null): Promise<ExportJob> {
    if (this.#closed) throw new Error('the export service is closed');
    const checked = checkExportParams(params, this.#filterOptions);
    if (ownerKeyId !== null && countJobs(this.#db, { ownerKeyId, statuses: ['PENDING', 'PROCESSING'] }) >= this.#maxActivePerKey) {
      throw new ExportLimitError(this.#maxActivePerKey);
    }
    const id = randomUUID();
    await writeWhenFree(this.#db, () => insertJob(this.#db, { id, ownerKeyId, ...checked, createdAt: new Date() }));
    setImmediate(() => this.#schedule());
    return getJob(this.#db, id)!;
  }

  async get(id: string): Promise<ExportJob | null> {
    return getJob(this.#db, id);
  }

  /** Jobs newest first, a keyset page at a time. */
  async list(scope: JobScope, page: PageArgs): Promise<Page<ExportJob>> {
    return jobPage(this.#db, scope, page);
  }

  async count(scope: JobScope): Promise<number> {
    return countJobs(this.#db, scope);
  }

  /**
   * Cancels a pending or processing job: when this returns, its thread has stopped and its partial file is gone.
   * Cancelling a cancelled job returns it unchanged; a complete, failed or expired job is an ExportJobStateError.
   */
  async cancel(id: string): Promise<ExportJob> {
    const job = getJob(this.#db, id);
    if (!job) throw new ExportJobNotFoundError(id);
    if (job.status === 'CANCELLED') return job;
    if (!(await writeWhenFree(this.#db, () => updateJob(this.#db, id, ['PENDING', 'PROCESSING'], { status: 'CANCELLED', completedAt: new Date() })))) {
      throw new ExportJobStateError(`export job ${id} is ${job.status}; only pending and processing jobs can be cancelled`);
    }
    const running = this.#running.get(id);
    if (running) {
      clearTimeout(running.progressTimer);
      await running.run.stop();
    }
    this.#publish(id);
    return getJob(this.#db, id)!;
  }

  /**
   * Calls `listener` with the job's current state at once, then with every change (progress at most every
   * progressIntervalMs), until a terminal state, after which `onEnd` is called and the listener released. The returned
   * function unsubscribes. Throws ExportJobNotFoundError for an unknown id.
   */
  subscribe(id: string, listener: ExportJobListener, onEnd: () => void = () => {}): () => void {
    const job = getJob(this.#db, id);
    if (!job) throw new ExportJobNotFoundError(id);
    listener(Object.freeze(job));
    if (TERMINAL_STATUSES.has(job.status) || this.#closed) {
      onEnd();
      return () => {};
    }
    const subscriber: Subscriber = { next: listener, end: onEnd };
    let subscribers = this.#subscribers.get(id);
    if (!subscribers) this.#subscribers.set(id, (subscribers = new Set()));
    subscribers.add(subscriber);
    const current = subscribers;
    return () => {
      current.delete(subscriber);
      if (current.size === 0 && this.#subscribers.get(id) === current) this.#subscribers.delete(id);
    };
  }

  /**
   * The job's states as an async iterator, for GraphQL subscriptions: the current state, then its changes, ending after
   * a terminal state; `return()` (a client going away) unsubscribes. A reader slower than the updates skips progress
   * states it has not read yet in favour of newer ones, never a change of status.
   */
  updates(id: string): AsyncIterableIterator<ExportJob> {
    const queue: ExportJob[] = [];
    let ended = false;
    let wake: (() => void) | undefined;
    const unsubscribe = this.subscribe(
      id,
      (job) => {
        const last = queue.at(-1);
        if (last && last.status === job.status) queue[queue.length - 1] = job;
        else queue.push(job);
        wake?.();
      },
      () => {
        ended = true;
        wake?.();
      },
    );
    const iterator: AsyncIterableIterator<ExportJob> = {
      async next() {
        while (queue.length === 0 && !ended) await new Promise<void>((resolve) => (wake = resolve));
        wake = undefined;
        const job = queue.shift();
        return job ? { value: job, done: false } : { value: undefined, done: true };
      },
      async return() {
        ended = true;
        queue.length = 0;
        unsubscribe();
        wake?.();
        return { value: undefined, done: true };
      },
      [Symbol.asyncIterator]() {
        return iterator;
      },
    };
    return iterator;
  }

  /** Listeners currently subscribed, to one job or to all. */
  listenerCount(id?: string): number {
    if (id !== undefined) return this.#subscribers.get(id)?.size ?? 0;
    let count = 0;
    for (const subscribers of this.#subscribers.values()) count += subscribers.size;
    return count;
  }

  /** Removes the files of complete jobs whose retention has passed and marks them EXPIRED; returns those jobs' ids. */
  sweepExpired(now = new Date()): string[] {
    const expired: string[] = [];
    for (const job of expiredJobs(this.#db, now)) {
      try {
        if (job.filePath) rmSync(job.filePath, { force: true });
      } catch (error) {
        process.emitWarning(`export ${job.id}: could not remove its expired file (${(error as Error).message}); the next sweep tries again`);
        continue;
      }
      // While another process writes, the job waits for the next sweep.
      if (tryWrite(this.#db, () => updateJob(this.#db, job.id, ['COMPLETE'], { status: 'EXPIRED', expiredAt: now })) === true) {
        expired.push(job.id);
        this.#publish(job.id);
      }
    }
    return expired;
  }

  /**
   * Stops the sweep and every running export (their jobs go back to PENDING, to run again when a service next starts
   * on this database) and ends every subscription.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#sweepTimer);
    clearTimeout(this.#retryTimer);
    await Promise.all(
      [...this.#running].map(async ([id, running]) => {
        clearTimeout(running.progressTimer);
        await running.run.stop();
        // When another process holds the lock, the job stays PROCESSING, which the next start recovers the same way.
        tryWrite(this.#db, () => updateJob(this.#db, id, ['PROCESSING'], RESTARTED));
      }),
    );
    for (const subscribers of this.#subscribers.values()) for (const subscriber of subscribers) subscriber.end();
    this.#subscribers.clear();
  }

  #recover(): void {
    for (const job of processingJobs(this.#db)) {
      if (job.filePath) removePath(partialDirectory(job.filePath));
      updateJob(this.#db, job.id, ['PROCESSING'], RESTARTED);
    }
    let entries: string[] = [];
    try {
      entries = readdirSync(this.exportDir);
    } catch {
      // No export directory yet (it is made by the first job), or none can be made: that job will fail and say why.
    }
    for (const entry of entries) if (entry.endsWith('.partial')) removePath(path.join(this.exportDir, entry));
  }

  #schedule(): void {
    while (!this.#closed && this.#running.size < this.#concurrency) {
      const job = oldestPendingJob(this.#db);
      if (!job || !this.#launch(job)) return;
    }
  }

  /** Starts the job; false when another process holds the write lock, in which case scheduling is tried again soon. */
  #launch(job: ExportJob): boolean {
    const id = job.id;
    const target = exportFilePath(this.exportDir, job);
    const started = tryWrite(this.#db, () => updateJob(this.#db, id, ['PENDING'], { status: 'PROCESSING', startedAt: new Date(), filePath: target }));
    if (started === BUSY) {
      clearTimeout(this.#retryTimer);
      this.#retryTimer = setTimeout(() => this.#schedule(), SCHEDULE_RETRY_MS);
      return false;
    }
    if (!started) return true;
    this.#publish(id);
    let where: SqlFragment;
    try {
      where = exportSelection(job, this.#filterOptions);
    } catch (error) {
      void this.#fail(id, `its filter no longer applies: ${(error as Error).message}`);
      return true;
    }
    const running: RunningJob = {
      recordCount: null,
      rowsWritten: 0,
      saved: { recordCount: null, rowsWritten: 0, at: 0 },
      run: runExport(
        {
          databaseFile: this.#databaseFile,
          // Read when the job runs, so a job resumed after a restart keeps its key's scope.
          scope: job.ownerKeyId === null ? null : scopeOfKey(this.#db, job.ownerKeyId),
          format: job.format,
          where,
          period: { start: job.billingPeriodStart.getTime(), end: job.billingPeriodEnd.getTime() },
          includeContractCommitments: job.includeContractCommitments,
          target,
        },
        {
          counted: (recordCount) => {
            running.recordCount = recordCount;
            this.#progressed(id, running);
          },
          progress: (rowsWritten) => {
            running.rowsWritten = rowsWritten;
            this.#progressed(id, running);
          },
        },
      ),
    };
    this.#running.set(id, running);
    running.run.done
      .then(
        async (result) => {
          clearTimeout(running.progressTimer);
          const completedAt = new Date();
          const completed = await writeWhenFree(
            this.#db,
            () =>
              updateJob(this.#db, id, ['PROCESSING'], {
                status: 'COMPLETE',
                completedAt,
                recordCount: result.recordCount,
                rowsWritten: result.rowsWritten,
                progress: 1,
                byteSize: result.byteSize,
                sha256: result.sha256,
                expiresAt: new Date(completedAt.getTime() + this.#retentionMs),
              }),
            TERMINAL_WRITE_WAIT_MS,
          );
          // Cancelled after the file was put in place: the file goes, as a cancel promises.
          if (!completed) rmSync(target, { force: true });
          this.#publish(id);
        },
        async (error: Error) => {
          if (!(error instanceof ExportStoppedError)) await this.#fail(id, error.message);
        },
      )
      .catch((error: Error) => {
        // The outcome could not be recorded (the lock stayed taken past TERMINAL_WRITE_WAIT_MS): the job stays
        // PROCESSING, and the next start of the service runs it again. Its file, if any, is not reported.
        if (!this.#closed) process.emitWarning(`export ${id}: its outcome could not be recorded (${error.message}); it runs again at the next start`);
      })
      .finally(() => {
        clearTimeout(running.progressTimer);
        this.#running.delete(id);
        this.#schedule();
      });
    return true;
  }

  async #fail(id: string, message: string): Promise<void> {
    const failed = await writeWhenFree(this.#db, () => updateJob(this.#db, id, ['PENDING', 'PROCESSING'], { status: 'FAILED', error: message, completedAt: new Date() }), TERMINAL_WRITE_WAIT_MS);
    if (failed) this.#publish(id);
  }

  /** Saves and announces progress now, or at the end of the current interval if one was announced recently. */
  #progressed(id: string, running: RunningJob): void {
    if (running.progressTimer) return;
    const wait = running.saved.at + this.#progressIntervalMs - Date.now();
    if (wait <= 0) return this.#saveProgress(id, running);
    running.progressTimer = setTimeout(() => {
      running.progressTimer = undefined;
      this.#saveProgress(id, running);
    }, wait);
  }

  #saveProgress(id: string, running: RunningJob): void {
    const { recordCount, rowsWritten } = running;
    if (recordCount === running.saved.recordCount && rowsWritten === running.saved.rowsWritten) return;
    running.saved = { recordCount, rowsWritten, at: Date.now() };
    // Progress reaches 1 only with COMPLETE: renaming, syncing and bundling still follow the last row.
    const progress = recordCount ? Math.min(rowsWritten / recordCount, 0.99) : 0;
    // Skipped while another process holds the write lock: the next progress (or the end) is saved instead.
    if (tryWrite(this.#db, () => updateJob(this.#db, id, ['PROCESSING'], { recordCount, rowsWritten, progress })) === true) this.#publish(id);
  }

  /** Sends the job's stored state to its subscribers; after a terminal state, ends and releases them. */
  #publish(id: string): void {
    const subscribers = this.#subscribers.get(id);
    if (!subscribers) return;
    const job = getJob(this.#db, id);
    if (!job) return;
    const state = Object.freeze(job);
    const terminal = TERMINAL_STATUSES.has(job.status);
    if (terminal) this.#subscribers.delete(id);
    for (const subscriber of [...subscribers]) {
      try {
        subscriber.next(state);
        if (terminal) subscriber.end();
      } catch (error) {
        process.emitWarning(`an export job subscriber failed: ${(error as Error).message}`);
      }
    }
  }
}
