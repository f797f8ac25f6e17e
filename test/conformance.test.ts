import { describe, it, expect } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { compileConformance, type ConformanceChecker, type ParsedRow } from '../src/conformance/engine.ts';
import { isFocusCurrency, isFocusDateTime, isFocusNumeric, isFocusUnit, isNationalCurrency } from '../src/conformance/formats.ts';
import { columnsOf, type DatasetId } from '../src/focus/columns.ts';

/** Row 1 of community_focus-data-toolkit_1.3/aws_1_3_cost_and_usage_rows100_seed42.csv (MIT AND CC-BY-4.0). */
const VALID_COST_ROW: Readonly<Record<string, string>> = {
  ProviderName: 'AWS',
  PublisherName: 'AWS',
  ServiceProviderName: 'AWS',
  HostProviderName: 'AWS',
  InvoiceIssuerName: 'AWS',
  InvoiceId: 'INV-2026-05-0001',
  BillingAccountId: '100000000001',
  BillingAccountName: 'ExampleCorp Master Payer',
  BillingAccountType: 'Payer Account',
  SubAccountId: '200000000012',
  SubAccountName: 'staging-platform',
  SubAccountType: 'Linked Account',
  BillingPeriodStart: '2026-05-01T00:00:00Z',
  BillingPeriodEnd: '2026-06-01T00:00:00Z',
  ChargePeriodStart: '2026-05-01T00:00:00Z',
  ChargePeriodEnd: '2026-05-01T01:00:00Z',
  ChargeCategory: 'Usage',
  ChargeClass: '',
  ChargeDescription: 'Linux on-demand m6i.large',
  ChargeFrequency: 'Usage-Based',
  BilledCost: '0.08799215300000',
  EffectiveCost: '0.08799215300000',
  ListCost: '0.09776905890000',
  ContractedCost: '0.08799215300000',
  ListUnitPrice: '0.0977690589',
  ContractedUnitPrice: '0.0879921530',
  PricingCategory: 'Standard',
  PricingQuantity: '1.0000',
  PricingUnit: 'Hours',
  PricingCurrency: 'USD',
  PricingCurrencyContractedUnitPrice: '0.0879921530',
  PricingCurrencyEffectiveCost: '0.08799215300000',
  PricingCurrencyListUnitPrice: '0.0977690589',
  BillingCurrency: 'USD',
  ConsumedQuantity: '1.0000',
  ConsumedUnit: 'Hours',
  ServiceName: 'AmazonEC2',
  ServiceCategory: 'Compute',
  ServiceSubcategory: 'Virtual Machines',
  SkuId: 'SKU-AMAZON-805da8',
  SkuMeter: 'Compute',
  SkuPriceId: 'SPRICE-46a32c3b',
  SkuPriceDetails: '{"InstanceType":"m6i.large","InstanceSeries":"M6i","CoreCount":2,"MemorySize":8,"OperatingSystem":"Linux","x_Tenancy":"Shared"}',
  ResourceId: 'arn:aws:ec2:eu-west-1:100000000001:instance/i-2d1026706d7e',
  ResourceName: 'i-2d1026706d7e',
  ResourceType: 'EC2 Instance',
  RegionId: 'eu-west-1',
  RegionName: 'EU (Ireland)',
  AvailabilityZone: 'eu-west-1b',
  CommitmentDiscountId: '',
  CommitmentDiscountName: '',
  CommitmentDiscountCategory: '',
  CommitmentDiscountType: '',
  CommitmentDiscountStatus: '',
  CommitmentDiscountQuantity: '',
  CommitmentDiscountUnit: '',
  ContractApplied: JSON.stringify({
    Elements: [
      {
        ContractId: 'CONTRACT-NEGOTIATED-AWS',
        ContractCommitmentId: 'CC-RATECARD-AWS',
        ContractCommitmentAppliedCost: 0.087992153,
        ContractCommitmentAppliedQuantity: null,
        ContractCommitmentAppliedUnit: null,
      },
      {
        ContractId: 'CONTRACT-NEGOTIATED-AWS',
        ContractCommitmentId: 'CC-USAGEMIN-AWS',
        ContractCommitmentAppliedCost: null,
        ContractCommitmentAppliedQuantity: 1,
        ContractCommitmentAppliedUnit: 'Hours',
      },
    ],
  }),
  CapacityReservationId: '',
  CapacityReservationStatus: '',
  AllocatedMethodId: '',
  AllocatedMethodDetails: '',
  AllocatedResourceId: '',
  AllocatedResourceName: '',
  AllocatedTags: '',
  Tags: '{"Environment":"prod","CostCenter":"cc-3110","Owner":"team-platform"}',
};

/** The commitment discount columns of a Savings Plan covered row of the same sample file. */
const SAVINGS_PLAN_COVERAGE: Readonly<Record<string, string>> = {
  CommitmentDiscountId: 'arn:aws:savingsplans:ap-southeast-1::savingsplan/b62179273c8eb5bb',
  CommitmentDiscountName: 'ComputeSavingsPlan-1yr-NoUpfront',
  CommitmentDiscountCategory: 'Spend',
  CommitmentDiscountType: 'Savings Plan',
  CommitmentDiscountStatus: 'Used',
  CommitmentDiscountQuantity: '0.04475196480000',
  CommitmentDiscountUnit: 'USD',
};

/** A Usage commitment of community_focus-data-toolkit_1.3/aws_1_3_contract_commitment_rows100_seed42.csv. */
const VALID_COMMITMENT_ROW: Readonly<Record<string, string>> = {
  ContractCommitmentId: 'arn:aws:ec2:ap-southeast-1::reservation/9c0996daeee6f529',
  ContractCommitmentType: 'Reserved Instance',
  ContractCommitmentCategory: 'Usage',
  ContractCommitmentCost: '2243.681280',
  ContractCommitmentQuantity: '35040.0000',
  ContractCommitmentUnit: 'Hours',
  ContractCommitmentDescription: 'EC2ReservedInstance-1yr-NoUpfront',
  ContractCommitmentPeriodStart: '2026-05-01T18:00:00Z',
  ContractCommitmentPeriodEnd: '2027-05-01T18:00:00Z',
  ContractId: 'CONTRACT-9c0996daeee6',
  ContractPeriodStart: '2026-01-31T18:00:00Z',
  ContractPeriodEnd: '2027-07-30T18:00:00Z',
  BillingCurrency: 'USD',
};

const allColumns = (dataset: DatasetId): Set<string> => new Set(columnsOf(dataset).map((column) => column.name));
const columnIndex = (dataset: DatasetId, name: string): number => columnsOf(dataset).findIndex((column) => column.name === name);

/** Cells by catalog index, read the plain way: an empty or missing cell is null, the typed value a direct parse. */
function parsedRow(dataset: DatasetId, record: Readonly<Record<string, string>>): ParsedRow {
  const columns = columnsOf(dataset);
  const text = columns.map((column) => (record[column.name] === undefined || record[column.name] === '' ? null : record[column.name]));
  const value = columns.map((column, index) => {
    const cell = text[index];
    if (cell === null) return null;
    if (column.type === 'decimal') return Number(cell);
    if (column.type === 'datetime') return Date.parse(cell);
    if (column.type === 'json') return JSON.parse(cell) as unknown;
    return cell;
  });
  return { text, value };
}

function violationsOf(checker: ConformanceChecker, row: ParsedRow): string[] {
  const violations: string[] = [];
  checker.checkRow(row, (ruleId) => violations.push(ruleId));
  return violations.sort();
}

const costChecker = compileConformance('CostAndUsage', allColumns('CostAndUsage'));
const costViolations = (changes: Record<string, string> = {}): string[] =>
  violationsOf(costChecker, parsedRow('CostAndUsage', { ...VALID_COST_ROW, ...changes }));

describe('Cost and Usage rows', () => {
  it('finds nothing wrong with a conformant FOCUS 1.3 row', () => {
    expect(costViolations()).toEqual([]);
    expect(costChecker.checkColumns(allColumns('CostAndUsage'))).toEqual([]);
  });

  it('rejects a ChargeCategory outside the allowed values', () => {
    expect(costViolations({ ChargeCategory: 'Refund' })).toContain('CAU-ChargeCategory-C-003-M');
  });

  it('applies a conditional rule only when its condition holds', () => {
    const purchase = { ChargeCategory: 'Purchase', ChargeFrequency: 'Usage-Based' };
    expect(costViolations(purchase)).toContain('CAU-ChargeFrequency-C-004-C');
    expect(costViolations({ ...purchase, ChargeFrequency: 'Recurring' })).not.toContain('CAU-ChargeFrequency-C-004-C');
    expect(costViolations({ ChargeFrequency: 'Usage-Based' })).not.toContain('CAU-ChargeFrequency-C-004-C');
  });

  it('reports a date-time that the gateway could read but that is not ISO 8601 UTC', () => {
    expect(costViolations({ ChargePeriodStart: '2026-05-01 00:00:00' })).toEqual(['CAU-ChargePeriodStart-C-002-M']);
    expect(costViolations({ BillingPeriodEnd: '2026-06-01T02:00:00+02:00' })).toEqual(['CAU-BillingPeriodEnd-C-002-M']);
  });

  it('reports a cost written with currency symbols and separators', () => {
    const row = parsedRow('CostAndUsage', { ...VALID_COST_ROW, BilledCost: '$1,000.00' });
    row.value[columnIndex('CostAndUsage', 'BilledCost')] = 1000; // as a lenient reader would have typed it
    expect(violationsOf(costChecker, row)).toEqual(['CAU-BilledCost-C-002-M']);
  });

  it('requires ContractedCost to equal ContractedUnitPrice x PricingQuantity, within floating-point noise', () => {
    expect(costViolations({ ContractedCost: '0.5' })).toEqual(['CAU-ContractedCost-C-011-C', 'CAU-ContractedUnitPrice-C-013-C']);
    // 0.1 x 3 is 0.30000000000000004 in binary floating point.
    expect(costViolations({ ContractedUnitPrice: '0.1', PricingCurrencyContractedUnitPrice: '0.1', PricingQuantity: '3', ContractedCost: '0.3', ListCost: '0.2933071767' })).toEqual([]);
  });

  it('accepts the CommitmentDiscountStatus values of the 1.3 errata, not those of the published model', () => {
    expect(costViolations(SAVINGS_PLAN_COVERAGE)).toEqual([]);
    expect(costViolations({ ...SAVINGS_PLAN_COVERAGE, CommitmentDiscountStatus: 'Unused', ConsumedQuantity: '', ConsumedUnit: '' })).toEqual([]);
    expect(costViolations({ ...SAVINGS_PLAN_COVERAGE, CommitmentDiscountStatus: 'Active' })).toEqual(['CAU-CommitmentDiscountStatus-C-005-M']);
  });

  it('applies corrected commitment discount nullability rules', () => {
    expect(costViolations({ CommitmentDiscountStatus: 'Used' })).toEqual(['CAU-CommitmentDiscountStatus-C-003-C']);
    expect(costViolations({ ...SAVINGS_PLAN_COVERAGE, CommitmentDiscountStatus: '' })).toEqual(['CAU-CommitmentDiscountStatus-C-004-C']);
    // An Unused commitment consumed nothing; a Used one must say how much.
    expect(costViolations({ ...SAVINGS_PLAN_COVERAGE, CommitmentDiscountStatus: 'Unused' })).toEqual(['CAU-ConsumedQuantity-C-004-C']);
  });

  it('matches ContractApplied element keys in either casing of the 1.3 text and errata', () => {
    const element = { ContractCommitmentAppliedCost: 1.5, ContractCommitmentAppliedQuantity: null, ContractCommitmentAppliedUnit: null };
    const errataCasing = { ContractId: 'C-1', ContractCommitmentId: 'CC-1', ...element };
    const publishedCasing = { ContractID: 'C-1', ContractCommitmentID: 'CC-1', ...element };
    expect(costViolations({ ContractApplied: JSON.stringify({ Elements: [errataCasing] }) })).toEqual([]);
    expect(costViolations({ ContractApplied: JSON.stringify({ Elements: [publishedCasing] }) })).toEqual([]);
  });

  it('checks the shape of ContractApplied and each of its elements', () => {
    const element = { ContractId: 'C-1', ContractCommitmentId: 'CC-1', ContractCommitmentAppliedCost: 1.5, ContractCommitmentAppliedQuantity: null, ContractCommitmentAppliedUnit: null };
    const contractApplied = (...elements: object[]) => ({ ContractApplied: JSON.stringify({ Elements: elements }) });
    expect(costViolations(contractApplied({ ...element, x_Source: 'rate card' }))).toEqual([]);
    expect(costViolations(contractApplied({ ...element, Source: 'rate card' }))).toEqual(['CAU-ContractAppliedObject-O-010-M', 'CAU-ContractAppliedObject-O-017-C']);
    const { ContractCommitmentId: _, ...withoutCommitmentId } = element;
    expect(costViolations(contractApplied(withoutCommitmentId))).toContain('CAU-ContractAppliedObject-O-007-M');
    // Cost and quantity may each be null, but not both in the same element.
    const both = costViolations(contractApplied(element, { ...element, ContractCommitmentAppliedCost: null }));
    expect(both).toEqual(['CAU-ContractAppliedObject-O-046-C', 'CAU-ContractAppliedObject-O-055-C']);
    expect(costViolations(contractApplied({ ...element, ContractCommitmentAppliedQuantity: 2 }))).toEqual(['CAU-ContractAppliedObject-O-066-C']);
    expect(costViolations(contractApplied(element, { ...element, ContractId: 'C-2' }))).toEqual(['CAU-ContractAppliedObject-O-038-M']);
    expect(costViolations({ ContractApplied: '{"Elements":{}}' })).toEqual(['CAU-ContractAppliedObject-O-001-M']);
  });

  it('requires ServiceSubcategory to belong to the row ServiceCategory', () => {
    expect(costViolations({ ServiceSubcategory: 'Relational Databases' })).toEqual(['CAU-ServiceSubcategory-C-004-M']);
    expect(costViolations({ ServiceCategory: 'Databases', ServiceSubcategory: 'Relational Databases' })).toEqual([]);
    expect(costViolations({ ServiceSubcategory: 'Mainframes' })).toEqual(['CAU-ServiceSubcategory-C-003-M', 'CAU-ServiceSubcategory-C-004-M']);
  });

  it('leaves a null value to the nullability rule instead of also failing the allowed-values rules', () => {
    expect(costViolations({ ServiceSubcategory: '' })).toEqual(['CAU-ServiceSubcategory-C-002-M']);
  });

  it('rejects a blank string standing in for a null', () => {
    expect(costViolations({ ChargeDescription: '  ' })).toEqual(['CAU-ChargeDescription-C-002-M']);
  });

  it('checks nothing inside a null ContractApplied', () => {
    expect(costViolations({ ContractApplied: '' })).toEqual([]);
  });

  it('reports recommendations as warnings', () => {
    expect(costViolations({ PricingUnit: 'hours', ConsumedUnit: 'Hours' })).toEqual(['CAU-PricingUnit-C-003-O']);
    expect(costChecker.rules.get('CAU-PricingUnit-C-003-O')?.severity).toBe('WARNING');
    expect(costChecker.rules.get('CAU-ChargeDescription-C-003-O')).toMatchObject({ severity: 'WARNING', column: 'ChargeDescription' });
    expect(costChecker.rules.get('CAU-BilledCost-C-004-M')).toEqual({
      id: 'CAU-BilledCost-C-004-M',
      severity: 'ERROR',
      message: 'BilledCost MUST be a valid decimal value.',
      column: 'BilledCost',
    });
  });

  it('passes each violation the catalog index of the rule column', () => {
    const reported: [string, number][] = [];
    costChecker.checkRow(parsedRow('CostAndUsage', { ...VALID_COST_ROW, ChargeCategory: 'Refund' }), (ruleId, index) => reported.push([ruleId, index]));
    expect(reported).toContainEqual(['CAU-ChargeCategory-C-003-M', columnIndex('CostAndUsage', 'ChargeCategory')]);
  });
});

describe('columns of a file', () => {
  it('reports a missing mandatory column', () => {
    const present = allColumns('CostAndUsage');
    present.delete('BillingAccountId');
    expect(costChecker.checkColumns(present)).toEqual(['CAU-CostAndUsage-D-024-M']);
  });

  it('reports a missing recommended column with a warning', () => {
    const present = allColumns('CostAndUsage');
    present.delete('ChargeFrequency');
    expect(costChecker.checkColumns(present)).toEqual(['CAU-CostAndUsage-D-027-O']);
    expect(costChecker.rules.get('CAU-CostAndUsage-D-027-O')?.severity).toBe('WARNING');
  });

  it('does not require columns of features the provider may not support', () => {
    const present = allColumns('CostAndUsage');
    for (const column of ['ListUnitPrice', 'CommitmentDiscountId', 'AllocatedMethodId', 'Tags']) present.delete(column);
    expect(costChecker.checkColumns(present)).toEqual([]);
  });

  it('does not evaluate row rules that mention an absent column', () => {
    const present = allColumns('CostAndUsage');
    present.delete('ListUnitPrice');
    const checker = compileConformance('CostAndUsage', present);
    expect(checker.rules.has('CAU-ListUnitPrice-C-001-M')).toBe(false);
    expect(checker.rules.has('CAU-ListCost-C-011-C')).toBe(false);
    expect(checker.rules.has('CAU-ListCost-C-003-M')).toBe(true);
    // The absent column reads as null, which ListUnitPrice-C-013-C ("MUST NOT be null when SkuPriceId is not null") would reject.
    expect(violationsOf(checker, parsedRow('CostAndUsage', { ...VALID_COST_ROW, ListUnitPrice: '' }))).toEqual([]);
    expect(violationsOf(costChecker, parsedRow('CostAndUsage', { ...VALID_COST_ROW, ListUnitPrice: '' }))).toContain('CAU-ListUnitPrice-C-013-C');
  });
});

describe('Contract Commitment rows', () => {
  const checker = compileConformance('ContractCommitment', allColumns('ContractCommitment'));
  const violations = (changes: Record<string, string> = {}): string[] =>
    violationsOf(checker, parsedRow('ContractCommitment', { ...VALID_COMMITMENT_ROW, ...changes }));

  it('finds nothing wrong with a conformant row', () => {
    expect(violations()).toEqual([]);
    expect(violations({ ContractCommitmentCategory: 'Spend', ContractCommitmentQuantity: '', ContractCommitmentUnit: '' })).toEqual([]);
  });

  it('applies the category-dependent nullability rules', () => {
    expect(violations({ ContractCommitmentQuantity: '', ContractCommitmentUnit: '' })).toEqual(['CCT-ContractCommitmentQuantity-C-004-C']);
    expect(violations({ ContractCommitmentCategory: 'Spend', ContractCommitmentCost: '' })).toEqual(['CCT-ContractCommitmentCost-C-004-C']);
    expect(violations({ ContractCommitmentUnit: '' })).toEqual(['CCT-ContractCommitmentUnit-C-006-C']);
  });

  it('requires a national currency code', () => {
    expect(violations({ BillingCurrency: 'usd' })).toEqual(['CCT-BillingCurrency-C-003-M', 'CCT-BillingCurrency-C-006-M']);
    expect(violations({ BillingCurrency: 'Credits' })).toEqual(['CCT-BillingCurrency-C-006-M']);
  });

  it('reports missing columns', () => {
    const present = allColumns('ContractCommitment');
    present.delete('ContractId');
    expect(checker.checkColumns(present)).toEqual(['CCT-ContractCommitment-D-013-M']);
  });
});

describe('rule selection', () => {
  const modelRuleIds = new Set<string>();
  const modelDirectory = path.resolve(import.meta.dirname, '../vendor/focus-requirements-model-1.3/model_rules');
  for (const file of readdirSync(modelDirectory, { recursive: true, encoding: 'utf8' }).filter((name) => name.endsWith('.json'))) {
    for (const id of Object.keys(JSON.parse(readFileSync(path.join(modelDirectory, file), 'utf8')) as object)) modelRuleIds.add(id);
  }
  const commitmentChecker = compileConformance('ContractCommitment', allColumns('ContractCommitment'));

  it('evaluates only rules of the vendored model', () => {
    const evaluated = [...costChecker.rules.keys(), ...commitmentChecker.rules.keys()];
    expect(evaluated.length).toBeGreaterThan(250);
    expect(evaluated.filter((id) => !modelRuleIds.has(id))).toEqual([]);
  });

  it('covers every catalog column with at least one rule', () => {
    for (const [dataset, checker] of [['CostAndUsage', costChecker], ['ContractCommitment', commitmentChecker]] as const) {
      const covered = new Set([...checker.rules.values()].map((rule) => rule.column));
      expect(columnsOf(dataset).filter((column) => !covered.has(column.name)).map((column) => column.name)).toEqual([]);
    }
    expect(allColumns('CostAndUsage').size + allColumns('ContractCommitment').size).toBe(78);
  });

  it('leaves out MAY, Dynamic, feature-dependent, dataset-wide and excluded rules', () => {
    expect(costChecker.rules.has('CAU-Tags-C-002-O')).toBe(false); // MAY
    expect(costChecker.rules.has('CAU-BilledCost-C-005-C')).toBe(false); // Dynamic
    expect(costChecker.rules.has('CAU-BillingAccountName-C-003-C')).toBe(false); // ACCOUNT_NAMING_SUPPORTED
    expect(costChecker.rules.has('CAU-ServiceName-C-005-C')).toBe(false); // CheckDistinctCount
    expect(commitmentChecker.rules.has('CCT-ContractCommitmentId-C-009-M')).toBe(false); // CheckNoDuplicates
    expect(costChecker.rules.has('CAU-EffectiveCost-C-005-C')).toBe(false); // erratum: not decidable from the data
    expect(costChecker.rules.has('CAU-ListUnitPrice-C-010-C')).toBe(false); // Removed
  });
});

describe('value formats', () => {
  it('reads date-times as ISO 8601 UTC with seconds', () => {
    expect(isFocusDateTime('2024-02-29T23:59:59Z')).toBe(true);
    for (const text of ['2023-02-29T00:00:00Z', '2024-01-01T24:00:00Z', '2024-01-01T00:00Z', '2024-01-01T00:00:00.000Z', '2024-01-01 00:00:00Z']) {
      expect(isFocusDateTime(text), text).toBe(false);
    }
  });

  it('reads numbers as integers, decimals or E notation without signs on positives', () => {
    for (const text of ['0', '-12.5', '.5', '1.5E3', '2e-4']) expect(isFocusNumeric(text), text).toBe(true);
    for (const text of ['+1', '1,000', '$5', '1E+3', '1/2', ' 1', '1.', 'NaN']) expect(isFocusNumeric(text), text).toBe(false);
  });

  it('reads currencies as ISO 4217 codes or virtual currency names', () => {
    expect(isNationalCurrency('EUR')).toBe(true);
    expect(isNationalCurrency('Credits')).toBe(false);
    expect(isFocusCurrency('Credits')).toBe(true);
    for (const text of ['usd', 'USX', ' ']) expect(isFocusCurrency(text), text).toBe(false);
  });

  it('reads units in the shapes UnitFormat recommends', () => {
    for (const text of ['GB', 'Hours', 'GB-Hours', 'GB/Hour', '1000 Tokens', 'Units/3 Months', 'Requests', 'KiB']) expect(isFocusUnit(text), text).toBe(true);
    for (const text of ['gb', 'hours', 'GB/Hours', 'Units/3 Month', 'GB Hours', '0 Tokens', '']) expect(isFocusUnit(text), text).toBe(false);
  });
});
