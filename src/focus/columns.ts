/**
 * The FOCUS column catalog: the one list of FOCUS 1.3 columns that the database schema, ingest, conformance,
 * GraphQL fields, exports and `/schema` metadata are all derived from. Feature levels, nullability and allowed
 * values follow the FinOps Foundation's requirements model (vendor/focus-requirements-model-1.3); a test checks
 * this file against it. Descriptions are our own words.
 */

export type FocusVersion = '1.0' | '1.1' | '1.2' | '1.3';
export type DatasetId = 'CostAndUsage' | 'ContractCommitment';
export type ColumnType = 'string' | 'decimal' | 'datetime' | 'json';
/** Mandatory, Conditional (required when the provider supports the feature) or Recommended. */
export type FeatureLevel = 'Mandatory' | 'Conditional' | 'Recommended';
/** What a decimal column measures: money sums differently from a unit price or a quantity. */
export type DecimalKind = 'cost' | 'unitPrice' | 'quantity';

export interface FocusColumn {
  /** The FOCUS column name, as it appears in exports. */
  readonly name: string;
  readonly dataset: DatasetId;
  readonly type: ColumnType;
  readonly decimalKind?: DecimalKind;
  readonly featureLevel: FeatureLevel;
  /** Whether a present column may hold nulls at all (conditional nullability rules are checked by conformance). */
  readonly nullable: boolean;
  readonly allowedValues?: readonly string[];
  readonly introduced: FocusVersion;
  /**
   * The gateway cannot store a row without this value: it is what time-bucketing, replacing a restated billing
   * period and every cost total hang on. Files from any FOCUS version carry these columns.
   */
  readonly essential?: boolean;
  /** FOCUS version that deprecated the column, when it did. */
  readonly deprecated?: FocusVersion;
  readonly description: string;
  /** camelCase name used by Prisma and GraphQL. */
  readonly field: string;
  /** snake_case name of the database column. */
  readonly dbColumn: string;
}

type ColumnSpec = Omit<FocusColumn, 'dataset' | 'field' | 'dbColumn'>;

const s = (
  name: string,
  featureLevel: FeatureLevel,
  nullable: boolean,
  introduced: FocusVersion,
  description: string,
  extra: Partial<ColumnSpec> = {},
): ColumnSpec => ({ name, type: 'string', featureLevel, nullable, introduced, description, ...extra });

const d = (
  name: string,
  decimalKind: DecimalKind,
  featureLevel: FeatureLevel,
  nullable: boolean,
  introduced: FocusVersion,
  description: string,
  essential = false,
): ColumnSpec => ({ name, type: 'decimal', decimalKind, featureLevel, nullable, introduced, description, essential });

const t = (
  name: string,
  featureLevel: FeatureLevel,
  nullable: boolean,
  introduced: FocusVersion,
  description: string,
  essential = false,
): ColumnSpec => ({ name, type: 'datetime', featureLevel, nullable, introduced, description, essential });

const j = (name: string, featureLevel: FeatureLevel, introduced: FocusVersion, description: string): ColumnSpec => ({
  name,
  type: 'json',
  featureLevel,
  nullable: true,
  introduced,
  description,
});

export const SERVICE_SUBCATEGORIES: Readonly<Record<string, readonly string[]>> = {
  'AI and Machine Learning': ['AI Platforms', 'Bots', 'Generative AI', 'Machine Learning', 'Natural Language Processing', 'Other (AI and Machine Learning)'],
  Analytics: ['Analytics Platforms', 'Business Intelligence', 'Data Processing', 'Search', 'Streaming Analytics', 'Other (Analytics)'],
  'Business Applications': ['Productivity and Collaboration', 'Other (Business Applications)'],
  Compute: ['Containers', 'End User Computing', 'Quantum Compute', 'Serverless Compute', 'Virtual Machines', 'Other (Compute)'],
  Databases: ['Caching', 'Data Warehouses', 'Ledger Databases', 'NoSQL Databases', 'Relational Databases', 'Time Series Databases', 'Other (Databases)'],
  'Developer Tools': ['Developer Platforms', 'Continuous Integration and Deployment', 'Development Environments', 'Source Code Management', 'Quality Assurance', 'Other (Developer Tools)'],
  Identity: ['Identity and Access Management', 'Other (Identity)'],
  Integration: ['API Management', 'Messaging', 'Workflow Orchestration', 'Other (Integration)'],
  'Internet of Things': ['IoT Analytics', 'IoT Platforms', 'Other (Internet of Things)'],
  'Management and Governance': ['Architecture', 'Compliance', 'Cost Management', 'Data Governance', 'Disaster Recovery', 'Endpoint Management', 'Observability', 'Support', 'Other (Management and Governance)'],
  Media: ['Content Creation', 'Gaming', 'Media Streaming', 'Mixed Reality', 'Other (Media)'],
  Migration: ['Data Migration', 'Resource Migration', 'Other (Migration)'],
  Mobile: ['Other (Mobile)'],
  Multicloud: ['Multicloud Integration', 'Other (Multicloud)'],
  Networking: ['Application Networking', 'Content Delivery', 'Network Connectivity', 'Network Infrastructure', 'Network Routing', 'Network Security', 'Other (Networking)'],
  Security: ['Secret Management', 'Security Posture Management', 'Threat Detection and Response', 'Other (Security)'],
  Storage: ['Backup Storage', 'Block Storage', 'File Storage', 'Object Storage', 'Storage Platforms', 'Other (Storage)'],
  Web: ['Application Platforms', 'Other (Web)'],
  Other: ['Other (Other)'],
};

const COST_AND_USAGE: ColumnSpec[] = [
  j('AllocatedMethodDetails', 'Conditional', '1.3', 'How a split-allocated row was derived from its source charge: the method and the ratio and usage behind it.'),
  s('AllocatedMethodId', 'Conditional', true, '1.3', 'Identifier of the split cost allocation method that produced this row.'),
  s('AllocatedResourceId', 'Conditional', true, '1.3', 'Identifier of the resource that received a share of a split-allocated charge.'),
  s('AllocatedResourceName', 'Conditional', true, '1.3', 'Display name of the resource that received a share of a split-allocated charge.'),
  j('AllocatedTags', 'Conditional', '1.3', 'Tags of the resource that received a split-allocated share, as a JSON object.'),
  s('AvailabilityZone', 'Conditional', true, '1.0', 'Provider-assigned zone within a region where the resource runs, for fault isolation.'),
  d('BilledCost', 'cost', 'Mandatory', false, '1.0', 'The amount invoiced for this row, in the billing currency: the basis for reconciling with invoices.', true),
  s('BillingAccountId', 'Mandatory', false, '1.0', 'Identifier of the account that receives the invoice.'),
  s('BillingAccountName', 'Mandatory', true, '1.0', 'Display name of the billing account.'),
  s('BillingAccountType', 'Conditional', true, '1.1', 'Provider label for the kind of billing account (for example a payer account or a billing profile).'),
  s('BillingCurrency', 'Mandatory', false, '1.0', 'ISO 4217 currency that the billed, effective, list and contracted costs are expressed in.'),
  t('BillingPeriodEnd', 'Mandatory', false, '1.0', 'Exclusive end of the invoice period this row belongs to.', true),
  t('BillingPeriodStart', 'Mandatory', false, '1.0', 'Inclusive start of the invoice period this row belongs to.', true),
  s('CapacityReservationId', 'Conditional', true, '1.1', 'Identifier of the capacity reservation that this row consumed or left unused.'),
  s('CapacityReservationStatus', 'Conditional', true, '1.1', 'Whether the row covers used or unused reserved capacity.', { allowedValues: ['Used', 'Unused'] }),
  s('ChargeCategory', 'Mandatory', false, '1.0', 'The highest-level kind of charge: usage, purchase, tax, credit or adjustment.', {
    allowedValues: ['Usage', 'Purchase', 'Tax', 'Credit', 'Adjustment'],
  }),
  s('ChargeClass', 'Mandatory', true, '1.0', 'Marks a row that corrects a charge from an earlier billing period; null for ordinary charges.', {
    allowedValues: ['Correction'],
  }),
  s('ChargeDescription', 'Mandatory', false, '1.0', 'Human-readable summary of what the charge is for.'),
  s('ChargeFrequency', 'Recommended', false, '1.0', 'How often the charge occurs: once, on a schedule, or with usage.', {
    allowedValues: ['One-Time', 'Recurring', 'Usage-Based'],
  }),
  t('ChargePeriodEnd', 'Mandatory', false, '1.0', 'Exclusive end of the time span the charge applies to.', true),
  t('ChargePeriodStart', 'Mandatory', false, '1.0', 'Inclusive start of the time span the charge applies to.', true),
  s('CommitmentDiscountCategory', 'Conditional', true, '1.0', 'Whether the commitment discount is a commitment to spend or to use a quantity.', {
    allowedValues: ['Spend', 'Usage'],
  }),
  s('CommitmentDiscountId', 'Conditional', true, '1.0', 'Identifier of the commitment discount (reservation, savings plan, committed use) applied to this row.'),
  s('CommitmentDiscountName', 'Conditional', true, '1.0', 'Display name of the commitment discount.'),
  d('CommitmentDiscountQuantity', 'quantity', 'Conditional', true, '1.1', 'Amount of the commitment discount purchased or consumed by this row, in CommitmentDiscountUnit.'),
  s('CommitmentDiscountStatus', 'Conditional', true, '1.0', 'Whether the row records used or unused commitment for the charge period.', {
    allowedValues: ['Used', 'Unused'],
  }),
  s('CommitmentDiscountType', 'Conditional', true, '1.0', 'Provider label for the kind of commitment discount (for example Reserved Instance or Savings Plan).'),
  s('CommitmentDiscountUnit', 'Conditional', true, '1.1', 'Unit that CommitmentDiscountQuantity is measured in.'),
  d('ConsumedQuantity', 'quantity', 'Conditional', true, '1.0', 'Amount of the resource or service used, in ConsumedUnit.'),
  s('ConsumedUnit', 'Conditional', true, '1.0', 'Unit that ConsumedQuantity is measured in.'),
  j('ContractApplied', 'Conditional', '1.3', 'The contract commitments this row drew down, with the cost and quantity applied to each.'),
  d('ContractedCost', 'cost', 'Mandatory', false, '1.0', 'Cost at the negotiated contracted unit price before commitment discounts, in the billing currency.'),
  d('ContractedUnitPrice', 'unitPrice', 'Conditional', true, '1.0', 'Negotiated price per pricing unit, in the billing currency.'),
  d('EffectiveCost', 'cost', 'Mandatory', false, '1.0', 'Amortized cost after all discounts and prepaid purchases are spread over usage, in the billing currency.', true),
  s('HostProviderName', 'Mandatory', true, '1.3', 'Entity that hosts the infrastructure the service runs on (for example the cloud under a marketplace SaaS).'),
  s('InvoiceId', 'Recommended', true, '1.2', 'Identifier of the invoice this row is billed on.'),
  s('InvoiceIssuerName', 'Mandatory', false, '1.0', 'Entity that issues the invoice (a cloud provider, a reseller or a marketplace).'),
  d('ListCost', 'cost', 'Mandatory', false, '1.0', 'Cost at public list prices, in the billing currency.'),
  d('ListUnitPrice', 'unitPrice', 'Conditional', true, '1.0', 'Public list price per pricing unit, in the billing currency.'),
  s('PricingCategory', 'Conditional', true, '1.0', 'How the price was set: standard, committed, dynamic (spot) or other.', {
    allowedValues: ['Standard', 'Committed', 'Dynamic', 'Other'],
  }),
  s('PricingCurrency', 'Conditional', false, '1.2', 'Currency the provider priced the SKU in, which may be a virtual currency such as credits or tokens.'),
  d('PricingCurrencyContractedUnitPrice', 'unitPrice', 'Conditional', true, '1.2', 'Contracted unit price expressed in the pricing currency.'),
  d('PricingCurrencyEffectiveCost', 'cost', 'Conditional', false, '1.2', 'Effective cost expressed in the pricing currency.'),
  d('PricingCurrencyListUnitPrice', 'unitPrice', 'Conditional', true, '1.2', 'List unit price expressed in the pricing currency.'),
  d('PricingQuantity', 'quantity', 'Mandatory', true, '1.0', 'Number of pricing units charged, which multiplied by a unit price gives a cost.'),
  s('PricingUnit', 'Mandatory', true, '1.0', 'Unit the price is quoted per (for example Hours or GB-Month).'),
  s('ProviderName', 'Mandatory', false, '1.0', 'Entity that made the service available for purchase. Deprecated in 1.3 in favour of ServiceProviderName.', {
    deprecated: '1.3',
  }),
  s('PublisherName', 'Mandatory', false, '1.0', 'Entity that produced the service. Deprecated in 1.3 in favour of ServiceProviderName and HostProviderName.', {
    deprecated: '1.3',
  }),
  s('RegionId', 'Conditional', true, '1.0', 'Provider identifier of the geographic region where the resource runs.'),
  s('RegionName', 'Conditional', true, '1.0', 'Display name of the region.'),
  s('ResourceId', 'Conditional', true, '1.0', 'Identifier of the resource that incurred the charge.'),
  s('ResourceName', 'Conditional', true, '1.0', 'Display name of the resource.'),
  s('ResourceType', 'Conditional', true, '1.0', 'Provider label for the kind of resource (for example Virtual Machine).'),
  s('ServiceCategory', 'Mandatory', false, '1.0', 'FOCUS category of the service, from a fixed list shared by all providers.', {
    allowedValues: Object.keys(SERVICE_SUBCATEGORIES),
  }),
  s('ServiceName', 'Mandatory', false, '1.0', 'Name of the service that was bought or used.'),
  s('ServiceProviderName', 'Mandatory', false, '1.3', 'Entity that made the service available for purchase.'),
  s('ServiceSubcategory', 'Recommended', false, '1.1', 'FOCUS subcategory within the service category, from a fixed list.', {
    allowedValues: Object.values(SERVICE_SUBCATEGORIES).flat(),
  }),
  s('SkuId', 'Conditional', true, '1.0', 'Identifier of the product (SKU) that was charged.'),
  s('SkuMeter', 'Conditional', true, '1.1', 'What the SKU measures (for example compute hours or data transfer).'),
  j('SkuPriceDetails', 'Conditional', '1.1', 'Properties of the SKU price as key-value pairs (for example instance type or core count).'),
  s('SkuPriceId', 'Conditional', true, '1.0', 'Identifier of the SKU price point that was applied.'),
  s('SubAccountId', 'Conditional', true, '1.0', 'Identifier of the sub account (AWS account, Azure subscription, GCP project) that owns the resource.'),
  s('SubAccountName', 'Conditional', true, '1.0', 'Display name of the sub account.'),
  s('SubAccountType', 'Conditional', true, '1.1', 'Provider label for the kind of sub account.'),
  j('Tags', 'Conditional', '1.0', 'User and provider tags on the resource, as a JSON object of keys and values.'),
];

const CONTRACT_COMMITMENT: ColumnSpec[] = [
  s('BillingCurrency', 'Mandatory', true, '1.3', 'ISO 4217 currency of the commitment cost.'),
  s('ContractCommitmentCategory', 'Mandatory', false, '1.3', 'Whether the commitment is to spend an amount or to use a quantity.', {
    allowedValues: ['Spend', 'Usage'],
  }),
  d('ContractCommitmentCost', 'cost', 'Mandatory', true, '1.3', 'Monetary value of a spend commitment, in the billing currency.'),
  s('ContractCommitmentDescription', 'Mandatory', false, '1.3', 'Human-readable summary of the commitment.'),
  s('ContractCommitmentId', 'Mandatory', false, '1.3', 'Identifier of the commitment within its contract; cost rows refer to it in ContractApplied.', { essential: true }),
  t('ContractCommitmentPeriodEnd', 'Mandatory', false, '1.3', 'Exclusive end of the period the commitment covers.', true),
  t('ContractCommitmentPeriodStart', 'Mandatory', false, '1.3', 'Inclusive start of the period the commitment covers.', true),
  d('ContractCommitmentQuantity', 'quantity', 'Mandatory', true, '1.3', 'Amount of a usage commitment, in ContractCommitmentUnit.'),
  s('ContractCommitmentType', 'Mandatory', false, '1.3', 'Provider label for the kind of commitment (for example Savings Plan or minimum spend).'),
  s('ContractCommitmentUnit', 'Mandatory', true, '1.3', 'Unit that ContractCommitmentQuantity is measured in.'),
  s('ContractId', 'Mandatory', false, '1.3', 'Identifier of the contract the commitment belongs to.'),
  t('ContractPeriodEnd', 'Mandatory', false, '1.3', 'Exclusive end of the contract term.'),
  t('ContractPeriodStart', 'Mandatory', false, '1.3', 'Inclusive start of the contract term.'),
];

export const camelCase = (name: string): string => name[0].toLowerCase() + name.slice(1);
export const snakeCase = (name: string): string => name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();

const finish = (dataset: DatasetId, specs: ColumnSpec[]): readonly FocusColumn[] =>
  Object.freeze(specs.map((spec) => Object.freeze({ ...spec, dataset, field: camelCase(spec.name), dbColumn: snakeCase(spec.name) })));

export const COST_AND_USAGE_COLUMNS = finish('CostAndUsage', COST_AND_USAGE);
export const CONTRACT_COMMITMENT_COLUMNS = finish('ContractCommitment', CONTRACT_COMMITMENT);

export const FOCUS_VERSION: FocusVersion = '1.3';

export function columnsOf(dataset: DatasetId): readonly FocusColumn[] {
  return dataset === 'CostAndUsage' ? COST_AND_USAGE_COLUMNS : CONTRACT_COMMITMENT_COLUMNS;
}

/** Position of a column in its dataset's catalog order (the order of parsed rows); throws on a name not in FOCUS. */
export function columnIndex(dataset: DatasetId, name: string): number {
  const index = columnsOf(dataset).findIndex((column) => column.name === name);
  if (index === -1) throw new Error(`${name} is not a FOCUS ${dataset} column`);
  return index;
}
