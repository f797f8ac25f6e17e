/** The export thread: writes one export (writeExport) and reports to the thread that started it. */
import { parentPort, workerData } from 'node:worker_threads';
import { writeExport, type ExportTask, type ExportWriteResult } from './write-export.ts';

export type ExportWorkerMessage =
  | { type: 'counted'; recordCount: number }
  | { type: 'progress'; rowsWritten: number }
  | { type: 'done'; result: ExportWriteResult }
  | { type: 'failed'; message: string };

const post = (message: ExportWorkerMessage) => parentPort!.postMessage(message);

try {
  const result = await writeExport(workerData as ExportTask, {
    counted: (recordCount) => post({ type: 'counted', recordCount }),
    progress: (rowsWritten) => post({ type: 'progress', rowsWritten }),
  });
  post({ type: 'done', result });
} catch (error) {
  post({ type: 'failed', message: error instanceof Error ? error.message : String(error) });
}
