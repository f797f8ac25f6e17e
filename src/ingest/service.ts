/**
 * Ingest: one file (or generated table) becomes one batch, loaded in one transaction, so a file that fails, or a
 * process killed half way, leaves the database as it was. The CLI, the server's first start and (later) the REST
 * setup routes all load data through here.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import path from 'node:path';
import { compileConformance } from '../conformance/engine.ts';
import { columnIndex, type DatasetId } from '../focus/columns.ts';
import type { SqliteDatabase } from '../db/sqlite.ts';
import { IngestError } from './errors.ts';
import { FindingCollector, type Finding } from './findings.ts';
import { HeaderMapping, RowNormalizer } from './normalize.ts';
import { readRows, type ProgressCallback, type RowSink } from './sources.ts';
import { IngestStore, type BatchTotals } from './store.ts';

/** Something that yields a header and rows of cell text: a file, or generated demo data. */
export interface TableSource {
  /** Shown in errors and stored as the batch's file name. */
  readonly name: string;
  checksum(): Promise<string>;
  /** Streams the rows into the sink; resolves to the source format (csv, csv.gz, parquet or generated). */
  read(sink: RowSink, progress?: ProgressCallback): Promise<string>;
}

export interface IngestOptions {
  /** Detected from the header when not given. */
  dataset?: DatasetId;
  /** Replace the rows of earlier batches for the billing accounts and periods this file holds. */
  replace?: boolean;
  /** Skip unusable rows (recorded as findings) instead of rejecting the file. */
  skipInvalid?: boolean;
  /** Contract Commitment files carry no billing account: the one they belong to, when known. */
  billingAccountId?: string;
  onProgress?: ProgressCallback;
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

export function fileSource(file: string): TableSource {
  return {
    name: file,
    checksum: () =>
      new Promise((resolve, reject) => {
        const hash = createHash('sha256');
        createReadStream(file)
          .on('data', (chunk) => hash.update(chunk))
          .on('end', () => resolve(hash.digest('hex')))
          .on('error', reject);
      }),
    read: (sink, progress) => readRows(file, sink, progress),
  };
}

function detectDataset(names: readonly string[]): DatasetId {
  const lower = new Set(names.map((name) => name.trim().toLowerCase()));
  return lower.has('contractcommitmentid') && !lower.has('chargeperiodstart') ? 'ContractCommitment' : 'CostAndUsage';
}

const BILLING_PERIOD_START = columnIndex('CostAndUsage', 'BillingPeriodStart');
const BILLING_PERIOD_END = columnIndex('CostAndUsage', 'BillingPeriodEnd');

/** Page cache during a load, in KiB as SQLite's negative cache_size takes it: 128 MB. */
const INGEST_CACHE_KIB = -131_072;

/** Raised from inside the reader to stop reading a file that is already loaded. */
class AlreadyLoaded {
  constructor(readonly batchId: number) {}
}

export async function ingest(db: SqliteDatabase, source: TableSource, options: IngestOptions = {}): Promise<IngestSummary> {
  const started = Date.now();
  const checksum = await source.checksum();
  const fileName = path.basename(source.name);
  const store = new IngestStore(db);
  let batchId = 0;
  let dataset: DatasetId = options.dataset ?? 'CostAndUsage';
  let focusVersion = '';
  let findings: FindingCollector | undefined;
  let normalizer: RowNormalizer | undefined;
  let checker: ReturnType<typeof compileConformance> | undefined;
  const totals: BatchTotals = { rowsRead: 0, rowsLoaded: 0, rowsSkipped: 0, rowsReplaced: 0, billingPeriodStart: null, billingPeriodEnd: null };

  const sink: RowSink = {
    header(names) {
      dataset = options.dataset ?? detectDataset(names);
      const mapping = new HeaderMapping(dataset, names, source.name);
      focusVersion = mapping.focusVersion;
      checker = compileConformance(dataset, mapping.present);
      findings = new FindingCollector(checker.rules);
      for (const ruleId of checker.checkColumns(mapping.present)) findings.record(ruleId, 1, checker.rules.get(ruleId)?.column ?? null, null);
      normalizer = new RowNormalizer(mapping, source.name, findings);
      normalizer.recordHeaderNotes();
      const existing = store.activeBatchWithChecksum(dataset, checksum);
      if (existing) throw new AlreadyLoaded(existing.id);
      batchId = store.beginBatch({ fileName, checksum, dataset, focusVersion, startedAt: started });
    },
    row(cells, line) {
      totals.rowsRead++;
      let row;
      try {
        row = normalizer!.normalize(cells, line);
      } catch (error) {
        if (!(error instanceof IngestError) || !options.skipInvalid) throw error;
        totals.rowsSkipped++;
        findings!.record('GW-ROW-SKIPPED', line, error.column === null ? null : normalizer!.mapping.names[error.column - 1], error.message);
        return;
      }
      checker!.checkRow(row, (ruleId, columnIndex) =>
        findings!.record(ruleId, line, columnIndex >= 0 ? normalizer!.mapping.columns[columnIndex].name : null, columnIndex >= 0 ? row.text[columnIndex] : null),
      );
      if (dataset === 'CostAndUsage') {
        store.insertCostRecord(batchId, row);
        const periodStart = row.value[BILLING_PERIOD_START] as number;
        const periodEnd = row.value[BILLING_PERIOD_END] as number;
        if (totals.billingPeriodStart === null || periodStart < totals.billingPeriodStart) totals.billingPeriodStart = periodStart;
        if (totals.billingPeriodEnd === null || periodEnd > totals.billingPeriodEnd) totals.billingPeriodEnd = periodEnd;
      } else if (store.insertCommitment(batchId, row, options.billingAccountId ?? null) === 'updated') {
        totals.rowsReplaced++;
      }
      totals.rowsLoaded++;
    },
  };

  // A bulk load touches every index page of the tables it grows; the default 2 MB page cache makes each insert a
  // cache miss. The larger cache lasts for the load only.
  const cacheSize = db.pragma('cache_size', { simple: true });
  db.pragma(`cache_size = ${INGEST_CACHE_KIB}`);
  db.exec('BEGIN IMMEDIATE');
  try {
    const sourceFormat = await source.read(sink, options.onProgress);
    if (!findings) throw new IngestError('the file is empty: no header row', source.name, 1);
    if (dataset === 'CostAndUsage' && options.replace) totals.rowsReplaced = store.replaceRestatedPeriods(batchId);
    store.markEmptiedBatches(dataset, batchId);
    store.upsertAccounts(started);
    store.resolveCommitmentAccounts();
    store.finishBatch(batchId, sourceFormat, totals, findings.findings(), Date.now());
    db.exec('COMMIT');
  } catch (error) {
    db.exec('ROLLBACK');
    if (error instanceof AlreadyLoaded) {
      return { status: 'ALREADY_LOADED', batchId: error.batchId, file: source.name, dataset, focusVersion, ...totals, rowsRead: 0, findings: [], seconds: (Date.now() - started) / 1000 };
    }
    if (error instanceof IngestError) throw error;
    throw new IngestError((error as Error).message, source.name);
  } finally {
    db.pragma(`cache_size = ${cacheSize}`);
  }
  return { status: 'LOADED', batchId, file: source.name, dataset, focusVersion, ...totals, findings: findings.findings(), seconds: (Date.now() - started) / 1000 };
}
