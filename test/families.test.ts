import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createPrismaClient, type PrismaClient } from '../src/db/client.ts';
import { costRecordFamilyIdSql } from '../src/families/rule.ts';
import { createFamily, FamilyConflictError } from '../src/families/service.ts';
import { fileSource, ingest } from '../src/ingest/service.ts';
import { MULTI_PROVIDER_SAMPLE, tempDatabase } from './helpers.ts';

let database: Awaited<ReturnType<typeof tempDatabase>>;
let prisma: PrismaClient;
beforeEach(async () => {
  database = await tempDatabase();
  prisma = createPrismaClient(database.url);
  await ingest(database.db, fileSource(MULTI_PROVIDER_SAMPLE));
});
afterEach(async () => {
  await prisma.$disconnect();
  database.close();
});

const familyByAccount = () =>
  Object.fromEntries(
    (
      database.db
        .prepare(`SELECT cr.billing_account_id || '/' || cr.sub_account_id AS accounts, f.name AS family FROM cost_records cr LEFT JOIN families f ON f.id = ${costRecordFamilyIdSql('cr')} GROUP BY 1`)
        .all() as { accounts: string; family: string | null }[]
    ).map((row) => [row.accounts, row.family]),
  );

describe('the family rule', () => {
  it('puts a row in its sub account family first, its billing account family second, else none', async () => {
    await createFamily(prisma, { name: 'Web', accountIds: ['sub-1'] });
    await createFamily(prisma, { name: 'Billing two and one', accountIds: ['BA-2', 'BA-1'] });
    expect(familyByAccount()).toEqual({
      'BA-1/sub-1': 'Web',
      'BA-2/sub-2': 'Billing two and one',
      'BA-3/sub-3': null,
    });
  });

  it('keeps an account in at most one family and names the family holding it', async () => {
    await createFamily(prisma, { name: 'Web', description: 'front ends', accountIds: ['sub-1'] });
    const error = await createFamily(prisma, { name: 'Other', accountIds: ['sub-3', 'sub-1'] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FamilyConflictError);
    expect((error as FamilyConflictError).message).toBe('account sub-1 already belongs to family "Web"');
    expect(await prisma.family.count()).toBe(1);
  });
});
