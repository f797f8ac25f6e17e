/**
 * Stored rows as the FOCUS REST API shows them: keyed by FOCUS column name, date-times as RFC 3339 text, JSON columns
 * parsed. A null value is left out of a record: the API's schema declares most columns non-nullable yet optional, so
 * an absent property is how it says "no value". The API's schema predates FOCUS 1.3 in a few names; records carry
 * those too (Region for RegionId, ProviderName falling back to ServiceProviderName, which 1.3 renamed it to), and
 * PricingCategory in the spec's older values (On-Demand for Standard, Commitment-Based for Committed).
 */
import { COST_AND_USAGE_COLUMNS, type FocusColumn } from '../focus/columns.ts';
import type { StoredCostRecord } from '../query/cost-records.ts';

const OLDER_PRICING_CATEGORIES: Readonly<Record<string, string>> = { Standard: 'On-Demand', Committed: 'Commitment-Based' };

export type ApiRecord = Record<string, unknown>;

function apiValue(column: Pick<FocusColumn, 'type'>, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (column.type === 'datetime') return new Date(value as number).toISOString();
  if (column.type === 'json') return typeof value === 'string' ? JSON.parse(value) : value;
  return value;
}

function put(record: ApiRecord, name: string, value: unknown): void {
  if (value !== null && value !== undefined) record[name] = value;
}

export function costAndUsageRecord(row: StoredCostRecord): ApiRecord {
  const record: ApiRecord = {};
  for (const column of COST_AND_USAGE_COLUMNS) put(record, column.name, apiValue(column, row[column.dbColumn]));
  // Columns outside the catalog (x_ columns) as the source file had them; catalog columns win a clash.
  if (row.extra_columns) {
    const extra = JSON.parse(row.extra_columns) as unknown;
    if (extra && typeof extra === 'object' && !Array.isArray(extra)) {
      for (const [name, value] of Object.entries(extra)) if (!(name in record)) put(record, name, value);
    }
  }
  put(record, 'Region', record.RegionId);
  if (typeof record.PricingCategory === 'string') record.PricingCategory = OLDER_PRICING_CATEGORIES[record.PricingCategory] ?? record.PricingCategory;
  if (record.ProviderName === undefined) put(record, 'ProviderName', record.ServiceProviderName);
  return record;
}

const datetime = { type: 'datetime' } as const;
const other = { type: 'string' } as const;

/**
 * A Contract Commitment row under the API's CommitmentDiscount* names (FOCUS 1.3 calls the dataset's columns
 * ContractCommitment*), with the billing account's name and provider from billing_accounts.
 */
export function contractCommitmentRecord(row: Record<string, unknown>): ApiRecord {
  const record: ApiRecord = {};
  put(record, 'CommitmentDiscountId', row.contract_commitment_id);
  put(record, 'CommitmentDiscountType', row.contract_commitment_type);
  put(record, 'CommitmentDiscountCategory', row.contract_commitment_category);
  put(record, 'CommitmentStartDate', apiValue(datetime, row.contract_commitment_period_start));
  put(record, 'CommitmentEndDate', apiValue(datetime, row.contract_commitment_period_end));
  put(record, 'CommitmentTotalQuantity', row.contract_commitment_quantity);
  put(record, 'CommitmentUnit', row.contract_commitment_unit);
  put(record, 'CommitmentDescription', apiValue(other, row.contract_commitment_description));
  put(record, 'BillingAccountId', row.billing_account_id);
  put(record, 'BillingAccountName', row.billing_account_name);
  put(record, 'ProviderName', row.provider_name);
  // The FOCUS 1.3 columns the older names do not cover, under their own names.
  put(record, 'ContractCommitmentCost', row.contract_commitment_cost);
  put(record, 'BillingCurrency', row.billing_currency);
  put(record, 'ContractId', row.contract_id);
  put(record, 'ContractPeriodStart', apiValue(datetime, row.contract_period_start));
  put(record, 'ContractPeriodEnd', apiValue(datetime, row.contract_period_end));
  return record;
}
