/** Runs the preparation of a file in a worker thread and feeds its header and chunks to the caller's sink. */
import { Worker } from 'node:worker_threads';
import type { RowChunk } from './chunk.ts';
import { IngestError } from './errors.ts';
import type { PreparedHeader, PreparedRowsSink, PrepareOptions, PrepareResult } from './prepare.ts';

export type WorkerMessage =
  | { type: 'header'; header: PreparedHeader }
  | { type: 'chunk'; chunk: RowChunk }
  | { type: 'done'; result: PrepareResult; sourceFormat: string; checksum: string }
  | { type: 'error'; message: string; file: string; line: number | null; column: number | null };

export interface PreparedFile {
  result: PrepareResult;
  sourceFormat: string;
  checksum: string;
}

/** Slots of the buffer the two threads share. */
export const SHARED = {
  /** Chunks posted but not yet written. */
  chunksInFlight: 0,
  /** Messages the worker has posted so far: its sign of life. */
  messagesPosted: 1,
} as const;

/**
 * How long the reader thread may go without posting anything (a header, a chunk of rows, the end) before the file
 * is given up on: long enough to decode one large Parquet row group on a slow machine, and an end to a decoder that
 * a damaged file sends into an endless loop (a hang the ingesting thread must not share).
 */
export const READER_STALL_MS = 120_000;

export function prepareInWorker(file: string, options: PrepareOptions, out: PreparedRowsSink, stallMs = READER_STALL_MS): Promise<PreparedFile> {
  const inFlight = new SharedArrayBuffer(8);
  const shared = new Int32Array(inFlight);
  const worker = new Worker(new URL('./prepare-worker.js', import.meta.url), { workerData: { file, options, inFlight }, resourceLimits: { maxYoungGenerationSizeMb: 8 } });
  return new Promise((resolve, reject) => {
    let settled = false;
    let watchdog: NodeJS.Timeout | undefined;
    const settle = (action: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(watchdog);
      void worker.terminate();
      action();
    };
    // Counted by the worker rather than by messages handled here: this thread may have been too busy to handle them.
    let postedBefore = -1;
    const watch = () => {
      const posted = Atomics.load(shared, SHARED.messagesPosted);
      if (posted === postedBefore) {
        settle(() => reject(new IngestError(`the file reader made no progress for ${stallMs / 1000} s and was stopped: the file is damaged in a way its decoder cannot get out of`, file)));
        return;
      }
      postedBefore = posted;
      watchdog = setTimeout(watch, stallMs);
    };
    watch();
    worker.on('message', (message: WorkerMessage) => {
      if (settled) return;
      try {
        switch (message.type) {
          case 'header':
            out.header(message.header);
            break;
          case 'chunk':
            out.chunk(message.chunk);
            Atomics.sub(shared, SHARED.chunksInFlight, 1);
            Atomics.notify(shared, SHARED.chunksInFlight);
            break;
          case 'done':
            settle(() => resolve({ result: message.result, sourceFormat: message.sourceFormat, checksum: message.checksum }));
            break;
          case 'error':
            settle(() => reject(new IngestError(message.message, message.file, message.line, message.column)));
            break;
        }
      } catch (error) {
        settle(() => reject(error));
      }
    });
    worker.on('error', (error) => settle(() => reject(new IngestError(`the reader thread failed: ${error.message}`, file))));
    worker.on('exit', (code) => settle(() => reject(new IngestError(`the reader thread stopped unexpectedly (exit code ${code})`, file))));
  });
}
