/**
 * Worker thread body: prepares one file's rows (prepare.ts) and posts them to the ingesting thread in chunks. When
 * the writer falls behind, the worker blocks (Atomics.wait) rather than queue chunks, so memory stays flat.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { IngestError } from './errors.ts';
import { RowPreparer, type PrepareOptions } from './prepare.ts';
import { readRows } from './sources.ts';
import type { RowChunk } from './chunk.ts';
import { SHARED, type WorkerMessage } from './prepare-in-worker.ts';

const { file, options, inFlight } = workerData as { file: string; options: PrepareOptions; inFlight: SharedArrayBuffer };
const shared = new Int32Array(inFlight);
/** Chunks posted but not yet written: enough to keep the writer busy, few enough to bound memory. */
const MAX_CHUNKS_IN_FLIGHT = 4;

const post = (message: WorkerMessage, transfer: ArrayBuffer[] = []) => {
  parentPort!.postMessage(message, transfer);
  Atomics.add(shared, SHARED.messagesPosted, 1);
};

function postChunk(chunk: RowChunk): void {
  post({ type: 'chunk', chunk }, [chunk.textLengths.buffer as ArrayBuffer, chunk.numbers.buffer as ArrayBuffer, chunk.numberIsNull.buffer as ArrayBuffer]);
  let pending = Atomics.add(shared, SHARED.chunksInFlight, 1) + 1;
  while (pending >= MAX_CHUNKS_IN_FLIGHT) {
    Atomics.wait(shared, SHARED.chunksInFlight, pending);
    pending = Atomics.load(shared, SHARED.chunksInFlight);
  }
}

try {
  const preparer = new RowPreparer(file, options, { header: (header) => post({ type: 'header', header }), chunk: postChunk });
  const { format, checksum } = await readRows(file, preparer, (done, total) => preparer.progress(done, total));
  post({ type: 'done', result: preparer.finish(), sourceFormat: format, checksum });
} catch (error) {
  const failure = error instanceof IngestError ? error : new IngestError((error as Error).message, file);
  post({ type: 'error', message: failure.message, file: failure.file, line: failure.line, column: failure.column });
}
