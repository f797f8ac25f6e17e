/** The orders and selections of the billing account and family pages. */
import { keysetOrder, type KeysetOrder } from './keyset.ts';
import { TRUE_SQL } from './sql.ts';
import { sortKey, type KeyRow, type TableSelection } from './table-pages.ts';

/** Billing accounts by the provider's id (unique). */
export const BILLING_ACCOUNT_ORDER: KeysetOrder<KeyRow> = keysetOrder('billingAccounts', [sortKey('id', 'ba.id', 'ASC', 'string')]);

/** All billing accounts, or those of one provider (ServiceProviderName). */
export function billingAccountSelection(provider: string | null | undefined): TableSelection {
  return { from: 'billing_accounts ba', where: provider == null ? TRUE_SQL : { sql: 'ba.provider = ?', params: [provider] } };
}

/** Families by name (unique). */
export const FAMILY_ORDER: KeysetOrder<KeyRow> = keysetOrder('families', [sortKey('name', 'f.name', 'ASC', 'string'), sortKey('id', 'f.id', 'ASC', 'string')]);

export const ALL_FAMILIES: TableSelection = { from: 'families f', where: TRUE_SQL };
