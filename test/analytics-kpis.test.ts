import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  amortizedCostByFamily,
  amortizedCostByTag,
  commitmentCoverage,
  commitmentUtilization,
  dataFreshness,
  effectiveSavingsRate,
} from '../src/analytics/kpis.ts';
import { createPrismaClient, type PrismaClient } from '../src/db/client.ts';
import { createFamily } from '../src/families/service.ts';
import { fileSource, ingest } from '../src/ingest/service.ts';
import { QueryInputError } from '../src/query/keyset.ts';
import { FIXTURES, tempDatabase } from './helpers.ts';

// The expected figures are worked out by hand from the rows of test/fixtures/analytics/kpis.csv (see each test).
const KPI_FIXTURE = path.join(FIXTURES, 'analytics/kpis.csv');
const LATER_FIXTURE = path.join(FIXTURES, 'analytics/kpis-later.csv');

let database: Awaited<ReturnType<typeof tempDatabase>>;
let prisma: PrismaClient;
let loadedAt: { before: number; after: number };

beforeAll(async () => {
  database = await tempDatabase();
  prisma = createPrismaClient(database.url);
  const before = Date.now();
  await ingest(database.db, fileSource(KPI_FIXTURE));
  loadedAt = { before, after: Date.now() };
  await createFamily(prisma, { name: 'Compute', accountIds: ['SA-1'] });
  await createFamily(prisma, { name: 'Europe', accountIds: ['B'] });
});
afterAll(async () => {
  await prisma.$disconnect();
  database.close();
});

const accountA = { sql: 'cr.billing_account_id = ?', params: ['A'] };

describe('effective savings rate', () => {
  it('compares the list cost of the usage that ran with its effective cost plus unused commitments', () => {
    // USD list: rows 1, 2, 4, 8, 9, 10 = 10 + 20 + 5 + 8 + 30 + 6 = 79 (the unused row's list price is not a saving).
    // USD effective: the same rows 10 + 12 + 5 + 2 + 24 + 6 = 59, plus the unused commitment 6 = 65.
    // Purchase, tax and credit rows are left out.
    expect(effectiveSavingsRate(database.db)).toEqual([
      { billingCurrency: 'EUR', listCost: '100', effectiveCost: '90', savings: '10', rate: 0.1 },
      { billingCurrency: 'USD', listCost: '79', effectiveCost: '65', savings: '14', rate: 14 / 79 },
    ]);
    expect(effectiveSavingsRate(database.db, { where: accountA }).map((row) => row.billingCurrency)).toEqual(['USD']);
  });
});

describe('commitment utilization', () => {
  it('reports used and unused commitment per commitment discount and overall', () => {
    const { commitments, overall } = commitmentUtilization(database.db);
    expect(commitments).toEqual([
      {
        commitmentDiscountId: 'CD-1',
        commitmentDiscountName: 'RI one',
        commitmentDiscountCategory: 'Usage',
        commitmentDiscountUnit: 'Hours',
        billingCurrency: 'USD',
        usedQuantity: '2',
        unusedQuantity: '1',
        quantityUtilization: 2 / 3,
        usedCost: '12',
        unusedCost: '6',
        costUtilization: 12 / 18,
      },
      {
        commitmentDiscountId: 'CD-2',
        commitmentDiscountName: 'Savings plan',
        commitmentDiscountCategory: 'Spend',
        commitmentDiscountUnit: 'USD',
        billingCurrency: 'USD',
        usedQuantity: '24',
        unusedQuantity: null,
        quantityUtilization: 1,
        usedCost: '24',
        unusedCost: '0',
        costUtilization: 1,
      },
    ]);
    expect(overall).toEqual([{ billingCurrency: 'USD', usedCost: '36', unusedCost: '6', costUtilization: 36 / 42, wasteShare: 6 / 42 }]);
  });
});

describe('commitment coverage', () => {
  it('divides covered usage cost by the eligible usage cost of the services commitments cover', () => {
    // Covered: rows 2 (12) and 9 (24). On demand in EC2 and RDS: rows 1 (10) and 10 (6). Not eligible: the spot row 8,
    // the unused row 3, S3 (no commitment covers it), purchases, taxes and credits. The EUR Virtual Machines service
    // is covered nowhere, so it has no eligible usage.
    expect(commitmentCoverage(database.db)).toEqual([{ billingCurrency: 'USD', coveredCost: '36', onDemandCost: '16', eligibleCost: '52', coverage: 36 / 52 }]);
    expect(commitmentCoverage(database.db, { where: { sql: 'cr.billing_account_id = ?', params: ['B'] } })).toEqual([]);
  });
});

describe('amortized cost by family and by tag', () => {
  it('sums EffectiveCost per family with each family share of its currency', () => {
    // Compute (SA-1): rows 1, 2, 3, 5, 6, 7, 8 = 10 + 12 + 6 + 0 + 3 - 2 + 2 = 31; no family (SA-2): 5 + 24 + 6 = 35.
    const families = amortizedCostByFamily(database.db).map(({ familyId, ...rest }) => ({ ...rest, hasId: familyId !== null }));
    expect(families).toEqual([
      { familyName: 'Europe', billingCurrency: 'EUR', effectiveCost: '90', share: 1, hasId: true },
      { familyName: null, billingCurrency: 'USD', effectiveCost: '35', share: 35 / 66, hasId: false },
      { familyName: 'Compute', billingCurrency: 'USD', effectiveCost: '31', share: 31 / 66, hasId: true },
    ]);
  });

  it('sums EffectiveCost per tag value with the untagged share', () => {
    // USD team=web: rows 1, 2, 7, 8 = 22; team=data: rows 4, 9, 10 = 35; untagged: rows 3 ({}), 5 and 6 (no tags) = 9.
    expect(amortizedCostByTag(database.db, { tagKey: 'team' })).toEqual([
      { tagKey: 'team', billingCurrency: 'EUR', effectiveCost: '90', untaggedCost: '0', untaggedShare: 0, values: [{ value: 'web', effectiveCost: '90', share: 1 }] },
      {
        tagKey: 'team',
        billingCurrency: 'USD',
        effectiveCost: '66',
        untaggedCost: '9',
        untaggedShare: 9 / 66,
        values: [
          { value: 'data', effectiveCost: '35', share: 35 / 66 },
          { value: 'web', effectiveCost: '22', share: 22 / 66 },
        ],
      },
    ]);
    expect(() => amortizedCostByTag(database.db, { tagKey: '' })).toThrow(QueryInputError);
  });
});

describe('data freshness', () => {
  it('gives the latest charge and the latest load per provider and billing account', async () => {
    const first = dataFreshness(database.db);
    expect(first.map(({ latestIngestAt, ...rest }) => rest)).toEqual([
      { provider: 'AWS', billingAccountId: 'A', latestChargePeriodEnd: new Date('2026-04-01T00:00:00Z'), rowCount: 10 },
      { provider: 'Microsoft', billingAccountId: 'B', latestChargePeriodEnd: new Date('2026-03-05T01:00:00Z'), rowCount: 1 },
    ]);
    for (const row of first) {
      expect(row.latestIngestAt.getTime()).toBeGreaterThanOrEqual(loadedAt.before);
      expect(row.latestIngestAt.getTime()).toBeLessThanOrEqual(loadedAt.after);
    }

    const beforeLater = Date.now();
    await ingest(database.db, fileSource(LATER_FIXTURE));
    const [, accountB] = dataFreshness(database.db);
    expect(accountB).toMatchObject({ billingAccountId: 'B', latestChargePeriodEnd: new Date('2026-04-02T01:00:00Z'), rowCount: 2 });
    expect(accountB.latestIngestAt.getTime()).toBeGreaterThanOrEqual(beforeLater);
    expect(dataFreshness(database.db, { where: accountA }).map((row) => row.billingAccountId)).toEqual(['A']);
  });
});
