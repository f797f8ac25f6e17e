/**
 * Runs one export in a worker thread and puts its file in place. The file is written under `<target>.partial/` and
 * renamed to `target` only once it is whole and synced to disk, so `target` is always either absent or a complete
 * file; whatever happens to the attempt (failure, stop), the `.partial` directory is removed. The export service
 * and the CLI both run exports through here.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { ExportWorkerMessage } from './export-worker.ts';
import type { ExportTask, ExportWriteResult } from './write-export.ts';

/** What to export: the export thread's task without its working files, which the runner chooses. */
export interface ExportRequest extends Omit<ExportTask, 'workDir' | 'fileName'> {
  /** Where the finished file goes. */
  target: string;
}

export interface ExportRunEvents {
  counted?(recordCount: number): void;
  progress?(rowsWritten: number): void;
}

export interface ExportRun {
  /** Settles once the file is in place (with what was written) or the attempt failed or was stopped. */
  readonly done: Promise<ExportWriteResult>;
  /** Stops the attempt at once and removes its partial files; `done` then rejects with ExportStoppedError. */
  stop(): Promise<void>;
}

/** The export could not be written; the message says why (a full disk, an unwritable directory, ...). */
export class ExportWriteError extends Error {
  override name = 'ExportWriteError';
}

export class ExportStoppedError extends Error {
  override name = 'ExportStoppedError';
}

export const partialDirectory = (target: string) => `${target}.partial`;

/** Removes a file or directory tree; a path whose parent is not a directory has nothing to remove either. */
export function removePath(target: string): void {
  try {
    rmSync(target, { recursive: true, force: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOTDIR') throw error;
  }
}

/** A rename is only durable once the directory holding it is synced. */
function syncDirectory(directory: string): void {
  const fd = openSync(directory, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export function runExport(request: ExportRequest, events: ExportRunEvents = {}): ExportRun {
  const workDir = partialDirectory(request.target);
  const removeWorkDir = () => removePath(workDir);
  let settle: { resolve(result: ExportWriteResult): void; reject(error: Error): void };
  const done = new Promise<ExportWriteResult>((resolve, reject) => (settle = { resolve, reject }));
  let settled = false;
  const finish = (outcome: () => ExportWriteResult) => {
    if (settled) return;
    settled = true;
    try {
      settle.resolve(outcome());
    } catch (error) {
      let message = (error as Error).message;
      try {
        removeWorkDir();
      } catch (cleanup) {
        message += `; its partial files at ${workDir} could not be removed either (${(cleanup as Error).message})`;
      }
      settle.reject(new ExportWriteError(message));
    }
  };
  const fail = (message: string) =>
    finish(() => {
      throw new ExportWriteError(message);
    });

  let worker: Worker | undefined;
  try {
    removeWorkDir();
    mkdirSync(workDir, { recursive: true });
  } catch (error) {
    fail(`cannot write to the export directory: ${(error as Error).message}`);
  }
  if (!settled) {
    const { target, ...what } = request;
    const task: ExportTask = { ...what, workDir, fileName: path.basename(target) };
    // A smaller young generation than V8's default: about 30 MB less peak RSS per export, for a little more collecting.
    worker = new Worker(new URL('./export-worker.js', import.meta.url), { workerData: task, resourceLimits: { maxYoungGenerationSizeMb: 16 } });
    worker.on('message', (message: ExportWorkerMessage) => {
      if (settled) return;
      switch (message.type) {
        case 'counted':
          events.counted?.(message.recordCount);
          break;
        case 'progress':
          events.progress?.(message.rowsWritten);
          break;
        case 'done':
          finish(() => {
            try {
              renameSync(path.join(workDir, task.fileName), request.target);
              removeWorkDir();
              syncDirectory(path.dirname(request.target));
            } catch (error) {
              throw new ExportWriteError(`the finished export could not be put in place: ${(error as Error).message}`);
            }
            return message.result;
          });
          break;
        case 'failed':
          fail(`the export could not be written: ${message.message}`);
          break;
      }
    });
    worker.on('error', (error) => fail(`the export thread failed: ${error.message}`));
    worker.on('exit', (code) => fail(`the export thread stopped unexpectedly (exit code ${code})`));
  }

  return {
    done,
    async stop() {
      if (settled) return;
      settled = true;
      try {
        await worker?.terminate();
        removeWorkDir();
      } finally {
        settle.reject(new ExportStoppedError('the export was stopped'));
      }
    },
  };
}
