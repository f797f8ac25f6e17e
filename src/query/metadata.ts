/** What data the gateway holds and how fresh it is, for `schemaMetadata`, and the order of ingest batch pages. */
import type { SqliteDatabase } from '../db/sqlite.ts';
import { keysetOrder, type KeysetOrder } from './keyset.ts';
import { andSql, type SqlFragment } from './sql.ts';
import { sortKey, type KeyRow, type TableSelection } from './table-pages.ts';

export interface AccountFreshness {
  billingAccountId: string | null;
  billingAccountName: string | null;
  /** The provider that invoices the account (billing_accounts.provider). */
  provider: string | null;
  /** Latest ChargePeriodEnd among the account's rows, epoch ms. */
  latestChargePeriodEnd: number;
  /** When the newest batch still holding rows of the account finished loading, epoch ms. */
  lastIngestAt: number;
  rowCount: number;
}

/** One entry per billing account that has cost rows, by provider then account id. */
export function dataFreshness(db: SqliteDatabase): AccountFreshness[] {
  return db
    .prepare(
      `WITH per_batch AS (
         SELECT billing_account_id, batch_id, MAX(charge_period_end) AS latest_charge_period_end, COUNT(*) AS row_count
         FROM cost_records GROUP BY billing_account_id, batch_id)
       SELECT pb.billing_account_id AS billingAccountId, ba.name AS billingAccountName, ba.provider AS provider,
              MAX(pb.latest_charge_period_end) AS latestChargePeriodEnd, MAX(ib.completed_at) AS lastIngestAt, SUM(pb.row_count) AS rowCount
       FROM per_batch pb
       JOIN ingest_batches ib ON ib.id = pb.batch_id
       LEFT JOIN billing_accounts ba ON ba.id = pb.billing_account_id
       GROUP BY pb.billing_account_id
       ORDER BY ba.provider, pb.billing_account_id`,
    )
    .all() as AccountFreshness[];
}

/** Ingest batches, newest first. */
export const INGEST_BATCH_ORDER: KeysetOrder<KeyRow> = keysetOrder('ingestBatches', [sortKey('id', 'b.id', 'DESC', 'integer')]);

/** Batches of one dataset and/or status (ACTIVE, SUPERSEDED), or all. */
export function ingestBatchSelection(filter: { dataset?: string | null; status?: string | null }): TableSelection {
  const parts: SqlFragment[] = [];
  if (filter.dataset != null) parts.push({ sql: 'b.dataset = ?', params: [filter.dataset] });
  if (filter.status != null) parts.push({ sql: 'b.status = ?', params: [filter.status] });
  return { from: 'ingest_batches b', where: andSql(parts) };
}
