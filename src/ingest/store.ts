/**
 * The hand-written SQL of ingest: bulk inserts through prepared statements (Prisma's createMany is an order of
 * magnitude slower at these volumes), batch bookkeeping, replacement of restated billing periods, and the account
 * tables. Every method runs inside the caller's transaction.
 */
import { COST_AND_USAGE_COLUMNS, CONTRACT_COMMITMENT_COLUMNS, columnIndex, type DatasetId, type FocusColumn } from '../focus/columns.ts';
import type { SqliteDatabase } from '../db/sqlite.ts';
import type { Finding } from './findings.ts';
import { DAILY_ROLLUP, ROLLUP_DIMENSIONS, ROLLUP_MEASURES } from '../analytics/rollup-columns.ts';
import { deriveLatticeRollups, RollupAccumulator } from '../analytics/rollups.ts';
import { chunkApplications, readChunk, type RowChunk, type StoredValue } from './chunk.ts';
import type { BatchFacts } from './prepare.ts';

export interface BatchMetadata {
  fileName: string;
  dataset: DatasetId;
  focusVersion: string;
  startedAt: number;
}

export interface BatchTotals {
  rowsRead: number;
  rowsLoaded: number;
  rowsSkipped: number;
  rowsReplaced: number;
  billingPeriodStart: number | null;
  billingPeriodEnd: number | null;
}

function insertStatement(db: SqliteDatabase, table: string, columns: readonly FocusColumn[], leading: string[], conflict = ''): ReturnType<SqliteDatabase['prepare']> {
  const names = [...leading, ...columns.map((column) => column.dbColumn)];
  return db.prepare(`INSERT INTO ${table} (${names.join(', ')}) VALUES (${names.map(() => '?').join(', ')})${conflict}`);
}

const CONTRACT_COMMITMENT_ID = columnIndex('ContractCommitment', 'ContractCommitmentId');

/** Where a column sits in the stored values of a row: after extra_columns, in catalog order. */
const storedPosition = (field: string) => COST_AND_USAGE_COLUMNS.findIndex((column) => column.field === field) + 1;

export class IngestStore {
  readonly #rollup = new RollupAccumulator({
    chargePeriodStart: storedPosition('chargePeriodStart'),
    dimensions: ROLLUP_DIMENSIONS.map((column) => storedPosition(column.field)),
    measures: ROLLUP_MEASURES.map((column) => storedPosition(column.field)),
  });
  readonly #insertCost;
  readonly #insertApplication;
  readonly #upsertCommitment;
  readonly #commitmentExists;

  constructor(private readonly db: SqliteDatabase) {
    this.#insertCost = insertStatement(db, 'cost_records', COST_AND_USAGE_COLUMNS, ['batch_id', 'extra_columns']);
    this.#commitmentExists = db.prepare('SELECT 1 FROM commitments WHERE contract_commitment_id = ?');
    this.#insertApplication = db.prepare(
      'INSERT INTO contract_applications (cost_record_id, contract_id, contract_commitment_id, applied_cost, applied_quantity, applied_unit) VALUES (?, ?, ?, ?, ?, ?)',
    );
    const updates = ['batch_id', 'extra_columns', ...CONTRACT_COMMITMENT_COLUMNS.map((c) => c.dbColumn)].map((name) => `${name} = excluded.${name}`);
    this.#upsertCommitment = insertStatement(
      db,
      'commitments',
      CONTRACT_COMMITMENT_COLUMNS,
      ['batch_id', 'extra_columns', 'billing_account_id'],
      ` ON CONFLICT (contract_commitment_id) DO UPDATE SET ${updates.join(', ')}, billing_account_id = COALESCE(excluded.billing_account_id, commitments.billing_account_id)`,
    );
  }

  activeBatchWithChecksum(dataset: DatasetId, checksum: string): { id: number; file_name: string } | undefined {
    return this.db
      .prepare("SELECT id, file_name FROM ingest_batches WHERE dataset = ? AND checksum = ? AND status = 'ACTIVE' ORDER BY id LIMIT 1")
      .get(dataset, checksum) as { id: number; file_name: string } | undefined;
  }

  beginBatch(meta: BatchMetadata): number {
    const result = this.db
      .prepare(
        `INSERT INTO ingest_batches (file_name, checksum, dataset, focus_version, status, rows_read, rows_loaded, rows_skipped, rows_replaced, started_at, completed_at)
         VALUES (?, '', ?, ?, 'ACTIVE', 0, 0, 0, 0, ?, ?)`,
      )
      .run(meta.fileName, meta.dataset, meta.focusVersion, meta.startedAt, meta.startedAt);
    return Number(result.lastInsertRowid);
  }

  /** Inserts a chunk of prepared Cost and Usage rows with their contract applications. */
  insertCostRecords(batchId: number, chunk: RowChunk): void {
    const ids = new Array<number | bigint>(chunk.rows);
    const parameters: StoredValue[] = [];
    readChunk('CostAndUsage', chunk, (values, row) => {
      parameters.length = 0;
      parameters.push(batchId, ...values);
      ids[row] = this.#insertCost.run(parameters).lastInsertRowid;
      this.#rollup.add(values);
    });
    for (const [row, application] of chunkApplications(chunk)) {
      this.#insertApplication.run(ids[row], application.contractId, application.commitmentId, application.cost, application.quantity, application.unit);
    }
    if (this.#rollup.full) this.#rollup.write(this.db, batchId);
  }

  /** Writes the rollups of the batch's cost rows (once, when the batch is complete). */
  writeRollups(batchId: number): void {
    this.#rollup.write(this.db, batchId);
    deriveLatticeRollups(this.db, [batchId]);
  }

  /** Upserts a chunk of Contract Commitment rows by ContractCommitmentId; returns how many replaced earlier rows. */
  upsertCommitments(batchId: number, chunk: RowChunk, billingAccountId: string | null): number {
    let updated = 0;
    const parameters: StoredValue[] = [];
    readChunk('ContractCommitment', chunk, (values) => {
      if (this.#commitmentExists.get(values[CONTRACT_COMMITMENT_ID + 1])) updated++;
      parameters.length = 0;
      parameters.push(batchId, values[0], billingAccountId, ...values.slice(1));
      this.#upsertCommitment.run(parameters);
    });
    return updated;
  }

  /**
   * Deletes other batches' rows (and their rollups) for the billing account and period pairs this batch holds; returns
   * how many rows. The lattice rollups of the batches that lost rows are derived again from what is left of them.
   */
  replaceRestatedPeriods(batchId: number, facts: BatchFacts): number {
    const restated = 'billing_account_id IS ? AND billing_period_start = ? AND batch_id <> ?';
    const remove = this.db.prepare(`DELETE FROM cost_records WHERE ${restated}`);
    const restatedBatches = this.db.prepare(`SELECT DISTINCT batch_id FROM ${DAILY_ROLLUP.table} WHERE ${restated}`).pluck();
    const removeRollups = this.db.prepare(`DELETE FROM ${DAILY_ROLLUP.table} WHERE ${restated}`);
    let removed = 0;
    const touched = new Set<number>();
    for (const { accountId, periodStart } of facts.periods) {
      for (const id of restatedBatches.all(accountId, periodStart, batchId) as number[]) touched.add(id);
      removed += remove.run(accountId, periodStart, batchId).changes;
      removeRollups.run(accountId, periodStart, batchId);
    }
    if (touched.size > 0) deriveLatticeRollups(this.db, [...touched]);
    return removed;
  }

  /** Batches left without rows (all replaced or superseded) are marked SUPERSEDED. */
  markEmptiedBatches(dataset: DatasetId, batchId: number): void {
    const table = dataset === 'CostAndUsage' ? 'cost_records' : 'commitments';
    this.db
      .prepare(
        `UPDATE ingest_batches SET status = 'SUPERSEDED' WHERE status = 'ACTIVE' AND dataset = ? AND id <> ?
         AND NOT EXISTS (SELECT 1 FROM ${table} WHERE ${table}.batch_id = ingest_batches.id)`,
      )
      .run(dataset, batchId);
  }

  /** Billing and sub accounts seen in the batch, newest names winning; registration state is left alone. */
  upsertAccounts(facts: BatchFacts, now: number): void {
    const account = this.db.prepare(
      `INSERT INTO billing_accounts (id, name, type, provider, setup_status, first_seen_at) VALUES (?, ?, ?, ?, 'NOT_CONFIGURED', ?)
       ON CONFLICT (id) DO UPDATE SET name = COALESCE(excluded.name, name), type = COALESCE(excluded.type, type), provider = COALESCE(excluded.provider, provider)`,
    );
    for (const [id, a] of facts.accounts) account.run(id, a.name, a.type, a.provider, now);
    const subAccount = this.db.prepare(
      `INSERT INTO sub_accounts (id, name, type, billing_account_id) VALUES (?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET name = COALESCE(excluded.name, name), type = COALESCE(excluded.type, type), billing_account_id = COALESCE(excluded.billing_account_id, billing_account_id)`,
    );
    for (const [id, s] of facts.subAccounts) subAccount.run(id, s.name, s.type, s.billingAccountId);
  }

  /** Commitments loaded without a billing account take the account of the cost rows that applied them. */
  resolveCommitmentAccounts(): void {
    this.db.exec(
      `UPDATE commitments SET billing_account_id = (
         SELECT cr.billing_account_id FROM contract_applications ca JOIN cost_records cr ON cr.id = ca.cost_record_id
         WHERE ca.contract_commitment_id = commitments.contract_commitment_id AND cr.billing_account_id IS NOT NULL LIMIT 1)
       WHERE billing_account_id IS NULL`,
    );
  }

  /** Records the batch's checksum (known once the whole file is read), counts and findings. */
  finishBatch(batchId: number, sourceFormat: string, checksum: string, totals: BatchTotals, findings: Finding[], completedAt: number): void {
    this.db
      .prepare(
        `UPDATE ingest_batches SET source_format = ?, checksum = ?, rows_read = ?, rows_loaded = ?, rows_skipped = ?, rows_replaced = ?, billing_period_start = ?, billing_period_end = ?, completed_at = ? WHERE id = ?`,
      )
      .run(sourceFormat, checksum, totals.rowsRead, totals.rowsLoaded, totals.rowsSkipped, totals.rowsReplaced, totals.billingPeriodStart, totals.billingPeriodEnd, completedAt, batchId);
    const finding = this.db.prepare('INSERT INTO conformance_findings (batch_id, rule_id, severity, message, count, examples) VALUES (?, ?, ?, ?, ?, ?)');
    for (const f of findings) finding.run(batchId, f.ruleId, f.severity, f.message, f.count, JSON.stringify(f.examples));
  }
}
