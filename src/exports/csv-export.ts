/**
 * Writes an export's Cost and Usage CSV from text SQLite renders (csv-sql.ts), in chunks of consecutive ids. On a
 * large table a helper thread (csv-chunk-worker.ts) renders chunks too, on a connection of its own: rendering is
 * the export's work, and a second core halves it. Both threads take the next chunk nobody has taken yet (a counter
 * they share); the export thread writes the chunks in id order, and the helper stays at most CSV_CHUNKS_AHEAD
 * chunks ahead of the file, so memory stays flat.
 *
 * Both connections must read one snapshot, as the export's count and commitments do (write-export.ts). A read
 * transaction's snapshot is taken at its first read, and `PRAGMA data_version` changes on a connection when another
 * one has committed since its last read. So: note the export connection's data_version, let the helper start its
 * transaction, then start the export connection's: an unchanged data_version means nothing was committed between the
 * note and the export connection's snapshot, so the helper's (taken in between) is the same. Otherwise, try again;
 * after a few attempts (a database committing without pause) the export thread renders alone.
 *
 * Rows a filter selects sparsely among the table's ids are written row by row instead (the caller's CsvWriter): the
 * chunks walk every id, while SQLite may reach a few rows faster through an index.
 */
import { Worker } from 'node:worker_threads';
import type { KeyScope } from '../auth/scope.ts';
import type { SqliteDatabase } from '../db/sqlite.ts';
import { COST_AND_USAGE_COLUMNS } from '../focus/columns.ts';
import type { SqlFragment } from '../query/sql.ts';
import type { CsvHelperData, FromCsvHelper, ToCsvHelper } from './csv-chunk-worker.ts';
import { costCsvChunks, costRecordIdRange, prepareCsvConnection, type CsvChunk } from './csv-sql.ts';
import { FileSink, type WrittenFile } from './file-sink.ts';
import { csvHeader } from './formats.ts';

/**
 * How far either thread may get ahead of the file, in chunks (a megabyte each, about): enough for the export thread
 * to keep rendering through a while without CPU for the helper, whose chunk it must write first.
 */
export const CSV_CHUNKS_AHEAD = 16;
/** Indexes of the Int32 counters the export thread and its helper share. */
export const SHARED = { nextChunk: 0, chunksWritten: 1 } as const;

/** What an export's CSV reads: the database, the key's scope (installed on the export connection too) and the rows. */
export interface CsvSource {
  databaseFile: string;
  scope: KeyScope | null;
  where: SqlFragment;
}

/** Chunk i holds the ids from firstId + i * chunkIds, chunkIds of them. */
export interface CsvChunkPlan {
  firstId: number;
  chunkIds: number;
  chunks: number;
}

export interface CsvExportTuning {
  /** Ids per chunk. */
  chunkIds: number;
  /** Tables with fewer ids are rendered by the export thread alone: starting a helper thread takes a moment. */
  helperMinIds: number;
  /** Below one matching row in this many ids, rows are written one by one (see above). */
  sparseIdsPerRow: number;
}

/** Chunks of about a megabyte; a helper from 100,000 ids. */
export const CSV_EXPORT_TUNING: CsvExportTuning = { chunkIds: 1024, helperMinIds: 100_000, sparseIdsPerRow: 32 };
/** Attempts at starting the helper on the export connection's snapshot. */
const SNAPSHOT_ATTEMPTS = 5;

const dataVersion = (db: SqliteDatabase) => db.pragma('data_version', { simple: true }) as number;
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** The helper thread, seen from the export thread: messages as they come, and its failure as an error. */
class CsvChunkHelper {
  readonly shared = new Int32Array(new SharedArrayBuffer(2 * Int32Array.BYTES_PER_ELEMENT));
  readonly #worker: Worker;
  readonly #received: FromCsvHelper[] = [];
  #failure: Error | null = null;
  #wake: (() => void) | null = null;
  #stopped = false;

  constructor(source: CsvSource) {
    const data: CsvHelperData = { ...source, shared: this.shared.buffer as SharedArrayBuffer };
    // As the export thread: a smaller young generation than V8's default keeps the peak RSS down.
    this.#worker = new Worker(new URL('./csv-chunk-worker.js', import.meta.url), { workerData: data, resourceLimits: { maxYoungGenerationSizeMb: 16 } });
    this.#worker.on('message', (message: FromCsvHelper) => {
      if (message.type === 'failed') this.#fail(`the CSV helper thread failed: ${message.message}`);
      else this.#received.push(message);
      this.#wake?.();
    });
    this.#worker.on('error', (error) => this.#fail(`the CSV helper thread failed: ${error.message}`));
    this.#worker.on('exit', (code) => this.#fail(`the CSV helper thread stopped unexpectedly (exit code ${code})`));
  }

  #fail(message: string): void {
    if (this.#stopped || this.#failure) return;
    this.#failure = new Error(message);
    this.#wake?.();
  }

  send(message: ToCsvHelper): void {
    this.#worker.postMessage(message);
  }

  /** A message that has arrived, if any. */
  take(): FromCsvHelper | undefined {
    if (this.#failure) throw this.#failure;
    return this.#received.shift();
  }

  /** The next message, waiting for it. */
  async receive(): Promise<FromCsvHelper> {
    for (;;) {
      const message = this.take();
      if (message) return message;
      await new Promise<void>((resolve) => (this.#wake = resolve));
      this.#wake = null;
    }
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#worker.terminate();
  }
}

/**
 * The Cost and Usage CSV of an export, on its connection `db` (with the source's scope installed). open() starts the
 * connection's read transaction (the snapshot the whole export reads) and, on a large table, a helper thread on the
 * same snapshot and scope.
 */
export class CostCsvWriter {
  private constructor(
    private readonly db: SqliteDatabase,
    private readonly where: SqlFragment,
    private readonly tuning: CsvExportTuning,
    private helper: CsvChunkHelper | null,
  ) {}

  static async open(db: SqliteDatabase, source: CsvSource, tuning: CsvExportTuning = CSV_EXPORT_TUNING): Promise<CostCsvWriter> {
    prepareCsvConnection(db);
    const ids = costRecordIdRange(db);
    let helper = ids && ids.last - ids.first + 1 >= tuning.helperMinIds ? new CsvChunkHelper(source) : null;
    try {
      for (let attempt = 0; helper && !db.inTransaction; attempt++) {
        if (attempt === SNAPSHOT_ATTEMPTS) {
          await helper.stop();
          helper = null;
          break;
        }
        const before = dataVersion(db);
        helper.send({ type: 'begin' });
        const reply = await helper.receive();
        if (reply.type !== 'begun') throw new Error(`the CSV helper thread answered ${reply.type} to begin`);
        db.exec('BEGIN');
        if (dataVersion(db) !== before) db.exec('COMMIT');
      }
    } catch (error) {
      await helper?.stop();
      throw error;
    }
    if (!db.inTransaction) db.exec('BEGIN');
    return new CostCsvWriter(db, source.where, tuning, helper);
  }

  /**
   * Writes the `recordCount` matching rows to a new `file`, reporting the rows written after each chunk. Null when
   * they are too sparse among the table's ids for chunks: the caller writes them row by row.
   */
  async write(file: string, recordCount: number, progress: (rowsWritten: number) => void): Promise<(WrittenFile & { rows: number }) | null> {
    const ids = costRecordIdRange(this.db);
    const idCount = ids ? ids.last - ids.first + 1 : 0;
    if (recordCount * this.tuning.sparseIdsPerRow < idCount) return null;
    const plan: CsvChunkPlan = { firstId: ids?.first ?? 0, chunkIds: this.tuning.chunkIds, chunks: Math.ceil(idCount / this.tuning.chunkIds) };
    const read = costCsvChunks(this.db, this.where);
    const helper = this.helper;
    const shared = helper?.shared ?? new Int32Array(2);
    helper?.send({ type: 'produce', plan });

    const sink = new FileSink(file);
    try {
      sink.write(Buffer.from(csvHeader(COST_AND_USAGE_COLUMNS)));
      const ready = new Map<number, CsvChunk>();
      const accept = (message: FromCsvHelper) => {
        if (message.type !== 'chunk') throw new Error(`the CSV helper thread sent ${message.type} while writing`);
        ready.set(message.chunk, { rows: message.rows, text: Buffer.from(message.text.buffer, message.text.byteOffset, message.text.byteLength) });
      };
      let rows = 0;
      for (let next = 0; next < plan.chunks; ) {
        for (let message = helper?.take(); message; message = helper!.take()) accept(message);
        const chunk = ready.get(next);
        if (chunk) {
          ready.delete(next);
          sink.write(chunk.text);
          rows += chunk.rows;
          Atomics.store(shared, SHARED.chunksWritten, ++next);
          Atomics.notify(shared, SHARED.chunksWritten);
          progress(rows);
          continue;
        }
        // Chunk `next` is not here: render the first chunk nobody has taken (`next` itself when the helper has not taken
        // it), unless enough wait already; otherwise the helper has `next`, so wait for what it sends.
        const mine = ready.size < CSV_CHUNKS_AHEAD ? Atomics.add(shared, SHARED.nextChunk, 1) : plan.chunks;
        if (mine < plan.chunks) {
          const firstId = plan.firstId + mine * plan.chunkIds;
          ready.set(mine, read(firstId, firstId + plan.chunkIds));
          await nextTurn();
        } else if (helper) {
          accept(await helper.receive());
        } else {
          throw new Error(`chunk ${next} of the CSV was never rendered`);
        }
      }
      if (rows !== recordCount) throw new Error(`wrote ${rows} rows of the ${recordCount} counted: the export read two different snapshots`);
      return { ...sink.close(), rows };
    } finally {
      sink.abandon();
    }
  }

  /** Stops the helper thread; the connection stays the caller's. */
  async close(): Promise<void> {
    await this.helper?.stop();
    this.helper = null;
  }
}
