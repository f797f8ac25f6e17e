/**
 * Files written against FOCUS 1.0–1.2 (and the 0.5 preview names some exporters still use): which version a header
 * looks like, and which older column names mean which 1.3 column.
 */
import { COST_AND_USAGE_COLUMNS, type FocusVersion } from './columns.ts';

/** Older names of 1.3 columns. */
export const RENAMED_COLUMNS: Readonly<Record<string, string>> = {
  Region: 'RegionId',
  AmortizedCost: 'EffectiveCost',
  ChargeType: 'ChargeCategory',
  UsageQuantity: 'ConsumedQuantity',
  UsageUnit: 'ConsumedUnit',
  Provider: 'ProviderName',
  Publisher: 'PublisherName',
  InvoiceIssuer: 'InvoiceIssuerName',
};

/** The newest FOCUS version that introduced one of the given Cost and Usage columns. */
export function detectFocusVersion(columnNames: Iterable<string>): FocusVersion {
  const introducedIn = new Map(COST_AND_USAGE_COLUMNS.map((c) => [c.name, c.introduced]));
  let newest: FocusVersion = '1.0';
  for (const name of columnNames) {
    const version = introducedIn.get(name);
    if (version && version > newest) newest = version;
  }
  return newest;
}
