import { describe, expect, it } from 'vitest';
import { compileConformance, type ParsedRow } from '../src/conformance/engine.ts';
import { demoCommitments, demoCostRows, demoFamilies, type DemoOptions } from '../src/demo/generator.ts';
import { COST_AND_USAGE_COLUMNS, CONTRACT_COMMITMENT_COLUMNS, SERVICE_SUBCATEGORIES, columnsOf, type DatasetId } from '../src/focus/columns.ts';

const OPTIONS: DemoOptions = { rows: 20_000, seed: 42 };
const rows = [...demoCostRows(OPTIONS)];
const commitments = demoCommitments(OPTIONS);
const families = demoFamilies(OPTIONS);

const at = Object.fromEntries(COST_AND_USAGE_COLUMNS.map((column, index) => [column.name, index])) as Record<string, number>;
const cell = (row: string[], column: string): string => row[at[column]];
const share = (predicate: (row: string[]) => boolean): number => rows.filter(predicate).length / rows.length;

/** A decimal string as an exact integer and its number of decimals. */
function exact(text: string): { units: bigint; scale: number } {
  const [whole, fraction = ''] = text.split('.');
  return { units: BigInt(whole + fraction), scale: fraction.length };
}

function exactProduct(a: string, b: string): { units: bigint; scale: number } {
  const x = exact(a);
  const y = exact(b);
  return { units: x.units * y.units, scale: x.scale + y.scale };
}

function sameDecimal(a: { units: bigint; scale: number }, b: { units: bigint; scale: number }): boolean {
  const scale = Math.max(a.scale, b.scale);
  return a.units * 10n ** BigInt(scale - a.scale) === b.units * 10n ** BigInt(scale - b.scale);
}

/** Cells by catalog index, parsed the plain way, as the conformance engine expects them. */
function parsedRow(dataset: DatasetId, cells: string[]): ParsedRow {
  const text = cells.map((value) => (value === '' ? null : value));
  const value = columnsOf(dataset).map((column, index) => {
    const cellText = text[index];
    if (cellText === null) return null;
    if (column.type === 'decimal') return Number(cellText);
    if (column.type === 'datetime') return Date.parse(cellText);
    if (column.type === 'json') return JSON.parse(cellText) as unknown;
    return cellText;
  });
  return { text, value };
}

describe('demo cost rows', () => {
  it('are deterministic for the same options and differ for another seed', () => {
    expect([...demoCostRows(OPTIONS)]).toEqual(rows);
    const otherSeed = [...demoCostRows({ ...OPTIONS, seed: 43 })];
    expect(otherSeed).toHaveLength(rows.length);
    expect(otherSeed).not.toEqual(rows);
    expect(demoCommitments(OPTIONS)).toEqual(commitments);
    expect(demoFamilies(OPTIONS)).toEqual(families);
  });

  it('yields exactly the requested number of rows, each with every catalog column', () => {
    for (const count of [0, 1, 3, 7, 250, 4321]) expect([...demoCostRows({ rows: count, seed: 9 })]).toHaveLength(count);
    expect(rows).toHaveLength(OPTIONS.rows);
    expect(rows.filter((row) => row.length !== COST_AND_USAGE_COLUMNS.length)).toEqual([]);
  });

  it('is lazy: the first rows of a huge data set come without generating the rest', () => {
    const started = performance.now();
    const first: string[][] = [];
    for (const row of demoCostRows({ rows: 10_000_000, seed: 1 })) {
      first.push(row);
      if (first.length === 5) break;
    }
    expect(first).toHaveLength(5);
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('satisfies every FOCUS 1.3 rule the conformance engine checks', () => {
    for (const dataset of ['CostAndUsage', 'ContractCommitment'] as const) {
      const present = new Set(columnsOf(dataset).map((column) => column.name));
      const checker = compileConformance(dataset, present);
      expect(checker.checkColumns(present)).toEqual([]);
      const violations = new Map<string, number>();
      const data = dataset === 'CostAndUsage' ? rows : commitments.map((commitment) => commitment.cells);
      for (const cells of data) {
        checker.checkRow(parsedRow(dataset, cells), (ruleId) => violations.set(ruleId, (violations.get(ruleId) ?? 0) + 1));
      }
      expect(Object.fromEntries(violations)).toEqual({});
    }
  });

  it('only uses allowed values, with subcategories under their category', () => {
    for (const [index, column] of COST_AND_USAGE_COLUMNS.entries()) {
      if (!column.allowedValues) continue;
      const allowed = new Set([...column.allowedValues, ...(column.nullable ? [''] : [])]);
      const used = new Set(rows.map((row) => row[index]));
      expect([...used].filter((value) => !allowed.has(value)), column.name).toEqual([]);
    }
    const misplaced = rows.filter((row) => !SERVICE_SUBCATEGORIES[cell(row, 'ServiceCategory')].includes(cell(row, 'ServiceSubcategory')));
    expect(misplaced).toEqual([]);
  });

  it('gives every service name one category', () => {
    const categories = new Map<string, Set<string>>();
    for (const row of rows) {
      const name = cell(row, 'ServiceName');
      categories.set(name, (categories.get(name) ?? new Set()).add(cell(row, 'ServiceCategory')));
    }
    for (const [name, found] of categories) expect(found.size, name).toBe(1);
  });

  it('writes money and quantities as plain decimals of at most 10 decimals and 15 significant digits', () => {
    const decimalColumns = COST_AND_USAGE_COLUMNS.flatMap((column, index) => (column.type === 'decimal' ? [index] : []));
    const significantDigits = (value: string) => value.replace(/^-?0*\.?0*|\./g, '').length;
    const malformed = rows.flatMap((row) =>
      decimalColumns.map((index) => row[index]).filter((value) => value !== '' && (!/^-?(0|[1-9]\d*)(\.\d{1,10})?$/.test(value) || significantDigits(value) > 15)),
    );
    expect(malformed).toEqual([]);
  });

  it('keeps costs exactly equal to unit price x quantity and ordered list >= contracted >= effective', () => {
    const priced = rows.filter((row) => cell(row, 'PricingQuantity') !== '');
    expect(priced.length).toBeGreaterThan(rows.length * 0.9);
    const inexact = priced.filter(
      (row) =>
        !sameDecimal(exactProduct(cell(row, 'ContractedUnitPrice'), cell(row, 'PricingQuantity')), exact(cell(row, 'ContractedCost'))) ||
        !sameDecimal(exactProduct(cell(row, 'ListUnitPrice'), cell(row, 'PricingQuantity')), exact(cell(row, 'ListCost'))),
    );
    expect(inexact).toEqual([]);
    const misordered = priced.filter(
      (row) =>
        cell(row, 'ChargeCategory') === 'Usage' &&
        Number(cell(row, 'PricingQuantity')) > 0 &&
        !(Number(cell(row, 'ListCost')) >= Number(cell(row, 'ContractedCost')) && Number(cell(row, 'ContractedCost')) >= Number(cell(row, 'EffectiveCost'))),
    );
    expect(misordered).toEqual([]);
  });

  it('puts each charge in the billing period of its month, and corrections in the following one', () => {
    const iso = (epochMs: number) => `${new Date(epochMs).toISOString().slice(0, 19)}Z`;
    const misplaced = rows.filter((row) => {
      const start = cell(row, 'ChargePeriodStart');
      const chargeMonth = new Date(start);
      const monthsLater = cell(row, 'ChargeClass') === 'Correction' ? 1 : 0;
      return (
        !/^\d{4}-\d{2}-\d{2}T\d{2}:00:00Z$/.test(start) ||
        Date.parse(cell(row, 'ChargePeriodEnd')) <= Date.parse(start) ||
        cell(row, 'BillingPeriodStart') !== iso(Date.UTC(chargeMonth.getUTCFullYear(), chargeMonth.getUTCMonth() + monthsLater, 1)) ||
        cell(row, 'BillingPeriodEnd') !== iso(Date.UTC(chargeMonth.getUTCFullYear(), chargeMonth.getUTCMonth() + monthsLater + 1, 1))
      );
    });
    expect(misplaced).toEqual([]);
  });

  it('spans three months from the start option regardless of the number of rows', () => {
    const months = (data: Iterable<string[]>) => [...new Set([...data].map((row) => cell(row, 'BillingPeriodStart')))].sort();
    expect(months(rows)).toEqual(['2026-01-01T00:00:00Z', '2026-02-01T00:00:00Z', '2026-03-01T00:00:00Z']);
    const later = [...demoCostRows({ rows: 3000, seed: 42, start: new Date(Date.UTC(2025, 9, 1)) })];
    expect(months(later)).toEqual(['2025-10-01T00:00:00Z', '2025-11-01T00:00:00Z', '2025-12-01T00:00:00Z']);
    expect(cell(later[0], 'ChargePeriodStart')).toBe('2025-10-01T00:00:00Z');
  });

  it('mixes every charge category across providers, billing accounts and currencies', () => {
    for (const category of ['Usage', 'Purchase', 'Tax', 'Credit', 'Adjustment']) {
      expect(share((row) => cell(row, 'ChargeCategory') === category), category).toBeGreaterThan(0);
    }
    expect(share((row) => cell(row, 'ChargeClass') === 'Correction')).toBeGreaterThan(0);
    expect(new Set(rows.map((row) => cell(row, 'ServiceProviderName')))).toEqual(new Set(['AWS', 'Microsoft', 'Google Cloud', 'Oracle', 'Datadog']));
    expect(new Set(rows.map((row) => cell(row, 'BillingAccountId'))).size).toBeGreaterThanOrEqual(6);
    expect(new Set(rows.map((row) => cell(row, 'SubAccountId'))).size).toBeGreaterThanOrEqual(40);
    expect(new Set(rows.map((row) => cell(row, 'BillingCurrency')))).toEqual(new Set(['USD', 'EUR']));
    expect(share((row) => cell(row, 'BillingCurrency') === 'USD')).toBeGreaterThan(0.8);
    expect(share((row) => cell(row, 'ChargeFrequency') === 'One-Time' && cell(row, 'ChargeCategory') === 'Purchase')).toBeGreaterThan(0);
    expect(share((row) => cell(row, 'ChargeFrequency') === 'Recurring' && cell(row, 'ChargeCategory') === 'Purchase')).toBeGreaterThan(0);
    expect(share((row) => cell(row, 'PricingCategory') === 'Dynamic')).toBeGreaterThan(0);
  });

  it('sells Datadog through AWS Marketplace', () => {
    const datadog = rows.filter((row) => cell(row, 'ServiceProviderName') === 'Datadog');
    expect(datadog.length).toBeGreaterThan(0);
    for (const row of datadog) {
      expect(cell(row, 'HostProviderName')).toBe('AWS');
      expect(cell(row, 'InvoiceIssuerName')).toBe('AWS');
    }
  });

  it('records commitment discounts as used, unused and purchased', () => {
    const used = rows.filter((row) => cell(row, 'CommitmentDiscountStatus') === 'Used');
    const unused = rows.filter((row) => cell(row, 'CommitmentDiscountStatus') === 'Unused');
    expect(used.length).toBeGreaterThan(0);
    expect(unused.length).toBeGreaterThan(0);
    for (const row of [...used, ...unused]) {
      expect(cell(row, 'BilledCost')).toBe('0');
      expect(Number(cell(row, 'EffectiveCost'))).toBeGreaterThan(0);
      expect(cell(row, 'PricingCategory')).toBe('Committed');
      expect(cell(row, 'CommitmentDiscountQuantity')).not.toBe('');
    }
    for (const row of unused) expect(cell(row, 'ResourceId')).toBe(cell(row, 'CommitmentDiscountId'));
    const discountIds = new Set(used.map((row) => cell(row, 'CommitmentDiscountId')));
    const purchases = rows.filter((row) => cell(row, 'ChargeCategory') === 'Purchase');
    for (const row of purchases) {
      expect(discountIds).toContain(cell(row, 'CommitmentDiscountId'));
      expect(cell(row, 'EffectiveCost')).toBe('0');
      expect(Number(cell(row, 'BilledCost'))).toBeGreaterThan(0);
    }
    expect(share((row) => cell(row, 'CapacityReservationStatus') === 'Used')).toBeGreaterThan(0);
    expect(share((row) => cell(row, 'CapacityReservationStatus') === 'Unused')).toBeGreaterThan(0);
  });

  it('makes credits negative', () => {
    const credits = rows.filter((row) => cell(row, 'ChargeCategory') === 'Credit');
    expect(credits.length).toBeGreaterThan(0);
    for (const row of credits) expect(Number(cell(row, 'BilledCost'))).toBeLessThan(0);
  });

  it('splits shared cluster nodes across workloads with ratios that add up to the whole node hour', () => {
    const split = rows.filter((row) => cell(row, 'AllocatedMethodId') !== '');
    expect(split.length).toBeGreaterThan(0);
    expect(split.some((row) => cell(row, 'AllocatedResourceId') === '')).toBe(true);
    const ratioByNodeHour = new Map<string, number>();
    for (const row of split) {
      const details = JSON.parse(cell(row, 'AllocatedMethodDetails')) as { Elements: { AllocatedRatio: number }[] };
      const key = `${cell(row, 'ResourceId')}|${cell(row, 'ChargePeriodStart')}`;
      ratioByNodeHour.set(key, (ratioByNodeHour.get(key) ?? 0) + details.Elements[0].AllocatedRatio);
      const allocated = cell(row, 'AllocatedResourceId') !== '';
      expect(cell(row, 'AllocatedResourceName') !== '').toBe(allocated);
      expect(cell(row, 'AllocatedTags') !== '').toBe(allocated);
      if (allocated) {
        const tagKeys = Object.keys(JSON.parse(cell(row, 'Tags')) as object);
        expect(Object.keys(JSON.parse(cell(row, 'AllocatedTags')) as object).filter((key) => tagKeys.includes(key))).toEqual([]);
      }
    }
    for (const total of ratioByNodeHour.values()) expect(total).toBeCloseTo(1, 9);
  });

  it('draws ContractApplied amounts from contract commitments of the same billing account', () => {
    const commitmentAccounts = new Map(
      commitments.map((commitment) => [commitment.cells[CONTRACT_COMMITMENT_COLUMNS.findIndex((c) => c.name === 'ContractCommitmentId')], commitment]),
    );
    const contractIdAt = CONTRACT_COMMITMENT_COLUMNS.findIndex((column) => column.name === 'ContractId');
    const applied = rows.filter((row) => cell(row, 'ContractApplied') !== '');
    expect(applied.length).toBeGreaterThan(0);
    const referenced = new Set<string>();
    for (const row of applied) {
      const { Elements } = JSON.parse(cell(row, 'ContractApplied')) as { Elements: Record<string, unknown>[] };
      for (const element of Elements) {
        const commitment = commitmentAccounts.get(String(element.ContractCommitmentId));
        expect(commitment, String(element.ContractCommitmentId)).toBeDefined();
        expect(commitment!.billingAccountId).toBe(cell(row, 'BillingAccountId'));
        expect(commitment!.cells[contractIdAt]).toBe(element.ContractId);
        expect(element.ContractCommitmentAppliedCost).toBe(Number(cell(row, 'BilledCost')));
        referenced.add(String(element.ContractCommitmentId));
      }
    }
    expect(referenced).toEqual(new Set(commitmentAccounts.keys()));
    for (const commitment of commitments) expect(commitment.cells).toHaveLength(CONTRACT_COMMITMENT_COLUMNS.length);
  });

  it('leaves a realistic share of usage without a team tag', () => {
    const untagged = share((row) => cell(row, 'Tags') === '' || !('team' in (JSON.parse(cell(row, 'Tags')) as object)));
    expect(untagged).toBeGreaterThan(0.15);
    expect(untagged).toBeLessThan(0.25);
  });
});

describe('demo families', () => {
  const billingAccountIds = new Set(rows.map((row) => cell(row, 'BillingAccountId')));
  const subAccountIds = new Set(rows.map((row) => cell(row, 'SubAccountId')));

  it('group existing accounts, each in at most one family, leaving some out', () => {
    expect(families.length).toBeGreaterThanOrEqual(3);
    const members = families.flatMap((family) => family.accountIds);
    expect(new Set(members).size).toBe(members.length);
    for (const id of members) expect(billingAccountIds.has(id) || subAccountIds.has(id), id).toBe(true);
    expect([...subAccountIds].filter((id) => !members.includes(id)).length).toBeGreaterThan(0);
    for (const family of families) {
      expect(family.name).not.toBe('');
      expect(family.description).not.toBe('');
      expect(family.accountIds.length).toBeGreaterThan(0);
    }
  });

  it('never put a sub account in a family when another family has its whole billing account', () => {
    const familyOf = new Map(families.flatMap((family) => family.accountIds.map((id) => [id, family.name] as const)));
    for (const row of rows) {
      const accountFamily = familyOf.get(cell(row, 'BillingAccountId'));
      const subFamily = familyOf.get(cell(row, 'SubAccountId'));
      if (accountFamily !== undefined && subFamily !== undefined) expect(subFamily).toBe(accountFamily);
    }
  });
});
