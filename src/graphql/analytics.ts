/**
 * The aggregates dashboards come for: costSummary (exact totals grouped by FOCUS dimensions, family, tag and time) and
 * the FinOps KPIs, at the root and scoped to a billing account or a family. The work is in src/analytics; this module
 * maps its inputs and results to the schema.
 */
import { costSummary, METRICS, SUMMARY_LIMIT, type CostSummaryRow, type Metric, type SumMetric } from '../analytics/summary.ts';
import { NAMED_DIMENSIONS } from '../analytics/dimensions.ts';
import {
  amortizedCostByFamily,
  amortizedCostByTag,
  commitmentCoverage,
  commitmentUtilization,
  dataFreshness,
  effectiveSavingsRate,
  type CommitmentCoverage,
  type CommitmentUtilization,
  type EffectiveSavingsRate,
  type FamilyAmortizedCost,
  type OverallCommitmentUtilization,
  type TagAmortizedCost,
  type TagValueCost,
} from '../analytics/kpis.ts';
import { GRANULARITIES, type Granularity } from '../analytics/periods.ts';
import type { CostRecordFilter } from '../query/cost-record-filter.ts';
import type { SortDirection } from '../query/keyset.ts';
import type { SqlFragment } from '../query/sql.ts';
import { builder } from './builder.ts';
import { CostRecordFilterInput, costRecordWhere, familyIdFromInput, OrderDirection } from './cost-records.ts';
import { reportingInputErrors } from './table-connections.ts';
import type { GraphQLContext } from './context.ts';
import { DataFreshnessRef } from './metadata.ts';
import { BillingAccountRef, FamilyRef } from './refs.ts';

type SchemaTypes = typeof builder extends PothosSchemaTypes.SchemaBuilder<infer Types> ? Types : never;

const enumName = (name: string) => name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();

const METRIC_DESCRIPTIONS: Record<Metric, string> = {
  billedCost: 'Sum of BilledCost: what was invoiced.',
  effectiveCost: 'Sum of EffectiveCost: amortized cost after all discounts.',
  listCost: 'Sum of ListCost: cost at public list prices.',
  contractedCost: 'Sum of ContractedCost: cost at negotiated prices before commitment discounts.',
  consumedQuantity: 'Sum of ConsumedQuantity (meaningful within one ConsumedUnit: group by consumedUnit).',
  pricingQuantity: 'Sum of PricingQuantity (meaningful within one PricingUnit: group by pricingUnit).',
  rowCount: 'Number of cost rows.',
};

const CostMetric = builder.enumType('CostMetric', {
  description: 'What costSummary adds up per group.',
  values: Object.fromEntries(METRICS.map((metric) => [enumName(metric), { value: metric, description: METRIC_DESCRIPTIONS[metric] }])) as Record<
    string,
    { value: Metric; description: string }
  >,
});

const TimeGranularity = builder.enumType('TimeGranularity', {
  description: 'Time buckets over ChargePeriodStart, in UTC. A row falls in the bucket its charge period starts in.',
  values: Object.fromEntries(
    GRANULARITIES.map((granularity) => [
      granularity,
      {
        value: granularity,
        description: { HOUR: 'Hours.', DAY: 'Days.', WEEK: 'ISO weeks, starting on Monday.', MONTH: 'Calendar months.', NONE: 'No time buckets: one total per group.' }[granularity],
      },
    ]),
  ) as Record<string, { value: Granularity; description: string }>,
});

const CostSummaryOrder = builder.inputRef<{ by: string; direction?: SortDirection | null }>('CostSummaryOrder').implement({
  description: 'A sort key for costSummary rows.',
  fields: (t) => ({
    by: t.string({
      required: true,
      description: 'A requested metric (such as `effectiveCost`), a groupBy dimension (a family sorts by its name), `periodStart` or `billingCurrency`.',
    }),
    direction: t.field({ type: OrderDirection, description: 'Default ASC.' }),
  }),
});

const CostSummaryKey = builder.objectRef<CostSummaryRow['keys'][number]>('CostSummaryKey').implement({
  description: 'The value of one groupBy dimension for a row of costSummary.',
  fields: (t) => ({
    dimension: t.exposeString('dimension', { nullable: false, description: 'The dimension as requested: `serviceName`, `family`, `tag:team`.' }),
    value: t.exposeString('value', {
      nullable: true,
      description: 'The dimension value; null when the rows have none. For `family`, the family id; for a tag, its value (null also when the tag is set to JSON null).',
    }),
    untagged: t.boolean({
      nullable: false,
      description: 'For a tag dimension: true for the explicit bucket of rows that do not carry the tag key at all.',
      resolve: (key) => key.untagged === true,
    }),
    name: t.exposeString('name', { nullable: true, description: 'For `family`: the family name (null for rows in no family).' }),
  }),
});

const sumField = (t: PothosSchemaTypes.ObjectFieldBuilder<SchemaTypes, CostSummaryRow>, metric: SumMetric) =>
  t.field({
    type: 'Decimal',
    nullable: true,
    description: `${METRIC_DESCRIPTIONS[metric]} Exact. Null when not requested in metrics, or when every value in the group is null.`,
    resolve: (row) => row.sums[metric] ?? null,
  });

const CostSummaryRowRef = builder.objectRef<CostSummaryRow>('CostSummaryRow').implement({
  description: 'One group of costSummary: its keys, time bucket and exact totals.',
  fields: (t) => ({
    keys: t.field({ type: [CostSummaryKey], nullable: false, description: 'The groupBy dimension values, in groupBy order.', resolve: (row) => row.keys }),
    billingCurrency: t.exposeString('billingCurrency', { nullable: false, description: 'Totals in different currencies are never added together.' }),
    periodStart: t.field({ type: 'DateTime', nullable: true, description: 'Start of the time bucket (null with granularity NONE).', resolve: (row) => row.periodStart }),
    periodEnd: t.field({ type: 'DateTime', nullable: true, description: 'End of the time bucket, exclusive.', resolve: (row) => row.periodEnd }),
    billedCost: sumField(t, 'billedCost'),
    effectiveCost: sumField(t, 'effectiveCost'),
    listCost: sumField(t, 'listCost'),
    contractedCost: sumField(t, 'contractedCost'),
    consumedQuantity: sumField(t, 'consumedQuantity'),
    pricingQuantity: sumField(t, 'pricingQuantity'),
    rowCount: t.exposeInt('rowCount', { nullable: false, description: 'Number of cost rows in the group.' }),
  }),
});

const CostSummaryRef = builder.objectRef<ReturnType<typeof costSummary>>('CostSummary').implement({
  description: 'Exact totals of cost rows, grouped.',
  fields: (t) => ({
    rows: t.field({ type: [CostSummaryRowRef], nullable: false, description: 'The groups, ordered by orderBy, at most limit of them.', resolve: (summary) => summary.rows }),
    totalGroups: t.exposeInt('totalGroups', { nullable: false, description: 'How many groups there are before the limit.' }),
    answeredFrom: t.exposeString('answeredFrom', {
      nullable: false,
      description:
        'ROLLUP when the daily rollup answered: buckets of a day or more, grouped and filtered only by its columns (currency, billing account and period, sub account, provider, service category, subcategory and name, region, charge and pricing category, commitment discount status, family) and by chargePeriodStart ranges whose bounds are whole UTC days (gte/lt a midnight, gt/lte the millisecond before one). ROWS otherwise. The totals are the same either way.',
    }),
  }),
});

interface CostSummaryArgs {
  filter?: CostRecordFilter | null;
  groupBy?: string[] | null;
  granularity?: Granularity | null;
  metrics: Metric[];
  orderBy?: { by: string; direction?: SortDirection | null }[] | null;
  limit?: number | null;
  currency?: string | null;
}

/** Adds a costSummary field whose rows are limited to `scope(parent)` (a billing account, a family, or none). */
function costSummaryField<Parent>(
  t: PothosSchemaTypes.RootFieldBuilder<SchemaTypes, Parent, 'Object' | 'Query'>,
  description: string,
  scope: (parent: Parent) => CostRecordFilter | null,
) {
  return t.field({
    type: CostSummaryRef,
    nullable: false,
    description,
    args: {
      filter: t.arg({ type: CostRecordFilterInput, description: 'Which cost rows to add up.' }),
      groupBy: t.arg.stringList({
        description: `Dimensions to group by: a string column of FOCUS by field name (${NAMED_DIMENSIONS.filter((name) => name !== 'family').join(', ')}), \`family\` (by the family rule), or \`tag:<key>\` (rows without the key form an explicit untagged bucket).`,
      }),
      granularity: t.arg({ type: TimeGranularity, description: 'Time buckets over ChargePeriodStart; default NONE.' }),
      metrics: t.arg({ type: [CostMetric], required: true, description: 'What to add up.' }),
      orderBy: t.arg({ type: [CostSummaryOrder], description: 'Sort keys, most significant first; ties end ordered by period, then dimensions, then currency.' }),
      limit: t.arg.int({ description: `At most this many groups (default ${SUMMARY_LIMIT.default}, at most ${SUMMARY_LIMIT.max.toLocaleString('en')}).` }),
      currency: t.arg.string({ description: 'Only rows billed in this ISO 4217 currency. Without it, billingCurrency is always part of the group.' }),
    },
    resolve: (parent: Parent, args: CostSummaryArgs, context: GraphQLContext) =>
      reportingInputErrors(() =>
        costSummary(context.db, {
          filter: args.filter,
          filterOptions: { familyId: familyIdFromInput },
          scope: scope(parent),
          groupBy: args.groupBy ?? undefined,
          granularity: args.granularity ?? undefined,
          metrics: args.metrics,
          orderBy: args.orderBy?.map((order) => ({ by: order.by, direction: order.direction ?? undefined })),
          limit: args.limit ?? undefined,
          currency: args.currency ?? undefined,
        }),
      ),
  });
}

const ROOT_SCOPE = () => null;
const accountScope = (account: { id: string }): CostRecordFilter => ({ billingAccountId: { eq: account.id } });
const familyScope = (family: { id: string }): CostRecordFilter => ({ family: { eq: family.id } });

builder.queryField('costSummary', (t) =>
  costSummaryField(t, 'Exact cost and quantity totals over the cost rows a filter selects, grouped by dimensions, family, tag and time.', ROOT_SCOPE),
);
builder.objectField(BillingAccountRef, 'costSummary', (t) => costSummaryField(t, "costSummary over this billing account's rows.", accountScope));
builder.objectField(FamilyRef, 'costSummary', (t) => costSummaryField(t, "costSummary over this family's rows (by the family rule).", familyScope));

// ---------------------------------------------------------------------------------------------------------------------
// KPIs

const EffectiveSavingsRateRef = builder.objectRef<EffectiveSavingsRate>('EffectiveSavingsRate').implement({
  description: 'Effective savings rate in one billing currency.',
  fields: (t) => ({
    billingCurrency: t.exposeString('billingCurrency', { nullable: false, description: 'The ISO 4217 currency of the amounts.' }),
    listCost: t.field({ type: 'Decimal', nullable: false, description: 'ListCost of the usage that ran (on-demand equivalent).', resolve: (r) => r.listCost }),
    effectiveCost: t.field({ type: 'Decimal', nullable: false, description: 'EffectiveCost of that usage, plus unused commitment cost.', resolve: (r) => r.effectiveCost }),
    savings: t.field({ type: 'Decimal', nullable: false, description: 'listCost - effectiveCost.', resolve: (r) => r.savings }),
    rate: t.exposeFloat('rate', { nullable: true, description: 'savings / listCost; null when listCost is zero.' }),
  }),
});

const CommitmentDiscountUtilizationRef = builder.objectRef<CommitmentUtilization>('CommitmentDiscountUtilization').implement({
  description: 'Use of one commitment discount (reservation, savings plan, committed use discount), from its Used and Unused rows.',
  fields: (t) => ({
    commitmentDiscountId: t.exposeString('commitmentDiscountId', { nullable: false, description: 'CommitmentDiscountId: the provider id of the commitment discount.' }),
    commitmentDiscountName: t.exposeString('commitmentDiscountName', { nullable: true, description: 'CommitmentDiscountName, as the rows give it.' }),
    commitmentDiscountCategory: t.exposeString('commitmentDiscountCategory', { nullable: true, description: 'Spend or Usage.' }),
    commitmentDiscountUnit: t.exposeString('commitmentDiscountUnit', { nullable: true, description: 'CommitmentDiscountUnit: the unit of the quantities.' }),
    billingCurrency: t.exposeString('billingCurrency', { nullable: false, description: 'The ISO 4217 currency of the amounts.' }),
    usedQuantity: t.field({ type: 'Decimal', nullable: true, description: 'CommitmentDiscountQuantity of the Used rows.', resolve: (r) => r.usedQuantity }),
    unusedQuantity: t.field({ type: 'Decimal', nullable: true, description: 'CommitmentDiscountQuantity of the Unused rows.', resolve: (r) => r.unusedQuantity }),
    quantityUtilization: t.exposeFloat('quantityUtilization', { nullable: true, description: 'usedQuantity / (usedQuantity + unusedQuantity).' }),
    usedCost: t.field({ type: 'Decimal', nullable: false, description: 'EffectiveCost of the Used rows.', resolve: (r) => r.usedCost }),
    unusedCost: t.field({ type: 'Decimal', nullable: false, description: 'Unused commitment cost: EffectiveCost of the Unused rows.', resolve: (r) => r.unusedCost }),
    costUtilization: t.exposeFloat('costUtilization', { nullable: true, description: 'usedCost / (usedCost + unusedCost).' }),
  }),
});

const OverallCommitmentUtilizationRef = builder.objectRef<OverallCommitmentUtilization>('OverallCommitmentUtilization').implement({
  description: 'Use of all commitment discounts billed in one currency.',
  fields: (t) => ({
    billingCurrency: t.exposeString('billingCurrency', { nullable: false, description: 'The ISO 4217 currency of the amounts.' }),
    usedCost: t.field({ type: 'Decimal', nullable: false, description: 'EffectiveCost of all Used rows.', resolve: (r) => r.usedCost }),
    unusedCost: t.field({ type: 'Decimal', nullable: false, description: 'Unused commitment cost: EffectiveCost of all Unused rows.', resolve: (r) => r.unusedCost }),
    costUtilization: t.exposeFloat('costUtilization', { nullable: true, description: 'usedCost / (usedCost + unusedCost).' }),
    wasteShare: t.exposeFloat('wasteShare', { nullable: true, description: 'unusedCost / (usedCost + unusedCost): percentage of commitment discount waste.' }),
  }),
});

const CommitmentUtilizationRef = builder.objectRef<ReturnType<typeof commitmentUtilization>>('CommitmentUtilization').implement({
  description: 'Commitment discount utilization and unused commitment cost.',
  fields: (t) => ({
    overall: t.field({ type: [OverallCommitmentUtilizationRef], nullable: false, description: 'Per billing currency, over every commitment discount.', resolve: (u) => u.overall }),
    commitmentDiscounts: t.field({ type: [CommitmentDiscountUtilizationRef], nullable: false, description: 'Per commitment discount.', resolve: (u) => u.commitments }),
  }),
});

const CommitmentCoverageRef = builder.objectRef<CommitmentCoverage>('CommitmentCoverage').implement({
  description: 'Share of eligible usage cost that commitment discounts covered, in one currency.',
  fields: (t) => ({
    billingCurrency: t.exposeString('billingCurrency', { nullable: false, description: 'The ISO 4217 currency of the amounts.' }),
    coveredCost: t.field({ type: 'Decimal', nullable: false, description: 'EffectiveCost of usage a commitment discount covered (status Used).', resolve: (r) => r.coveredCost }),
    onDemandCost: t.field({ type: 'Decimal', nullable: false, description: 'EffectiveCost of eligible usage no commitment covered.', resolve: (r) => r.onDemandCost }),
    eligibleCost: t.field({ type: 'Decimal', nullable: false, description: 'coveredCost + onDemandCost.', resolve: (r) => r.eligibleCost }),
    coverage: t.exposeFloat('coverage', { nullable: true, description: 'coveredCost / eligibleCost.' }),
  }),
});

const FamilyAmortizedCostRef = builder.objectRef<FamilyAmortizedCost>('FamilyAmortizedCost').implement({
  description: 'Amortized cost of one family in one currency.',
  fields: (t) => ({
    familyId: t.exposeString('familyId', { nullable: true, description: 'The family id; null for the rows in no family.' }),
    familyName: t.exposeString('familyName', { nullable: true, description: 'The family name; null for the rows in no family.' }),
    billingCurrency: t.exposeString('billingCurrency', { nullable: false, description: 'The ISO 4217 currency of the amounts.' }),
    effectiveCost: t.field({ type: 'Decimal', nullable: false, description: 'Sum of EffectiveCost of the family rows.', resolve: (r) => r.effectiveCost }),
    share: t.exposeFloat('share', { nullable: true, description: "effectiveCost / the currency's total EffectiveCost." }),
  }),
});

const TagValueCostRef = builder.objectRef<TagValueCost>('TagValueCost').implement({
  description: 'Amortized cost of the rows carrying one value of a tag.',
  fields: (t) => ({
    value: t.exposeString('value', { nullable: true, description: 'The tag value; null when the tag is set to JSON null.' }),
    effectiveCost: t.field({ type: 'Decimal', nullable: false, description: 'Sum of EffectiveCost of the rows with this value.', resolve: (r) => r.effectiveCost }),
    share: t.exposeFloat('share', { nullable: true, description: "effectiveCost / the currency's total." }),
  }),
});

const TagAmortizedCostRef = builder.objectRef<TagAmortizedCost>('TagAmortizedCost').implement({
  description: 'Amortized cost by the values of one tag key, in one currency, with the untagged share.',
  fields: (t) => ({
    tagKey: t.exposeString('tagKey', { nullable: false, description: 'The tag key the costs are split by.' }),
    billingCurrency: t.exposeString('billingCurrency', { nullable: false, description: 'The ISO 4217 currency of the amounts.' }),
    effectiveCost: t.field({ type: 'Decimal', nullable: false, description: 'EffectiveCost of all rows in the currency.', resolve: (r) => r.effectiveCost }),
    untaggedCost: t.field({ type: 'Decimal', nullable: false, description: 'EffectiveCost of the rows without the tag key.', resolve: (r) => r.untaggedCost }),
    untaggedShare: t.exposeFloat('untaggedShare', { nullable: true, description: 'untaggedCost / effectiveCost.' }),
    values: t.field({ type: [TagValueCostRef], nullable: false, description: 'Tagged rows by value, most expensive first.', resolve: (r) => r.values }),
  }),
});

/** The row restriction every KPI of one `kpis` selection is computed over. */
interface KpiScope {
  where: SqlFragment;
}

const KpisRef = builder.objectRef<KpiScope>('Kpis').implement({
  description: 'FinOps KPIs over the selected cost rows, per billing currency, from exact decimal totals. Each is computed only when selected.',
  fields: (t) => ({
    effectiveSavingsRate: t.field({
      type: [EffectiveSavingsRateRef],
      nullable: false,
      description:
        'Effective savings rate: ESR = (ListCost - EffectiveCost) / ListCost over Usage rows with a ListCost, EffectiveCost also counting unused commitment rows so that waste lowers the rate. Purchases, taxes, credits and adjustments are excluded.',
      resolve: (scope, _args, context) => effectiveSavingsRate(context.db, scope),
    }),
    commitmentUtilization: t.field({
      type: CommitmentUtilizationRef,
      nullable: false,
      description:
        'Commitment utilization = Used / (Used + Unused) over the Usage rows with CommitmentDiscountStatus, in EffectiveCost (and in CommitmentDiscountQuantity per commitment); unused commitment cost = EffectiveCost of the Unused rows.',
      resolve: (scope, _args, context) => commitmentUtilization(context.db, scope),
    }),
    commitmentCoverage: t.field({
      type: [CommitmentCoverageRef],
      nullable: false,
      description:
        'Commitment coverage = covered / (covered + on-demand) in EffectiveCost over Usage rows: covered has CommitmentDiscountStatus Used, on-demand has none and Standard pricing; eligible usage is that of the services some commitment covered.',
      resolve: (scope, _args, context) => commitmentCoverage(context.db, scope),
    }),
    amortizedCostByFamily: t.field({
      type: [FamilyAmortizedCostRef],
      nullable: false,
      description: "Amortized cost (sum of EffectiveCost) per family, with share = family EffectiveCost / the currency's total; rows in no family form one group.",
      resolve: (scope, _args, context) => amortizedCostByFamily(context.db, scope),
    }),
    amortizedCostByTag: t.field({
      type: [TagAmortizedCostRef],
      nullable: false,
      description: 'Amortized cost by the values of a tag key, with untaggedShare = EffectiveCost of rows without the key / EffectiveCost of all rows.',
      args: { tagKey: t.arg.string({ required: true, description: 'The tag key, such as `team`.' }) },
      resolve: (scope, { tagKey }, context) => reportingInputErrors(() => amortizedCostByTag(context.db, { ...scope, tagKey })),
    }),
    dataFreshness: t.field({
      type: [DataFreshnessRef],
      nullable: false,
      description: 'Per provider and billing account: the latest ChargePeriodEnd and when the latest batch holding the rows finished loading.',
      resolve: (scope, _args, context) => dataFreshness(context.db, scope),
    }),
  }),
});

builder.queryField('kpis', (t) =>
  t.field({
    type: KpisRef,
    nullable: false,
    description: 'FinOps KPIs over the cost rows a filter selects (all rows without one).',
    args: { filter: t.arg({ type: CostRecordFilterInput, description: 'Which cost rows the KPIs cover.' }) },
    resolve: (_root, { filter }) => reportingInputErrors(() => ({ where: costRecordWhere(filter) })),
  }),
);

builder.queryField('commitmentDiscounts', (t) =>
  t.field({
    type: [CommitmentDiscountUtilizationRef],
    nullable: false,
    description:
      'Every commitment discount in the selected rows with its utilization (Used / (Used + Unused)) and unused commitment cost; the same as kpis { commitmentUtilization { commitmentDiscounts } }.',
    args: { filter: t.arg({ type: CostRecordFilterInput, description: 'Which cost rows to read commitment use from.' }) },
    resolve: (_root, { filter }, context) => reportingInputErrors(() => commitmentUtilization(context.db, { where: costRecordWhere(filter) }).commitments),
  }),
);
