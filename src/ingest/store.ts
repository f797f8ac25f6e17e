/**
 * The hand-written SQL of ingest: bulk inserts through prepared statements (Prisma's createMany is an order of
 * magnitude slower at these volumes), batch bookkeeping, replacement of restated billing periods, and the account
 * tables. Every method runs inside the caller's transaction.
 */
import { COST_AND_USAGE_COLUMNS, CONTRACT_COMMITMENT_COLUMNS, columnIndex, type DatasetId, type FocusColumn } from '../focus/columns.ts';
import type { SqliteDatabase } from '../db/sqlite.ts';
import type { Finding } from './findings.ts';
import type { NormalizedRow } from './normalize.ts';

export interface BatchMetadata {
  fileName: string;
  checksum: string;
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

const toStored = (column: FocusColumn, row: NormalizedRow, index: number): string | number | null => {
  const value = row.value[index];
  if (value === null) return null;
  // JSON keeps the provider's own text: it was validated as JSON when parsed.
  return column.type === 'json' ? row.text[index] : (value as string | number);
};

function insertStatement(db: SqliteDatabase, table: string, columns: readonly FocusColumn[], leading: string[], conflict = ''): ReturnType<SqliteDatabase['prepare']> {
  const names = [...leading, ...columns.map((column) => column.dbColumn)];
  return db.prepare(`INSERT INTO ${table} (${names.join(', ')}) VALUES (${names.map(() => '?').join(', ')})${conflict}`);
}

/** Reads the elements of a ContractApplied value, accepting both key casings of FOCUS 1.3 and its errata. */
function contractApplications(applied: unknown): { contractId: string | null; commitmentId: string; cost: number | null; quantity: number | null; unit: string | null }[] {
  const elements = (applied as { Elements?: unknown } | null)?.Elements;
  if (!Array.isArray(elements)) return [];
  const out = [];
  for (const element of elements) {
    if (element === null || typeof element !== 'object') continue;
    const get = (...keys: string[]) => {
      for (const key of keys) if (key in element) return (element as Record<string, unknown>)[key];
      return undefined;
    };
    const commitmentId = get('ContractCommitmentId', 'ContractCommitmentID');
    if (typeof commitmentId !== 'string' || commitmentId === '') continue;
    const number = (value: unknown) => (value === null || value === undefined || value === '' ? null : Number.isFinite(Number(value)) ? Number(value) : null);
    const contractId = get('ContractId', 'ContractID');
    const unit = get('ContractCommitmentAppliedUnit');
    out.push({
      contractId: typeof contractId === 'string' ? contractId : null,
      commitmentId,
      cost: number(get('ContractCommitmentAppliedCost')),
      quantity: number(get('ContractCommitmentAppliedQuantity')),
      unit: typeof unit === 'string' ? unit : null,
    });
  }
  return out;
}

/** Positions of the columns the store reads from every row, looked up once. */
const COST = Object.fromEntries(
  [
    'ContractApplied',
    'BillingAccountId',
    'BillingAccountName',
    'BillingAccountType',
    'ServiceProviderName',
    'SubAccountId',
    'SubAccountName',
    'SubAccountType',
    'BillingPeriodStart',
  ].map((name) => [name, columnIndex('CostAndUsage', name)]),
);
const CONTRACT_COMMITMENT_ID = columnIndex('ContractCommitment', 'ContractCommitmentId');

export class IngestStore {
  readonly #insertCost;
  readonly #insertApplication;
  readonly #upsertCommitment;
  readonly #commitmentExists;
  readonly #accounts = new Map<string, { name: unknown; type: unknown; provider: unknown }>();
  readonly #subAccounts = new Map<string, { name: unknown; type: unknown; billingAccountId: unknown }>();
  /** Billing account and billing period pairs the batch holds, for --replace. */
  readonly #periods = new Map<string, { accountId: string | null; periodStart: number }>();

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
         VALUES (?, ?, ?, ?, 'ACTIVE', 0, 0, 0, 0, ?, ?)`,
      )
      .run(meta.fileName, meta.checksum, meta.dataset, meta.focusVersion, meta.startedAt, meta.startedAt);
    return Number(result.lastInsertRowid);
  }

  insertCostRecord(batchId: number, row: NormalizedRow): void {
    const values: (string | number | null)[] = [batchId, row.extra === null ? null : JSON.stringify(row.extra)];
    COST_AND_USAGE_COLUMNS.forEach((column, index) => values.push(toStored(column, row, index)));
    const id = this.#insertCost.run(values).lastInsertRowid;
    const at = (name: keyof typeof COST) => row.value[COST[name]];
    for (const application of contractApplications(at('ContractApplied'))) {
      this.#insertApplication.run(id, application.contractId, application.commitmentId, application.cost, application.quantity, application.unit);
    }
    const accountId = at('BillingAccountId') as string | null;
    if (accountId !== null) this.#accounts.set(accountId, { name: at('BillingAccountName'), type: at('BillingAccountType'), provider: at('ServiceProviderName') });
    const subAccountId = at('SubAccountId') as string | null;
    if (subAccountId !== null) this.#subAccounts.set(subAccountId, { name: at('SubAccountName'), type: at('SubAccountType'), billingAccountId: accountId });
    const periodStart = at('BillingPeriodStart') as number;
    this.#periods.set(`${accountId}\u0000${periodStart}`, { accountId, periodStart });
  }

  insertCommitment(batchId: number, row: NormalizedRow, billingAccountId: string | null): 'inserted' | 'updated' {
    const exists = this.#commitmentExists.get(row.value[CONTRACT_COMMITMENT_ID]);
    const values: (string | number | null)[] = [batchId, row.extra === null ? null : JSON.stringify(row.extra), billingAccountId];
    CONTRACT_COMMITMENT_COLUMNS.forEach((column, index) => values.push(toStored(column, row, index)));
    this.#upsertCommitment.run(values);
    return exists ? 'updated' : 'inserted';
  }

  /** Deletes other batches' rows for the billing account and period pairs this batch holds; returns how many. */
  replaceRestatedPeriods(batchId: number): number {
    const remove = this.db.prepare('DELETE FROM cost_records WHERE billing_account_id IS ? AND billing_period_start = ? AND batch_id <> ?');
    let removed = 0;
    for (const { accountId, periodStart } of this.#periods.values()) removed += remove.run(accountId, periodStart, batchId).changes;
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
  upsertAccounts(now: number): void {
    const account = this.db.prepare(
      `INSERT INTO billing_accounts (id, name, type, provider, setup_status, first_seen_at) VALUES (?, ?, ?, ?, 'NOT_CONFIGURED', ?)
       ON CONFLICT (id) DO UPDATE SET name = COALESCE(excluded.name, name), type = COALESCE(excluded.type, type), provider = COALESCE(excluded.provider, provider)`,
    );
    for (const [id, a] of this.#accounts) account.run(id, a.name, a.type, a.provider, now);
    const subAccount = this.db.prepare(
      `INSERT INTO sub_accounts (id, name, type, billing_account_id) VALUES (?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET name = COALESCE(excluded.name, name), type = COALESCE(excluded.type, type), billing_account_id = COALESCE(excluded.billing_account_id, billing_account_id)`,
    );
    for (const [id, s] of this.#subAccounts) subAccount.run(id, s.name, s.type, s.billingAccountId);
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

  finishBatch(batchId: number, sourceFormat: string, totals: BatchTotals, findings: Finding[], completedAt: number): void {
    this.db
      .prepare(
        `UPDATE ingest_batches SET source_format = ?, rows_read = ?, rows_loaded = ?, rows_skipped = ?, rows_replaced = ?, billing_period_start = ?, billing_period_end = ?, completed_at = ? WHERE id = ?`,
      )
      .run(sourceFormat, totals.rowsRead, totals.rowsLoaded, totals.rowsSkipped, totals.rowsReplaced, totals.billingPeriodStart, totals.billingPeriodEnd, completedAt, batchId);
    const finding = this.db.prepare('INSERT INTO conformance_findings (batch_id, rule_id, severity, message, count, examples) VALUES (?, ?, ?, ?, ?, ?)');
    for (const f of findings) finding.run(batchId, f.ruleId, f.severity, f.message, f.count, JSON.stringify(f.examples));
  }
}
