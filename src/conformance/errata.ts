/**
 * Where the conformance engine departs from the vendored requirements model, and why. The model files stay as
 * published; every correction lives in this file so that it can be reviewed (and removed once the model is fixed)
 * in one place. Each entry was checked against the rule's own MustSatisfy text and the FOCUS 1.3 specification.
 */
import type { RuleNode } from './model.ts';

export interface RuleErratum {
  readonly reason: string;
  /** Replaces the rule's Requirement tree. */
  readonly requirement?: RuleNode;
  /** Replaces the rule's own Condition tree (conditions inherited from composites still apply). */
  readonly condition?: RuleNode;
  /** The rule is left out altogether. */
  readonly skip?: true;
}

const isValue = (column: string, value: string | null): RuleNode => ({ CheckFunction: 'CheckValue', ColumnName: column, Value: value });
const isNotValue = (column: string, value: string | null): RuleNode => ({ CheckFunction: 'CheckNotValue', ColumnName: column, Value: value });
const and = (...items: RuleNode[]): RuleNode => ({ CheckFunction: 'AND', Items: items });
const or = (...items: RuleNode[]): RuleNode => ({ CheckFunction: 'OR', Items: items });

/** The four FOCUS-defined ContractApplied element properties plus ContractId, which the published IgnoreKeys omit. */
const CONTRACT_APPLIED_PROPERTIES = [
  'ContractId',
  'ContractCommitmentID',
  'ContractCommitmentAppliedCost',
  'ContractCommitmentAppliedQuantity',
  'ContractCommitmentAppliedUnit',
];
const contractAppliedKeysPrefixed: RuleNode = {
  CheckFunction: 'JSONCheckPathKeyStartsWith',
  ColumnName: 'ContractApplied',
  Path: '$.Elements[*]',
  Prefix: 'x_',
  IgnoreKeys: CONTRACT_APPLIED_PROPERTIES,
};
const contractAppliedDecimal = (property: string): RuleNode => ({
  CheckFunction: 'JSONCheckPathType',
  ColumnName: 'ContractApplied',
  Path: `$.Elements[*].${property}`,
  ExpectedType: 'Decimal',
});

export const RULE_ERRATA: ReadonlyMap<string, RuleErratum> = new Map<string, RuleErratum>([
  [
    'CAU-CommitmentDiscountStatus-C-005-M',
    {
      reason: 'FOCUS 1.3.0.1 erratum: the allowed values are "Used" and "Unused"; the model lists "Active", "Expired" and "Pending".',
      requirement: or(isValue('CommitmentDiscountStatus', 'Used'), isValue('CommitmentDiscountStatus', 'Unused')),
    },
  ],
  [
    'CAU-CommitmentDiscountStatus-C-003-C',
    {
      reason: 'The text says "MUST be null when CommitmentDiscountId is null"; the model requires CheckNotValue null.',
      requirement: isValue('CommitmentDiscountStatus', null),
    },
  ],
  [
    'CAU-CommitmentDiscountStatus-C-004-C',
    {
      reason: 'The text applies "when CommitmentDiscountId is not null and ChargeCategory is Usage"; the model conditions on CommitmentDiscountId being null.',
      condition: and(isNotValue('CommitmentDiscountId', null), isValue('ChargeCategory', 'Usage')),
    },
  ],
  [
    'CAU-CapacityReservationStatus-C-003-C',
    {
      reason: 'The Condition is written as {"AND": {...}} without a CheckFunction, which would read as "no condition".',
      condition: isValue('CapacityReservationId', null),
    },
  ],
  [
    'CAU-CapacityReservationStatus-C-004-C',
    {
      reason: 'The Condition is written as {"AND": [...]} without a CheckFunction, which would read as "no condition".',
      condition: and(isNotValue('CapacityReservationId', null), isValue('ChargeCategory', 'Usage')),
    },
  ],
  [
    'CAU-ConsumedQuantity-C-006-C',
    {
      reason: 'The text says "when ChargeClass is not Correction"; the model conditions on ChargeClass being "Correction".',
      condition: isNotValue('ChargeClass', 'Correction'),
    },
  ],
  [
    'CAU-CommitmentDiscountQuantity-C-007-C',
    {
      reason:
        '"All other cases" are the rows outside C-004-C (Usage or Purchase with a CommitmentDiscountId); the model also ' +
        'includes ChargeClass "Correction", where C-006-C says the quantity MAY be null, so corrections would be required to be null.',
      condition: or(
        and(isNotValue('ChargeCategory', 'Usage'), isNotValue('ChargeCategory', 'Purchase')),
        isValue('CommitmentDiscountId', null),
      ),
    },
  ],
  [
    'CAU-PricingCurrencyContractedUnitPrice-C-012-C',
    {
      reason: 'The text applies "when SkuPriceId is not null"; the model conditions on SkuPriceId being null, contradicting C-011-C.',
      condition: isNotValue('SkuPriceId', null),
    },
  ],
  [
    'CAU-PricingCurrencyEffectiveCost-C-004-M',
    {
      reason: 'The text says "MUST be a valid decimal value"; the model checks PricingCurrencyListUnitPrice >= 0 instead.',
      requirement: { CheckFunction: 'CheckDecimalValue', ColumnName: 'PricingCurrencyEffectiveCost' },
    },
  ],
  [
    'CAU-ResourceType-C-005-C',
    {
      reason: 'The Condition names its column with the key "CheckCondition" instead of "ColumnName".',
      condition: isNotValue('ResourceId', null),
    },
  ],
  [
    'CAU-ContractAppliedObject-O-010-M',
    {
      reason: 'IgnoreKeys omits ContractId, a FOCUS-defined property (O-018-M), which would then be reported as a custom key without the x_ prefix.',
      requirement: contractAppliedKeysPrefixed,
    },
  ],
  [
    'CAU-ContractAppliedObject-O-017-C',
    {
      reason: 'IgnoreKeys omits ContractId, a FOCUS-defined property (O-018-M), which would then be reported as a custom key without the x_ prefix.',
      requirement: contractAppliedKeysPrefixed,
    },
  ],
  [
    'CAU-ContractAppliedObject-O-048-M',
    {
      reason: '"MUST be a valid decimal value" is modelled as "not null", contradicting O-046-C/O-047-O (it MAY be null when the quantity is not).',
      requirement: contractAppliedDecimal('ContractCommitmentAppliedCost'),
    },
  ],
  [
    'CAU-ContractAppliedObject-O-057-M',
    {
      reason: '"MUST be a valid decimal value" is modelled as "not null", contradicting O-055-C/O-056-O (it MAY be null when the cost is not).',
      requirement: contractAppliedDecimal('ContractCommitmentAppliedQuantity'),
    },
  ],
  [
    'CAU-EffectiveCost-C-005-C',
    {
      reason:
        'Applies to purchases "intended to cover future eligible charges", which the data does not say; the model conditions on ' +
        'ChargeCategory "Purchase" alone, which would reject every purchase that is not a prepayment.',
      skip: true,
    },
  ],
]);

/**
 * FOCUS 1.3.0.1 erratum: ContractApplied element keys are `ContractId`/`ContractCommitmentId`, while the first 1.3 text
 * (and the model's paths) spell them `ContractID`/`ContractCommitmentID`. Keys of these JSON columns match paths and
 * IgnoreKeys without regard to ASCII case, so files in either spelling are judged the same.
 */
export const CASE_INSENSITIVE_KEY_COLUMNS: ReadonlySet<string> = new Set(['ContractApplied']);
