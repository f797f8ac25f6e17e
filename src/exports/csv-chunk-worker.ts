/**
 * The CSV helper thread of an export (csv-export.ts): on a connection of its own, reads chunks of the export's cost
 * rows as CSV text and hands them to the export thread, which writes them in order. Chunks are claimed from a counter
 * shared with the export thread, and the helper stays at most CSV_CHUNKS_AHEAD chunks ahead of the file, so memory
 * stays flat however far behind the writing falls.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { installScope } from '../auth/scope.ts';
import { openSqlite } from '../db/sqlite.ts';
import { CSV_CHUNKS_AHEAD, SHARED, type CsvChunkPlan, type CsvSource } from './csv-export.ts';
import { costCsvChunks, costRecordIdRange, prepareCsvConnection } from './csv-sql.ts';

export interface CsvHelperData extends CsvSource {
  /** Int32 counters shared with the export thread (SHARED). */
  shared: SharedArrayBuffer;
}

export type ToCsvHelper = { type: 'begin' } | { type: 'produce'; plan: CsvChunkPlan };

export type FromCsvHelper =
  | { type: 'begun' }
  | { type: 'chunk'; chunk: number; rows: number; text: Uint8Array }
  | { type: 'failed'; message: string };

const { databaseFile, scope, where, shared } = workerData as CsvHelperData;
const counters = new Int32Array(shared);
const db = openSqlite(`file:${databaseFile}`);
if (scope) installScope(db, scope);
prepareCsvConnection(db);
const post = (message: FromCsvHelper, transfer: ArrayBuffer[] = []) => parentPort!.postMessage(message, transfer);

function produce(plan: CsvChunkPlan): void {
  const read = costCsvChunks(db, where);
  for (let chunk = Atomics.add(counters, SHARED.nextChunk, 1); chunk < plan.chunks; chunk = Atomics.add(counters, SHARED.nextChunk, 1)) {
    for (let written = Atomics.load(counters, SHARED.chunksWritten); chunk - written >= CSV_CHUNKS_AHEAD; written = Atomics.load(counters, SHARED.chunksWritten)) {
      Atomics.wait(counters, SHARED.chunksWritten, written);
    }
    const firstId = plan.firstId + chunk * plan.chunkIds;
    const { rows, text } = read(firstId, firstId + plan.chunkIds);
    // A blob of its own memory moves to the export thread without a copy.
    const whole = text.byteOffset === 0 && text.byteLength === text.buffer.byteLength;
    post({ type: 'chunk', chunk, rows, text }, whole ? [text.buffer as ArrayBuffer] : []);
  }
}

parentPort!.on('message', (message: ToCsvHelper) => {
  try {
    switch (message.type) {
      case 'begin':
        // A new read transaction; its snapshot starts at its first read.
        if (db.inTransaction) db.exec('COMMIT');
        db.exec('BEGIN');
        costRecordIdRange(db);
        post({ type: 'begun' });
        break;
      case 'produce':
        produce(message.plan);
        break;
    }
  } catch (error) {
    post({ type: 'failed', message: error instanceof Error ? error.message : String(error) });
  }
});
