/** Families: named groups of billing and sub accounts for chargeback and showback. */
import type { PrismaClient } from '../db/client.ts';

export class FamilyConflictError extends Error {
  readonly code = 'CONFLICT';
  constructor(
    readonly accountId: string,
    readonly familyName: string,
  ) {
    super(`account ${accountId} already belongs to family "${familyName}"`);
  }
}

export interface NewFamily {
  name: string;
  description?: string | null;
  accountIds: string[];
}

/** Creates a family; an account already in another family is a conflict that names that family. */
export async function createFamily(prisma: PrismaClient, family: NewFamily) {
  return prisma.$transaction(async (tx) => {
    const taken = await tx.familyMember.findFirst({ where: { accountId: { in: family.accountIds } }, include: { family: true } });
    if (taken) throw new FamilyConflictError(taken.accountId, taken.family.name);
    return tx.family.create({
      data: { name: family.name, description: family.description ?? null, members: { create: [...new Set(family.accountIds)].map((accountId) => ({ accountId })) } },
      include: { members: true },
    });
  });
}
