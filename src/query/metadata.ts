/** The order and selection of ingest batch pages. */
import { keysetOrder, type KeysetOrder } from './keyset.ts';
import { andSql, type SqlFragment } from './sql.ts';
import { sortKey, type KeyRow, type TableSelection } from './table-pages.ts';

/** Ingest batches, newest first. */
export const INGEST_BATCH_ORDER: KeysetOrder<KeyRow> = keysetOrder('ingestBatches', [sortKey('id', 'b.id', 'DESC', 'integer')]);

/** Batches of one dataset and/or status (ACTIVE, SUPERSEDED), or all. */
export function ingestBatchSelection(filter: { dataset?: string | null; status?: string | null }): TableSelection {
  const parts: SqlFragment[] = [];
  if (filter.dataset != null) parts.push({ sql: 'b.dataset = ?', params: [filter.dataset] });
  if (filter.status != null) parts.push({ sql: 'b.status = ?', params: [filter.status] });
  return { from: 'ingest_batches b', where: andSql(parts) };
}
