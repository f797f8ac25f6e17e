/**
 * Ingest: one file (or generated table) becomes one batch, loaded in one transaction, so a file that fails, or a
 * process killed half way, leaves the database as it was. Parsing and checking (prepare.ts) run in a worker thread
 * for files while this thread writes. The CLI, the server's first start and (later) the REST
 * setup routes all load data through here.
 */
import { statSync } from 'node:fs';
import path from 'node:path';
import type { DatasetId } from '../focus/columns.ts';
import type { SqliteDatabase } from '../db/sqlite.ts';
import { IngestError } from './errors.ts';
import type { Finding } from './findings.ts';
import { prepareInWorker, type PreparedFile } from './prepare-in-worker.ts';
import { RowPreparer, type PreparedRowsSink, type PrepareOptions } from './prepare.ts';
import { detectFormat, readRows, type ProgressCallback, type RowSink } from './sources.ts';
import { IngestStore, type BatchTotals } from './store.ts';

/** A file on disk: parsed in a worker thread while this thread writes. */
export interface FileSource {
  /** Shown in errors and stored as the batch's file name. */
  readonly name: string;
  readonly file: string;
}

/** Rows made in this process (demo data), parsed and written on this thread. */
export interface GeneratedSource {
  readonly name: string;
  checksum(): Promise<string>;
  /** Streams the rows into the sink; resolves to the source format. */
  read(sink: RowSink, progress?: ProgressCallback): Promise<string>;
}

export type IngestSource = FileSource | GeneratedSource;

export interface IngestOptions extends PrepareOptions {
  /** Replace the rows of earlier batches for the billing accounts and periods this file holds. */
  replace?: boolean;
  /** Contract Commitment files carry no billing account: the one they belong to, when known. */
  billingAccountId?: string;
  onProgress?: ProgressCallback;
  /** Size from which a file is parsed in a worker thread (default WORKER_THRESHOLD_BYTES). Parquet always is. */
  workerThresholdBytes?: number;
  /** How long the worker thread may go without progress before the file is given up on (default READER_STALL_MS). */
  readerStallMs?: number;
}

export interface IngestSummary {
  status: 'LOADED' | 'ALREADY_LOADED';
  batchId: number;
  file: string;
  dataset: DatasetId;
  focusVersion: string;
  rowsRead: number;
  rowsLoaded: number;
  rowsSkipped: number;
  rowsReplaced: number;
  findings: Finding[];
  seconds: number;
}

export function fileSource(file: string): FileSource {
  return { name: file, file };
}

/** Prepares rows on this thread, where generated rows are made and where small files are not worth a thread. */
async function prepareInThread(source: IngestSource, options: PrepareOptions, out: PreparedRowsSink): Promise<PreparedFile> {
  const preparer = new RowPreparer(source.name, options, out);
  const progress = (done: number, total: number) => preparer.progress(done, total);
  if ('file' in source) {
    const { format, checksum } = await readRows(source.file, preparer, progress);
    return { result: preparer.finish(), sourceFormat: format, checksum };
  }
  const sourceFormat = await source.read(preparer, progress);
  return { result: preparer.finish(), sourceFormat, checksum: await source.checksum() };
}

/**
 * Files from this size up are parsed in a worker thread; starting one (and its TypeScript loader) takes a second.
 * Parquet files are parsed there whatever their size: a damaged one can send the Parquet decoder into an endless
 * loop, which a worker can be stopped out of and the ingesting thread could not.
 */
export const WORKER_THRESHOLD_BYTES = 16 * 1024 * 1024;

/** Page cache during a load, in KiB as SQLite's negative cache_size takes it: 64 MB. */
const INGEST_CACHE_KIB = -65_536;

/**
 * Loads one source as one batch. The rows are written as they are parsed, inside one transaction that commits only
 * once the whole file has been read and checked; the checksum, known only then, decides whether the same bytes were
 * loaded before, in which case everything rolls back and the earlier batch is reported.
 */
export async function ingest(db: SqliteDatabase, source: IngestSource, options: IngestOptions = {}): Promise<IngestSummary> {
  const started = Date.now();
  const fileName = path.basename(source.name);
  const store = new IngestStore(db);
  let batchId = 0;
  let dataset: DatasetId = options.dataset ?? 'CostAndUsage';
  let focusVersion = '';
  let rowsLoaded = 0;
  let rowsReplaced = 0;
  const out: PreparedRowsSink = {
    header(header) {
      ({ dataset, focusVersion } = header);
      batchId = store.beginBatch({ fileName, dataset, focusVersion, startedAt: started });
    },
    chunk(chunk) {
      if (dataset === 'CostAndUsage') store.insertCostRecords(batchId, chunk);
      else rowsReplaced += store.upsertCommitments(batchId, chunk, options.billingAccountId ?? null);
      rowsLoaded += chunk.rows;
      options.onProgress?.(chunk.bytesDone, chunk.bytesTotal);
    },
  };
  const prepareOptions: PrepareOptions = { dataset: options.dataset, skipInvalid: options.skipInvalid };

  // A bulk load touches every index page of the tables it grows; the default 2 MB page cache makes each insert a
  // cache miss. The larger cache lasts for the load only.
  const cacheSize = db.pragma('cache_size', { simple: true });
  db.pragma(`cache_size = ${INGEST_CACHE_KIB}`);
  db.exec('BEGIN IMMEDIATE');
  try {
    const inWorker = 'file' in source && (statSync(source.file).size >= (options.workerThresholdBytes ?? WORKER_THRESHOLD_BYTES) || (await detectFormat(source.file)) === 'parquet');
    const { result, sourceFormat, checksum } = inWorker ? await prepareInWorker(source.file, prepareOptions, out, options.readerStallMs) : await prepareInThread(source, prepareOptions, out);
    const existing = store.activeBatchWithChecksum(dataset, checksum);
    if (existing) {
      db.exec('ROLLBACK');
      return { status: 'ALREADY_LOADED', batchId: existing.id, file: source.name, dataset, focusVersion, rowsRead: 0, rowsLoaded: 0, rowsSkipped: 0, rowsReplaced: 0, findings: [], seconds: (Date.now() - started) / 1000 };
    }
    if (dataset === 'CostAndUsage' && options.replace) rowsReplaced = store.replaceRestatedPeriods(batchId, result.facts);
    if (dataset === 'CostAndUsage') store.writeRollups(batchId);
    store.markEmptiedBatches(dataset, batchId);
    store.upsertAccounts(result.facts, started);
    store.resolveCommitmentAccounts();
    const totals: BatchTotals = {
      rowsRead: result.rowsRead,
      rowsLoaded,
      rowsSkipped: result.rowsSkipped,
      rowsReplaced,
      billingPeriodStart: result.facts.billingPeriodStart,
      billingPeriodEnd: result.facts.billingPeriodEnd,
    };
    store.finishBatch(batchId, sourceFormat, checksum, totals, result.findings, Date.now());
    db.exec('COMMIT');
    return { status: 'LOADED', batchId, file: source.name, dataset, focusVersion, ...totals, findings: result.findings, seconds: (Date.now() - started) / 1000 };
  } catch (error) {
    if (db.inTransaction) db.exec('ROLLBACK');
    if (error instanceof IngestError) throw error;
    throw new IngestError((error as Error).message, source.name);
  } finally {
    db.pragma(`cache_size = ${cacheSize}`);
  }
}
