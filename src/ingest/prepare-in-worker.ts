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

export function prepareInWorker(file: string, options: PrepareOptions, out: PreparedRowsSink): Promise<PreparedFile> {
  const inFlight = new SharedArrayBuffer(4);
  const chunksInFlight = new Int32Array(inFlight);
  const worker = new Worker(new URL('./prepare-worker.js', import.meta.url), { workerData: { file, options, inFlight }, resourceLimits: { maxYoungGenerationSizeMb: 8 } });
  return new Promise((resolve, reject) => {
    let settled = false;
    const settle = (action: () => void) => {
      if (settled) return;
      settled = true;
      void worker.terminate();
      action();
    };
    worker.on('message', (message: WorkerMessage) => {
      if (settled) return;
      try {
        switch (message.type) {
          case 'header':
            out.header(message.header);
            break;
          case 'chunk':
            out.chunk(message.chunk);
            Atomics.sub(chunksInFlight, 0, 1);
            Atomics.notify(chunksInFlight, 0);
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
