/**
 * Which family accounts and cost rows belong to, in batches (the GraphQL loaders call these once per page, not once
 * per row). Every answer goes through the family rule in rule.ts.
 */
import type { SqliteDatabase } from '../db/sqlite.ts';
import { costRecordFamilyIdSql } from './rule.ts';

/** The two account ids the family rule reads from a cost row (or from a sub account and its billing account). */
export interface AccountPair {
  subAccountId: string | null;
  billingAccountId: string | null;
}

const placeholders = (count: number) => Array.from({ length: count }, () => '?').join(', ');

/**
 * The family id of each pair, in order: the family a cost row with these accounts belongs to. A sub account's family
 * is the one its cost rows fall in, so it is asked the same way (its id and its billing account's).
 */
export function familyIdsOfAccountPairs(db: SqliteDatabase, pairs: readonly AccountPair[]): (string | null)[] {
  if (pairs.length === 0) return [];
  const rows = db
    .prepare(
      `WITH pair (position, sub_account_id, billing_account_id) AS (VALUES ${pairs.map(() => '(?, ?, ?)').join(', ')})
       SELECT position, ${costRecordFamilyIdSql('pair')} AS family_id FROM pair`,
    )
    .all(pairs.flatMap((pair, position) => [position, pair.subAccountId, pair.billingAccountId])) as { position: number; family_id: string | null }[];
  const familyIds: (string | null)[] = pairs.map(() => null);
  for (const row of rows) familyIds[row.position] = row.family_id;
  return familyIds;
}

/** Ids of the families holding each billing account or any of its sub accounts, per billing account. */
export function familyIdsHoldingBillingAccounts(db: SqliteDatabase, billingAccountIds: readonly string[]): Map<string, string[]> {
  const result = new Map<string, string[]>(billingAccountIds.map((id) => [id, []]));
  if (billingAccountIds.length === 0) return result;
  const list = placeholders(billingAccountIds.length);
  const rows = db
    .prepare(
      `SELECT DISTINCT account.billing_account_id, fm.family_id
       FROM (SELECT id AS account_id, id AS billing_account_id FROM billing_accounts WHERE id IN (${list})
             UNION ALL SELECT id, billing_account_id FROM sub_accounts WHERE billing_account_id IN (${list})) account
       JOIN family_members fm ON fm.account_id = account.account_id
       JOIN families f ON f.id = fm.family_id
       ORDER BY account.billing_account_id, f.name`,
    )
    .all([...billingAccountIds, ...billingAccountIds]) as { billing_account_id: string; family_id: string }[];
  for (const row of rows) result.get(row.billing_account_id)?.push(row.family_id);
  return result;
}
