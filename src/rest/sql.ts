/**
 * The REST API's hand-written SQL: when the matching cost rows were last loaded, whether their billing periods are
 * final, and commitment rows with their billing account.
 *
 * dataCompleteness rule: the data of a request is Incomplete when a matching row's billing period is still open (its
 * BillingPeriodEnd is after now), or when a Cost and Usage batch whose billing period overlaps the requested period was
 * SUPERSEDED (the period was restated, so earlier reads of it differ); otherwise Complete. The requested period is the
 * billingPeriodStart/billingPeriodEnd parameters, or, where one is not given, the span of the matching rows.
 */
import type { SqliteDatabase } from '../db/sqlite.ts';
import { COST_RECORD_ALIAS } from '../query/cost-records.ts';
import { planSummary } from '../analytics/planner.ts';
import { rollupAsCostRows } from '../analytics/rollups.ts';
import { compileCostRecordFilter, type CostRecordFilter } from '../query/cost-record-filter.ts';

export type DataCompleteness = 'Complete' | 'Incomplete';

export interface RequestedPeriod {
  start: Date | null;
  end: Date | null;
}

/** What a request's status fields need to know about the matching cost rows, read in one pass over them. */
export interface MatchingCostRecords {
  count: number;
  firstBillingPeriodStart: number | null;
  lastBillingPeriodEnd: number | null;
  /** When the newest ingest batch holding some matching row finished; null when no row matches. */
  lastUpdated: Date | null;
}

/**
 * Counted from the smallest rollup that holds exactly the matching rows when one does (planner.ts; the rollups keep
 * the billing period's start and end), from the rows otherwise: a count over millions of rows would take seconds.
 */
export function matchingCostRecords(db: SqliteDatabase, filter: CostRecordFilter): MatchingCostRecords {
  const where = compileCostRecordFilter(filter, COST_RECORD_ALIAS);
  const plan = planSummary({ filters: [filter], dimensions: [], granularity: 'NONE' });
  const [from, rowCount] = plan.rollup === null ? ['cost_records', 'COUNT(*)'] : [rollupAsCostRows(plan.rollup), `SUM(${COST_RECORD_ALIAS}.row_count)`];
  const row = db
    .prepare(
      `SELECT COALESCE(SUM(per_batch.row_count), 0) AS row_count, MIN(per_batch.first_start) AS first_start, MAX(per_batch.last_end) AS last_end,
              MAX(b.completed_at) AS latest
       FROM (SELECT ${COST_RECORD_ALIAS}.batch_id, ${rowCount} AS row_count, MIN(${COST_RECORD_ALIAS}.billing_period_start) AS first_start,
                    MAX(${COST_RECORD_ALIAS}.billing_period_end) AS last_end
             FROM ${from} ${COST_RECORD_ALIAS} WHERE ${where.sql} GROUP BY ${COST_RECORD_ALIAS}.batch_id) AS per_batch
       JOIN ingest_batches b ON b.id = per_batch.batch_id`,
    )
    .get(...where.params) as { row_count: number; first_start: number | null; last_end: number | null; latest: number | null };
  return {
    count: row.row_count,
    firstBillingPeriodStart: row.first_start,
    lastBillingPeriodEnd: row.last_end,
    lastUpdated: row.latest === null ? null : new Date(row.latest),
  };
}

export function dataCompleteness(db: SqliteDatabase, rows: MatchingCostRecords, period: RequestedPeriod, now: Date = new Date()): DataCompleteness {
  if (rows.lastBillingPeriodEnd !== null && rows.lastBillingPeriodEnd > now.getTime()) return 'Incomplete';
  const start = period.start?.getTime() ?? rows.firstBillingPeriodStart;
  const end = period.end?.getTime() ?? rows.lastBillingPeriodEnd;
  if (start === null || end === null) return 'Complete';
  const restated = db
    .prepare(
      `SELECT EXISTS(SELECT 1 FROM ingest_batches b WHERE b.status = 'SUPERSEDED' AND b.dataset = 'CostAndUsage'
         AND b.billing_period_start < ? AND b.billing_period_end > ?) AS restated`,
    )
    .get(end, start) as { restated: number };
  return restated.restated ? 'Incomplete' : 'Complete';
}

/** Commitment rows by id, in the order of `ids`, with their billing account's name and provider. */
export function commitmentRowsById(db: SqliteDatabase, ids: readonly number[]): Record<string, unknown>[] {
  if (ids.length === 0) return [];
  const rows = db
    .prepare(
      `SELECT c.*, a.name AS billing_account_name, a.provider AS provider_name
       FROM commitments c LEFT JOIN billing_accounts a ON a.id = c.billing_account_id
       WHERE c.id IN (SELECT value FROM json_each(?))`,
    )
    .all(JSON.stringify(ids)) as Record<string, unknown>[];
  const byId = new Map(rows.map((row) => [row.id as number, row]));
  return ids.flatMap((id) => { const row = byId.get(id); return row ? [row] : []; });
}
