/** Where an export's file lives and how it is offered for download. */
import { statSync } from 'node:fs';
import path from 'node:path';
import { ExportFileUnavailableError } from './errors.ts';
import { BUNDLE_CONTENT_TYPE, BUNDLE_EXTENSION, CONTENT_TYPE, FILE_EXTENSION } from './formats.ts';
import type { ExportJob } from './params.ts';

/** The file an export job writes in the export directory: its id, with the extension of what it holds. */
export function exportFilePath(exportDir: string, job: Pick<ExportJob, 'id' | 'format' | 'includeContractCommitments'>): string {
  return path.join(exportDir, `${job.id}.${job.includeContractCommitments ? BUNDLE_EXTENSION : FILE_EXTENSION[job.format]}`);
}

/**
 * The name an export is saved under: what it holds and for which period, then the job id's first characters when
 * there is a job, such as `focus-cost-and-usage-2026-01-01-2026-02-01-1a2b3c4d.csv`.
 */
export function exportFileName(job: Pick<ExportJob, 'format' | 'includeContractCommitments' | 'billingPeriodStart' | 'billingPeriodEnd'> & { id?: string }): string {
  const day = (date: Date) => date.toISOString().slice(0, 10);
  const what = job.includeContractCommitments ? 'focus-export' : 'focus-cost-and-usage';
  const extension = job.includeContractCommitments ? BUNDLE_EXTENSION : FILE_EXTENSION[job.format];
  const id = job.id === undefined ? '' : `-${job.id.slice(0, 8)}`;
  return `${what}-${day(job.billingPeriodStart)}-${day(job.billingPeriodEnd)}${id}.${extension}`;
}

export interface ExportFile {
  path: string;
  /** Bytes on disk, for Content-Length and ranges. */
  size: number;
  contentType: string;
  /** For Content-Disposition. */
  fileName: string;
}

/** The file of a complete job, ready to stream; ExportFileUnavailableError says why there is none. */
export function openExportFile(job: ExportJob | null | undefined): ExportFile {
  if (!job) throw new ExportFileUnavailableError('not-found', 'no such export job');
  if (job.status === 'EXPIRED') {
    throw new ExportFileUnavailableError('expired', `the export file expired and was removed at ${job.expiredAt?.toISOString() ?? 'an unknown time'}; start a new export`);
  }
  if (job.status !== 'COMPLETE' || job.filePath === null) {
    const why = job.status === 'FAILED' ? `the export failed: ${job.error}` : job.status === 'CANCELLED' ? 'the export was cancelled' : `the export is ${job.status.toLowerCase()}`;
    throw new ExportFileUnavailableError('not-complete', `${why}; there is no file to download`);
  }
  let size: number;
  try {
    size = statSync(job.filePath).size;
  } catch {
    throw new ExportFileUnavailableError('expired', 'the export file is no longer on disk; start a new export');
  }
  return {
    path: job.filePath,
    size,
    contentType: job.includeContractCommitments ? BUNDLE_CONTENT_TYPE : CONTENT_TYPE[job.format],
    fileName: exportFileName(job),
  };
}
