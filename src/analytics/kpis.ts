/**
 * FinOps KPIs over the cost rows a `where` restriction selects (written against the cost row alias `cr`, as for
 * costSummary). Each is computed per BillingCurrency, since amounts in different currencies are never added, from exact
 * decimal totals; the ratios themselves are doubles. Definitions follow the FinOps Foundation's KPI and FOCUS use-case
 * library (Effective Savings Rate, Percentage of Commitment Discount Waste, commitment utilization and coverage);
 * where FOCUS 1.3 leaves a choice open, the doc comment of each function says which one was made.
 */
import { ExactDecimal, type SqliteDatabase } from '../db/sqlite.ts';
import { costRecordFamilyIdSql } from '../families/rule.ts';
import { andSql, TRUE_SQL, type SqlFragment } from '../query/sql.ts';
import { resolveDimension } from './dimensions.ts';
import { exactAggregate, type ExactAggregateQuery, type ExactAggregateRow } from './exact-sum.ts';

export interface KpiInput {
  /** Row restriction over the cost row alias `cr`; all rows if absent. */
  readonly where?: SqlFragment;
}

const CURRENCY_KEY: SqlFragment = { sql: 'cr.billing_currency', params: [] };
const USED = `cr.commitment_discount_status = 'Used'`;
const UNUSED = `cr.commitment_discount_status = 'Unused'`;

/** numerator / denominator as a double; null when the denominator is zero or either is missing. */
function ratio(numerator: string | null, denominator: string | null): number | null {
  if (numerator === null || denominator === null) return null;
  const divisor = new ExactDecimal(denominator);
  return divisor.isZero() ? null : new ExactDecimal(numerator).div(divisor).toNumber();
}

/** Code-point order, nulls first, for deterministic output. */
function compareText(a: string | null, b: string | null): number {
  if (a === b) return 0;
  if (a === null || b === null) return a === null ? -1 : 1;
  return a < b ? -1 : 1;
}

const plus = (a: string | null, b: string | null): string => new ExactDecimal(a ?? 0).plus(b ?? 0).toFixed();
const minus = (a: string | null, b: string | null): string => new ExactDecimal(a ?? 0).minus(b ?? 0).toFixed();

/** One read transaction, so that the queries of an exact sum see the same rows. */
function aggregate(db: SqliteDatabase, query: ExactAggregateQuery): ExactAggregateRow[] {
  return db.transaction(() => exactAggregate(db, query))();
}

function restricted(input: KpiInput, ...conditions: string[]): SqlFragment {
  return andSql([input.where ?? TRUE_SQL, ...conditions.map((sql) => ({ sql, params: [] }))]);
}

export interface EffectiveSavingsRate {
  readonly billingCurrency: string;
  /** On-demand equivalent: ListCost of the usage that ran. */
  readonly listCost: string;
  /** What that usage cost after all discounts, plus the cost of unused commitments. */
  readonly effectiveCost: string;
  /** listCost - effectiveCost. */
  readonly savings: string;
  /** savings / listCost; null when listCost is zero. */
  readonly rate: number | null;
}

/**
 * Effective savings rate (ESR), FinOps Foundation definition over list prices:
 * ESR = (ListCost - EffectiveCost) / ListCost, where ListCost is summed over Usage rows that are not unused commitment
 * (ChargeCategory = Usage, CommitmentDiscountStatus not Unused, ListCost not null) and EffectiveCost over the same rows
 * plus the unused commitment rows (CommitmentDiscountStatus = Unused), so that commitment waste lowers the rate
 * instead of counting its list price as savings. Excluded: Purchase rows (their cost reaches EffectiveCost through
 * amortization onto usage), Tax, Credit and Adjustment rows, and usage rows without a ListCost.
 */
export function effectiveSavingsRate(db: SqliteDatabase, input: KpiInput = {}): EffectiveSavingsRate[] {
  const rows = aggregate(db, {
    from: 'cost_records cr',
    where: restricted(input, `cr.charge_category = 'Usage'`),
    keys: [CURRENCY_KEY],
    sums: [
      { name: 'list', sql: 'cr.list_cost', filter: `cr.commitment_discount_status IS NOT 'Unused'` },
      { name: 'effective', sql: 'cr.effective_cost', filter: `cr.commitment_discount_status = 'Unused' OR cr.list_cost IS NOT NULL` },
    ],
  });
  return rows.map((row) => {
    const savings = minus(row.sums.list, row.sums.effective);
    return {
      billingCurrency: row.keys[0] as string,
      listCost: row.sums.list ?? '0',
      effectiveCost: row.sums.effective ?? '0',
      savings,
      rate: ratio(savings, row.sums.list),
    };
  });
}

export interface CommitmentUtilization {
  readonly commitmentDiscountId: string;
  readonly commitmentDiscountName: string | null;
  /** Spend or Usage. */
  readonly commitmentDiscountCategory: string | null;
  readonly commitmentDiscountUnit: string | null;
  readonly billingCurrency: string;
  /** CommitmentDiscountQuantity of the Used rows, in commitmentDiscountUnit; null when the rows carry no quantity. */
  readonly usedQuantity: string | null;
  readonly unusedQuantity: string | null;
  /** usedQuantity / (usedQuantity + unusedQuantity). */
  readonly quantityUtilization: number | null;
  /** EffectiveCost of the Used rows: the amortized commitment that usage consumed. */
  readonly usedCost: string;
  /** EffectiveCost of the Unused rows: commitment paid for and not used. */
  readonly unusedCost: string;
  /** usedCost / (usedCost + unusedCost). */
  readonly costUtilization: number | null;
}

export interface OverallCommitmentUtilization {
  readonly billingCurrency: string;
  readonly usedCost: string;
  readonly unusedCost: string;
  /** usedCost / (usedCost + unusedCost) over every commitment discount billed in the currency. */
  readonly costUtilization: number | null;
  /** unusedCost / (usedCost + unusedCost): the FinOps Foundation's Percentage of Commitment Discount Waste. */
  readonly wasteShare: number | null;
}

/**
 * Commitment discount utilization and unused commitment cost, per CommitmentDiscountId and overall, from the Usage
 * rows whose CommitmentDiscountStatus is Used or Unused:
 * utilization = Used / (Used + Unused), in CommitmentDiscountQuantity (per commitment, in its CommitmentDiscountUnit)
 * and in EffectiveCost (per commitment and overall); unused commitment cost = sum of EffectiveCost of the Unused rows.
 * Purchase rows are not counted: they say what was bought, the Used and Unused rows how it was spent.
 */
export function commitmentUtilization(db: SqliteDatabase, input: KpiInput = {}): { commitments: CommitmentUtilization[]; overall: OverallCommitmentUtilization[] } {
  const rows = aggregate(db, {
    from: 'cost_records cr',
    where: restricted(input, `cr.charge_category = 'Usage'`, 'cr.commitment_discount_id IS NOT NULL', `cr.commitment_discount_status IN ('Used', 'Unused')`),
    keys: [{ sql: 'cr.commitment_discount_id', params: [] }, CURRENCY_KEY],
    values: [
      { name: 'name', sql: 'MAX(cr.commitment_discount_name)' },
      { name: 'category', sql: 'MAX(cr.commitment_discount_category)' },
      { name: 'unit', sql: 'MAX(cr.commitment_discount_unit)' },
    ],
    sums: [
      { name: 'usedQuantity', sql: 'cr.commitment_discount_quantity', filter: USED },
      { name: 'unusedQuantity', sql: 'cr.commitment_discount_quantity', filter: UNUSED },
      { name: 'usedCost', sql: 'cr.effective_cost', filter: USED },
      { name: 'unusedCost', sql: 'cr.effective_cost', filter: UNUSED },
    ],
  });
  const commitments = rows
    .map((row): CommitmentUtilization => {
      const { usedQuantity, unusedQuantity } = row.sums;
      const usedCost = row.sums.usedCost ?? '0';
      const unusedCost = row.sums.unusedCost ?? '0';
      const hasQuantity = usedQuantity !== null || unusedQuantity !== null;
      return {
        commitmentDiscountId: row.keys[0] as string,
        commitmentDiscountName: row.values.name as string | null,
        commitmentDiscountCategory: row.values.category as string | null,
        commitmentDiscountUnit: row.values.unit as string | null,
        billingCurrency: row.keys[1] as string,
        usedQuantity,
        unusedQuantity,
        quantityUtilization: hasQuantity ? ratio(usedQuantity ?? '0', plus(usedQuantity, unusedQuantity)) : null,
        usedCost,
        unusedCost,
        costUtilization: ratio(usedCost, plus(usedCost, unusedCost)),
      };
    })
    .sort((a, b) => compareText(a.commitmentDiscountId, b.commitmentDiscountId) || compareText(a.billingCurrency, b.billingCurrency));

  const byCurrency = new Map<string, { used: string; unused: string }>();
  for (const commitment of commitments) {
    const totals = byCurrency.get(commitment.billingCurrency) ?? { used: '0', unused: '0' };
    byCurrency.set(commitment.billingCurrency, { used: plus(totals.used, commitment.usedCost), unused: plus(totals.unused, commitment.unusedCost) });
  }
  const overall = [...byCurrency]
    .sort(([a], [b]) => compareText(a, b))
    .map(([billingCurrency, { used, unused }]) => ({
      billingCurrency,
      usedCost: used,
      unusedCost: unused,
      costUtilization: ratio(used, plus(used, unused)),
      wasteShare: ratio(unused, plus(used, unused)),
    }));
  return { commitments, overall };
}

export interface CommitmentCoverage {
  readonly billingCurrency: string;
  /** EffectiveCost of usage a commitment discount covered (CommitmentDiscountStatus = Used). */
  readonly coveredCost: string;
  /** EffectiveCost of eligible usage no commitment discount covered. */
  readonly onDemandCost: string;
  /** coveredCost + onDemandCost. */
  readonly eligibleCost: string;
  /** coveredCost / eligibleCost. */
  readonly coverage: number | null;
}

/**
 * Commitment discount coverage: the share of eligible usage cost that commitment discounts covered,
 * coverage = covered / (covered + on-demand), in EffectiveCost, over Usage rows. Covered: CommitmentDiscountStatus =
 * Used. On-demand: no CommitmentDiscountStatus and PricingCategory Standard (or not given). FOCUS 1.3 has no column
 * saying what a commitment could cover, so eligible usage is taken to be that of the services (ServiceName) that a
 * commitment discount covered somewhere in the same rows; spot (Dynamic) and Other pricing, unused commitments,
 * purchases, taxes, credits and adjustments are not eligible.
 */
export function commitmentCoverage(db: SqliteDatabase, input: KpiInput = {}): CommitmentCoverage[] {
  const where = input.where ?? TRUE_SQL;
  const rows = aggregate(db, {
    from: 'cost_records cr',
    where: andSql([
      where,
      { sql: `cr.charge_category = 'Usage'`, params: [] },
      {
        sql: `cr.service_name IN (SELECT cr.service_name FROM cost_records cr WHERE (${where.sql}) AND cr.commitment_discount_status = 'Used')`,
        params: where.params,
      },
    ]),
    keys: [CURRENCY_KEY],
    sums: [
      { name: 'covered', sql: 'cr.effective_cost', filter: USED },
      { name: 'onDemand', sql: 'cr.effective_cost', filter: `cr.commitment_discount_status IS NULL AND COALESCE(cr.pricing_category, 'Standard') = 'Standard'` },
    ],
  });
  return rows.map((row) => {
    const coveredCost = row.sums.covered ?? '0';
    const onDemandCost = row.sums.onDemand ?? '0';
    const eligibleCost = plus(coveredCost, onDemandCost);
    return { billingCurrency: row.keys[0] as string, coveredCost, onDemandCost, eligibleCost, coverage: ratio(coveredCost, eligibleCost) };
  });
}

export interface FamilyAmortizedCost {
  /** Null for the rows that belong to no family. */
  readonly familyId: string | null;
  readonly familyName: string | null;
  readonly billingCurrency: string;
  readonly effectiveCost: string;
  /** effectiveCost / the currency's total EffectiveCost over the rows. */
  readonly share: number | null;
}

function sharesOf<T extends { billingCurrency: string; effectiveCost: string }>(items: T[]): (T & { share: number | null })[] {
  const totals = new Map<string, string>();
  for (const item of items) totals.set(item.billingCurrency, plus(totals.get(item.billingCurrency) ?? null, item.effectiveCost));
  return items.map((item) => ({ ...item, share: ratio(item.effectiveCost, totals.get(item.billingCurrency) ?? null) }));
}

/**
 * Amortized cost (sum of EffectiveCost) per family and currency, with each family's share of the currency's total:
 * share = EffectiveCost(family) / EffectiveCost(all rows). A row's family follows the family rule (its sub account's
 * family, else its billing account's); rows in no family form the group with familyId null.
 */
export function amortizedCostByFamily(db: SqliteDatabase, input: KpiInput = {}): FamilyAmortizedCost[] {
  const { rows, names } = db.transaction(() => ({
    rows: exactAggregate(db, {
      from: 'cost_records cr',
      where: input.where ?? TRUE_SQL,
      keys: [CURRENCY_KEY, { sql: costRecordFamilyIdSql('cr'), params: [] }],
      sums: [{ name: 'effectiveCost', sql: 'cr.effective_cost' }],
    }),
    names: new Map((db.prepare('SELECT id, name FROM families').all() as { id: string; name: string }[]).map((family) => [family.id, family.name])),
  }))();
  const families = rows.map((row) => {
    const familyId = row.keys[1] as string | null;
    return {
      familyId,
      familyName: familyId === null ? null : (names.get(familyId) ?? null),
      billingCurrency: row.keys[0] as string,
      effectiveCost: row.sums.effectiveCost ?? '0',
    };
  });
  return sharesOf(families).sort(
    (a, b) => compareText(a.billingCurrency, b.billingCurrency) || new ExactDecimal(b.effectiveCost).comparedTo(a.effectiveCost) || compareText(a.familyName, b.familyName),
  );
}

export interface TagValueCost {
  /** Null when the key is set to JSON null. */
  readonly value: string | null;
  readonly effectiveCost: string;
  /** effectiveCost / the currency's total. */
  readonly share: number | null;
}

export interface TagAmortizedCost {
  readonly tagKey: string;
  readonly billingCurrency: string;
  /** EffectiveCost of all the rows in the currency. */
  readonly effectiveCost: string;
  /** EffectiveCost of the rows without the tag key (no Tags at all, or Tags without this key). */
  readonly untaggedCost: string;
  /** untaggedCost / effectiveCost. */
  readonly untaggedShare: number | null;
  /** Tagged rows by tag value, most expensive first. */
  readonly values: TagValueCost[];
}

/**
 * Amortized cost (sum of EffectiveCost) by the values of one tag key, per currency, with the untagged share:
 * untaggedShare = EffectiveCost(rows without the key) / EffectiveCost(all rows), and per value
 * share = EffectiveCost(rows with that value) / EffectiveCost(all rows).
 */
export function amortizedCostByTag(db: SqliteDatabase, input: KpiInput & { readonly tagKey: string }): TagAmortizedCost[] {
  const dimension = resolveDimension(`tag:${input.tagKey}`, 'tagKey');
  const rows = aggregate(db, {
    from: 'cost_records cr',
    where: input.where ?? TRUE_SQL,
    keys: [CURRENCY_KEY, ...dimension.keys],
    sums: [{ name: 'effectiveCost', sql: 'cr.effective_cost' }],
  });
  const byCurrency = new Map<string, { total: string; untagged: string; values: { value: string | null; effectiveCost: string }[] }>();
  for (const row of rows) {
    const [billingCurrency, value, hasKey] = row.keys as [string, string | null, number];
    const effectiveCost = row.sums.effectiveCost ?? '0';
    const entry = byCurrency.get(billingCurrency) ?? { total: '0', untagged: '0', values: [] };
    entry.total = plus(entry.total, effectiveCost);
    if (hasKey === 0) entry.untagged = plus(entry.untagged, effectiveCost);
    else entry.values.push({ value, effectiveCost });
    byCurrency.set(billingCurrency, entry);
  }
  return [...byCurrency]
    .sort(([a], [b]) => compareText(a, b))
    .map(([billingCurrency, entry]) => ({
      tagKey: input.tagKey,
      billingCurrency,
      effectiveCost: entry.total,
      untaggedCost: entry.untagged,
      untaggedShare: ratio(entry.untagged, entry.total),
      values: entry.values
        .map((value) => ({ ...value, share: ratio(value.effectiveCost, entry.total) }))
        .sort((a, b) => new ExactDecimal(b.effectiveCost).comparedTo(a.effectiveCost) || compareText(a.value, b.value)),
    }));
}

export interface DataFreshness {
  /** ServiceProviderName of the rows (the provider the billing accounts record). */
  readonly provider: string | null;
  readonly billingAccountId: string | null;
  /** Latest ChargePeriodEnd: how recent the charges are. */
  readonly latestChargePeriodEnd: Date;
  /** When the most recent batch holding these rows finished loading. */
  readonly latestIngestAt: Date;
  readonly rowCount: number;
}

/**
 * Data freshness per provider and billing account: the latest ChargePeriodEnd among the rows, and the completion
 * time of the latest ingest batch that holds some of them (batches fully replaced by a restatement hold none).
 */
export function dataFreshness(db: SqliteDatabase, input: KpiInput = {}): DataFreshness[] {
  const where = input.where ?? TRUE_SQL;
  const rows = db
    .prepare(
      `SELECT per_batch.provider, per_batch.billing_account_id, MAX(per_batch.latest_end) AS latest_end, MAX(b.completed_at) AS latest_ingest,
              SUM(per_batch.row_count) AS row_count
       FROM (SELECT cr.service_provider_name AS provider, cr.billing_account_id, cr.batch_id, MAX(cr.charge_period_end) AS latest_end, COUNT(*) AS row_count
             FROM cost_records cr WHERE ${where.sql} GROUP BY 1, 2, 3) AS per_batch
       JOIN ingest_batches b ON b.id = per_batch.batch_id
       GROUP BY 1, 2
       ORDER BY 1, 2`,
    )
    .all(...where.params) as { provider: string | null; billing_account_id: string | null; latest_end: number; latest_ingest: number; row_count: number }[];
  return rows.map((row) => ({
    provider: row.provider,
    billingAccountId: row.billing_account_id,
    latestChargePeriodEnd: new Date(row.latest_end),
    latestIngestAt: new Date(row.latest_ingest),
    rowCount: row.row_count,
  }));
}
