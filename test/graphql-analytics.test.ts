import path from 'node:path';
import { Decimal as BaseDecimal } from 'decimal.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { effectiveSavingsRate } from '../src/analytics/kpis.ts';
import { createFamily } from '../src/families/service.ts';
import { fileSource, ingest } from '../src/ingest/service.ts';
import { dataOf, FIXTURES, readCsvObjects, startGateway, tempDatabase } from './helpers.ts';

const Decimal = BaseDecimal.clone({ precision: 200 });
const SUMMARY = path.join(FIXTURES, 'analytics/summary.csv');
const KPIS = path.join(FIXTURES, 'analytics/kpis.csv');

/** Exact sums of the file's text per key, computed here without the gateway. */
function expectedTotals(rows: Record<string, string>[], key: (row: Record<string, string>) => string, column: string): Map<string, string> {
  const totals = new Map<string, BaseDecimal>();
  for (const row of rows) totals.set(key(row), (totals.get(key(row)) ?? new Decimal(0)).plus(row[column]));
  return new Map([...totals].map(([k, total]) => [k, total.toFixed()]));
}

describe('costSummary and KPIs over GraphQL', () => {
  let database: Awaited<ReturnType<typeof tempDatabase>>;
  let gateway: Awaited<ReturnType<typeof startGateway>>;
  const rows = readCsvObjects(SUMMARY);
  beforeAll(async () => {
    database = await tempDatabase();
    await ingest(database.db, fileSource(SUMMARY));
    await ingest(database.db, fileSource(KPIS));
    gateway = await startGateway(database.db, database.url);
    await createFamily(gateway.prisma, { name: 'Team S2', accountIds: ['S2'] });
  });
  afterAll(async () => {
    await gateway.close();
    database.close();
  });

  const data = (query: string, variables?: Record<string, unknown>) => dataOf(gateway, query, variables);

  it('totals by service and month equal an exact decimal sum of the file, currencies apart', async () => {
    const { costSummary } = await data(`{
      costSummary(filter: { billingAccountId: { in: ["A1", "B1"] } }, groupBy: ["serviceName"], granularity: MONTH, metrics: [BILLED_COST, EFFECTIVE_COST, ROW_COUNT]) {
        totalGroups rows { keys { dimension value } billingCurrency periodStart periodEnd billedCost effectiveCost listCost rowCount }
      }
    }`);
    const key = (row: Record<string, string>) => `${row.ServiceName}|${row.BillingCurrency}|${row.ChargePeriodStart.slice(0, 7)}-01T00:00:00Z`;
    const billed = expectedTotals(rows, key, 'BilledCost');
    const effective = expectedTotals(rows, key, 'EffectiveCost');
    expect(costSummary.totalGroups).toBe(billed.size);
    for (const row of costSummary.rows) {
      const k = `${row.keys[0].value}|${row.billingCurrency}|${row.periodStart}`;
      expect(row.billedCost, k).toBe(billed.get(k));
      expect(row.effectiveCost, k).toBe(effective.get(k));
      expect(row.listCost).toBeNull();
      expect(row.rowCount).toBe(rows.filter((r) => key(r) === k).length);
      expect(new Date(row.periodEnd).getUTCDate()).toBe(1);
    }
  });

  it('scopes costSummary to a billing account and to a family', async () => {
    const { billingAccountByAccountId, families } = await data(`{
      billingAccountByAccountId(accountId: "B1") { costSummary(metrics: [BILLED_COST]) { rows { billingCurrency billedCost } } }
      families { edges { node { name costSummary(metrics: [EFFECTIVE_COST, ROW_COUNT]) { rows { effectiveCost rowCount } } } } }
    }`);
    expect(billingAccountByAccountId.costSummary.rows).toEqual([{ billingCurrency: 'EUR', billedCost: expectedTotals(rows, (r) => r.BillingAccountId, 'BilledCost').get('B1') }]);
    const s2 = rows.filter((row) => row.SubAccountId === 'S2');
    expect(families.edges[0].node.costSummary.rows).toEqual([{ effectiveCost: expectedTotals(s2, () => 'all', 'EffectiveCost').get('all'), rowCount: s2.length }]);
  });

  it('groups by family and tag with the explicit untagged bucket', async () => {
    const { costSummary } = await data(`{
      costSummary(filter: { billingAccountId: { eq: "A1" } }, groupBy: ["family", "tag:team"], metrics: [ROW_COUNT], orderBy: [{ by: "rowCount", direction: DESC }]) {
        rows { keys { dimension value untagged name } rowCount }
      }
    }`);
    const total = costSummary.rows.reduce((sum: number, row: { rowCount: number }) => sum + row.rowCount, 0);
    expect(total).toBe(rows.filter((row) => row.BillingAccountId === 'A1').length);
    const family = costSummary.rows.filter((row: { keys: { name: string | null }[] }) => row.keys[0].name === 'Team S2');
    expect(family.reduce((sum: number, row: { rowCount: number }) => sum + row.rowCount, 0)).toBe(rows.filter((row) => row.SubAccountId === 'S2').length);
    const untagged = rows.filter((row) => row.BillingAccountId === 'A1' && !(row.Tags && 'team' in JSON.parse(row.Tags))).length;
    const bucket = costSummary.rows.filter((row: { keys: { untagged: boolean }[] }) => row.keys[1].untagged);
    expect(bucket.reduce((sum: number, row: { rowCount: number }) => sum + row.rowCount, 0)).toBe(untagged);
  });

  it('answers a chargePeriodStart range of whole UTC days from the rollup, one inside a day from the rows, both as the file adds up', async () => {
    const SUMMARY_QUERY = `query ($filter: CostRecordFilter) {
      costSummary(filter: $filter, groupBy: ["serviceName"], metrics: [BILLED_COST, ROW_COUNT]) { answeredFrom rows { keys { value } billingCurrency billedCost rowCount } }
      families { edges { node { costSummary(filter: $filter, metrics: [ROW_COUNT]) { answeredFrom rows { rowCount } } } } }
    }`;
    const cases: [Record<string, string>, 'ROLLUP' | 'ROWS'][] = [
      [{ gte: '2026-03-01T00:00:00Z', lt: '2026-03-02T00:00:00Z' }, 'ROLLUP'],
      [{ gt: '2026-02-28T23:59:59.999Z', lte: '2026-03-01T23:59:59.999Z' }, 'ROLLUP'],
      // Midnight UTC written with an offset is still a whole day.
      [{ gte: '2026-03-01T01:00:00+01:00' }, 'ROLLUP'],
      [{ gte: '2026-03-01T00:30:00Z', lt: '2026-03-02T00:00:00Z' }, 'ROWS'],
      [{ lte: '2026-03-01T00:00:00Z' }, 'ROWS'],
    ];
    for (const [range, answeredFrom] of cases) {
      const holds = (row: Record<string, string>) => {
        const start = Date.parse(row.ChargePeriodStart);
        const bound = (operator: string) => Date.parse(range[operator]);
        return (
          (!range.gte || start >= bound('gte')) && (!range.gt || start > bound('gt')) && (!range.lt || start < bound('lt')) && (!range.lte || start <= bound('lte'))
        );
      };
      const selected = rows.filter(holds);
      expect(selected.length, JSON.stringify(range)).toBeGreaterThan(0);
      const { costSummary, families } = await data(SUMMARY_QUERY, { filter: { billingAccountId: { in: ['A1', 'B1'] }, chargePeriodStart: range } });
      expect(costSummary.answeredFrom, JSON.stringify(range)).toBe(answeredFrom);
      const billed = expectedTotals(selected, (row) => `${row.ServiceName}|${row.BillingCurrency}`, 'BilledCost');
      expect(new Map(costSummary.rows.map((row: { keys: { value: string }[]; billingCurrency: string; billedCost: string }) => [`${row.keys[0].value}|${row.billingCurrency}`, row.billedCost]))).toEqual(billed);
      const family = families.edges[0].node.costSummary;
      expect(family.answeredFrom).toBe(answeredFrom);
      expect(family.rows.reduce((sum: number, row: { rowCount: number }) => sum + row.rowCount, 0)).toBe(selected.filter((row) => row.SubAccountId === 'S2').length);
    }
  });

  it('rejects an unknown dimension, a bad limit and a reversed range with BAD_USER_INPUT', async () => {
    for (const args of ['groupBy: ["colour"]', 'limit: 0', 'filter: { chargePeriodStart: { gte: "2026-03-02T00:00:00Z", lt: "2026-03-01T00:00:00Z" } }']) {
      const result = await gateway.graphql(`{ costSummary(${args}, metrics: [ROW_COUNT]) { totalGroups } }`);
      expect(result.errors?.[0].extensions?.code, args).toBe('BAD_USER_INPUT');
    }
  });

  it('serves the KPIs the analytics service computes, for the rows a filter selects', async () => {
    const { kpis, commitmentDiscounts } = await data(`{
      kpis(filter: { billingCurrency: { eq: "USD" } }) {
        effectiveSavingsRate { billingCurrency listCost effectiveCost savings rate }
        commitmentUtilization { overall { billingCurrency costUtilization wasteShare } commitmentDiscounts { commitmentDiscountId costUtilization } }
        commitmentCoverage { billingCurrency coverage }
        amortizedCostByFamily { familyName effectiveCost share }
        amortizedCostByTag(tagKey: "team") { untaggedShare values { value share } }
        dataFreshness { provider billingAccountId latestChargePeriodEnd lastIngestAt rowCount }
      }
      commitmentDiscounts { commitmentDiscountId }
    }`);
    const expected = effectiveSavingsRate(database.db, { where: { sql: 'cr.billing_currency = ?', params: ['USD'] } });
    expect(kpis.effectiveSavingsRate).toEqual(expected.map((r) => ({ ...r })));
    expect(kpis.commitmentUtilization.commitmentDiscounts.length).toBeGreaterThan(0);
    expect(commitmentDiscounts.map((c: { commitmentDiscountId: string }) => c.commitmentDiscountId)).toEqual(
      kpis.commitmentUtilization.commitmentDiscounts.map((c: { commitmentDiscountId: string }) => c.commitmentDiscountId),
    );
    expect(kpis.amortizedCostByFamily.map((f: { familyName: string | null }) => f.familyName)).toContain('Team S2');
    expect(kpis.dataFreshness.every((f: { rowCount: number }) => f.rowCount > 0)).toBe(true);
  });
});
