/**
 * Writes one export file: run in the export's own thread (export-worker.ts), on its own connection, so neither the
 * rows it holds nor its SQLite reads stall the server. Count, rows and commitments are read in one transaction and so
 * from one snapshot: an ingest committing meanwhile changes none of them. CSV cost rows come from CostCsvWriter
 * (csv-export.ts), whose helper thread reads that snapshot too.
 */
import { rmSync } from 'node:fs';
import path from 'node:path';
import { installScope, type KeyScope } from '../auth/scope.ts';
import { openSqlite } from '../db/sqlite.ts';
import { COST_AND_USAGE_COLUMNS, CONTRACT_COMMITMENT_COLUMNS, type FocusColumn } from '../focus/columns.ts';
import { countCostRecords } from '../query/cost-records.ts';
import type { SqlFragment } from '../query/sql.ts';
import { CostCsvWriter, type CsvExportTuning } from './csv-export.ts';
import { FileSink, type WrittenFile } from './file-sink.ts';
import { FILE_EXTENSION, tableWriter } from './formats.ts';
import type { ExportFormat } from './params.ts';
import { commitmentRows, costRows, type RawRows } from './rows.ts';
import { writeTar } from './tar.ts';

/** Progress is reported every this many rows. */
const PROGRESS_EVERY_ROWS = 1000;

export interface ExportTask {
  databaseFile: string;
  /** The scope of the key that started the export: its rows are all the export can read. */
  scope: KeyScope | null;
  format: ExportFormat;
  /** The cost rows to write (exportSelection). */
  where: SqlFragment;
  /** The export period, epoch ms, for choosing Contract Commitment rows. */
  period: { start: number; end: number };
  includeContractCommitments: boolean;
  /** An empty directory for this attempt's files. */
  workDir: string;
  /** The name of the finished file inside workDir. */
  fileName: string;
  /** How CSV cost rows are cut into chunks and shared with a helper thread; CSV_EXPORT_TUNING when absent. */
  csvTuning?: CsvExportTuning;
}

export interface ExportWriteResult extends WrittenFile {
  recordCount: number;
  rowsWritten: number;
  /** Contract Commitment rows in the bundle; null without includeContractCommitments. */
  commitmentRows: number | null;
}

export interface ExportWriteEvents {
  counted(recordCount: number): void;
  progress(rowsWritten: number): void;
}

/** File names inside a bundle. */
export const BUNDLE_PARTS = { costAndUsage: 'cost-and-usage', contractCommitment: 'contract-commitment' } as const;

function writeTable(format: ExportFormat, columns: readonly FocusColumn[], rows: RawRows, file: string, onRow: (written: number) => void): WrittenFile & { rows: number } {
  const sink = new FileSink(file);
  try {
    const writer = tableWriter(format, columns, sink);
    let written = 0;
    for (const row of rows) {
      writer.writeRow(row);
      onRow(++written);
    }
    writer.finish();
    return { ...sink.close(), rows: written };
  } finally {
    sink.abandon();
  }
}

export async function writeExport(task: ExportTask, events: ExportWriteEvents): Promise<ExportWriteResult> {
  const db = openSqlite(`file:${task.databaseFile}`);
  if (task.scope) installScope(db, task.scope);
  let csv: CostCsvWriter | null = null;
  try {
    if (task.format === 'CSV') csv = await CostCsvWriter.open(db, { databaseFile: task.databaseFile, scope: task.scope, where: task.where }, task.csvTuning);
    else db.exec('BEGIN');
    const recordCount = countCostRecords(db, task.where);
    events.counted(recordCount);
    const onRow = (written: number) => {
      if (written % PROGRESS_EVERY_ROWS === 0) events.progress(written);
    };
    const writeCosts = async (file: string) =>
      (await csv?.write(file, recordCount, events.progress)) ?? writeTable(task.format, COST_AND_USAGE_COLUMNS, costRows(db, task.where), file, onRow);
    const output = path.join(task.workDir, task.fileName);
    if (!task.includeContractCommitments) {
      const costs = await writeCosts(output);
      events.progress(costs.rows);
      return { recordCount, rowsWritten: costs.rows, commitmentRows: null, byteSize: costs.byteSize, sha256: costs.sha256 };
    }
    const extension = FILE_EXTENSION[task.format];
    const costFile = path.join(task.workDir, `${BUNDLE_PARTS.costAndUsage}.${extension}`);
    const commitmentFile = path.join(task.workDir, `${BUNDLE_PARTS.contractCommitment}.${extension}`);
    const costs = await writeCosts(costFile);
    events.progress(costs.rows);
    const commitments = writeTable(task.format, CONTRACT_COMMITMENT_COLUMNS, commitmentRows(db, task.where, task.period), commitmentFile, () => {});
    const bundle = new FileSink(output);
    try {
      writeTar(bundle, [costFile, commitmentFile]);
      const written = bundle.close();
      for (const part of [costFile, commitmentFile]) rmSync(part);
      return { recordCount, rowsWritten: costs.rows, commitmentRows: commitments.rows, ...written };
    } finally {
      bundle.abandon();
    }
  } finally {
    await csv?.close();
    if (db.inTransaction) db.exec('COMMIT');
    db.close();
  }
}
