/**
 * Families: named groups of billing and sub accounts for chargeback and showback. The GraphQL mutations, the demo
 * loader and (later) REST all change families through here, so the rules live in one place: names are unique and
 * not blank, and an account belongs to at most one family.
 */
import { retryWhileBusy } from '../db/busy.ts';
import type { PrismaClient } from '../db/client.ts';
import { inList, modelRows } from '../db/model-rows.ts';
import type { SqliteDatabase } from '../db/sqlite.ts';
import type { Family, FamilyMember } from '../generated/prisma/client.ts';

/** The longest family name and description accepted; longer input is a mistake, not a name. */
export const FAMILY_NAME_MAX_LENGTH = 200;
export const FAMILY_DESCRIPTION_MAX_LENGTH = 2000;
export const ACCOUNT_ID_MAX_LENGTH = 512;
/** Accounts one call may add or remove. */
export const ACCOUNTS_PER_CHANGE_MAX = 500;

/** A family operation the caller can correct; `code` is the GraphQL/REST error code it maps to. */
export abstract class FamilyError extends Error {
  abstract readonly code: 'CONFLICT' | 'NOT_FOUND' | 'BAD_USER_INPUT';
}

/** The account already belongs to another family: an account is in at most one. */
export class FamilyConflictError extends FamilyError {
  readonly code = 'CONFLICT';
  constructor(
    readonly accountId: string,
    readonly familyName: string,
  ) {
    super(`account ${accountId} already belongs to family "${familyName}"`);
  }
}

export class FamilyNameTakenError extends FamilyError {
  readonly code = 'CONFLICT';
  constructor(readonly familyName: string) {
    super(`a family named "${familyName}" already exists`);
  }
}

export class FamilyNotFoundError extends FamilyError {
  readonly code = 'NOT_FOUND';
  constructor(readonly familyId: string) {
    super(`no family with id ${familyId}`);
  }
}

export class FamilyInputError extends FamilyError {
  readonly code = 'BAD_USER_INPUT';
}

export type FamilyWithMembers = Family & { members: FamilyMember[] };

export interface NewFamily {
  name: string;
  description?: string | null;
  accountIds?: readonly string[];
}

export interface FamilyChanges {
  name?: string;
  /** null clears the description. */
  description?: string | null;
  /** The family's whole membership afterwards: accounts not listed leave it. */
  accountIds?: readonly string[];
}

type Transaction = Parameters<Parameters<PrismaClient['$transaction']>[0]>[0];

/** One transaction, tried again while another process (an ingest) holds the write lock (see src/db/busy.ts). */
function inTransaction<T>(prisma: PrismaClient, work: (tx: Transaction) => Promise<T>): Promise<T> {
  return retryWhileBusy(() => prisma.$transaction(work));
}

const MEMBERS = { members: { orderBy: { accountId: 'asc' } } } as const;

function validName(name: string): string {
  const trimmed = name.trim();
  if (trimmed === '') throw new FamilyInputError('a family name cannot be empty');
  if (trimmed.length > FAMILY_NAME_MAX_LENGTH) throw new FamilyInputError(`a family name is at most ${FAMILY_NAME_MAX_LENGTH} characters`);
  return trimmed;
}

function validDescription(description: string | null | undefined): string | null {
  if (description === null || description === undefined) return null;
  if (description.length > FAMILY_DESCRIPTION_MAX_LENGTH) throw new FamilyInputError(`a family description is at most ${FAMILY_DESCRIPTION_MAX_LENGTH} characters`);
  return description;
}

/** Trimmed, distinct account ids; a blank one is an input error rather than an account nobody can have. */
function validAccountIds(accountIds: readonly string[]): string[] {
  if (accountIds.length > ACCOUNTS_PER_CHANGE_MAX) throw new FamilyInputError(`give at most ${ACCOUNTS_PER_CHANGE_MAX} account ids at a time`);
  const ids = new Set<string>();
  for (const raw of accountIds) {
    const id = raw.trim();
    if (id === '') throw new FamilyInputError('an account id cannot be empty');
    if (id.length > ACCOUNT_ID_MAX_LENGTH) throw new FamilyInputError(`an account id is at most ${ACCOUNT_ID_MAX_LENGTH} characters`);
    ids.add(id);
  }
  return [...ids];
}

async function assertNameFree(tx: Transaction, name: string, exceptFamilyId?: string): Promise<void> {
  const holder = await tx.family.findUnique({ where: { name }, select: { id: true } });
  if (holder && holder.id !== exceptFamilyId) throw new FamilyNameTakenError(name);
}

/** Accounts held by a family other than `familyId` make the whole change a conflict naming the first such family. */
async function assertAccountsFree(tx: Transaction, accountIds: string[], familyId?: string): Promise<void> {
  if (accountIds.length === 0) return;
  const taken = await tx.familyMember.findFirst({
    where: { accountId: { in: accountIds }, ...(familyId === undefined ? {} : { familyId: { not: familyId } }) },
    include: { family: { select: { name: true } } },
    orderBy: { accountId: 'asc' },
  });
  if (taken) throw new FamilyConflictError(taken.accountId, taken.family.name);
}

async function existingFamily(tx: Transaction, familyId: string): Promise<Family> {
  const family = await tx.family.findUnique({ where: { id: familyId } });
  if (!family) throw new FamilyNotFoundError(familyId);
  return family;
}

/** Creates a family; an account already in another family is a conflict that names that family. */
export async function createFamily(prisma: PrismaClient, family: NewFamily): Promise<FamilyWithMembers> {
  const name = validName(family.name);
  const description = validDescription(family.description);
  const accountIds = validAccountIds(family.accountIds ?? []);
  return inTransaction(prisma, async (tx) => {
    await assertNameFree(tx, name);
    await assertAccountsFree(tx, accountIds);
    return tx.family.create({ data: { name, description, members: { create: accountIds.map((accountId) => ({ accountId })) } }, include: MEMBERS });
  });
}

/**
 * Renames a family, changes its description or replaces its membership, in one transaction; fields left undefined
 * stay as they are. A listed account held by another family makes the whole change a conflict naming that family.
 */
export async function updateFamily(prisma: PrismaClient, familyId: string, changes: FamilyChanges): Promise<FamilyWithMembers> {
  const name = changes.name === undefined ? undefined : validName(changes.name);
  const description = changes.description === undefined ? undefined : validDescription(changes.description);
  const accountIds = changes.accountIds === undefined ? undefined : validAccountIds(changes.accountIds);
  return inTransaction(prisma, async (tx) => {
    await existingFamily(tx, familyId);
    if (name !== undefined) await assertNameFree(tx, name, familyId);
    if (accountIds !== undefined) {
      await assertAccountsFree(tx, accountIds, familyId);
      await tx.familyMember.deleteMany({ where: { familyId, accountId: { notIn: accountIds } } });
      const present = new Set((await tx.familyMember.findMany({ where: { familyId }, select: { accountId: true } })).map((member) => member.accountId));
      const added = accountIds.filter((id) => !present.has(id));
      if (added.length > 0) await tx.familyMember.createMany({ data: added.map((accountId) => ({ accountId, familyId })) });
    }
    // updatedAt is set even when only the membership changed: the family's rows changed.
    return tx.family.update({ where: { id: familyId }, data: { name, description, updatedAt: new Date() }, include: MEMBERS });
  });
}

/** Deletes a family; its accounts become free to join another. Returns the family as it was. */
export async function deleteFamily(prisma: PrismaClient, familyId: string): Promise<FamilyWithMembers> {
  return inTransaction(prisma, async (tx) => {
    const family = await tx.family.findUnique({ where: { id: familyId }, include: MEMBERS });
    if (!family) throw new FamilyNotFoundError(familyId);
    await tx.family.delete({ where: { id: familyId } });
    return family;
  });
}

/**
 * Adds accounts (billing or sub account ids, seen in the data yet or not) to a family. Accounts already in this family
 * are left as they are; an account in another family makes the whole call a conflict naming that family.
 */
export async function addAccountsToFamily(prisma: PrismaClient, familyId: string, accountIds: readonly string[]): Promise<FamilyWithMembers> {
  const ids = validAccountIds(accountIds);
  if (ids.length === 0) throw new FamilyInputError('give at least one account id to add');
  return inTransaction(prisma, async (tx) => {
    await existingFamily(tx, familyId);
    await assertAccountsFree(tx, ids, familyId);
    const present = new Set((await tx.familyMember.findMany({ where: { familyId, accountId: { in: ids } }, select: { accountId: true } })).map((m) => m.accountId));
    const added = ids.filter((id) => !present.has(id));
    if (added.length > 0) await tx.familyMember.createMany({ data: added.map((accountId) => ({ accountId, familyId })) });
    // updatedAt tracks membership changes too: the family's rows changed.
    return tx.family.update({ where: { id: familyId }, data: { updatedAt: new Date() }, include: MEMBERS });
  });
}

/** Removes accounts from a family; naming an account the family does not hold is an input error (likely a typo). */
export async function removeAccountsFromFamily(prisma: PrismaClient, familyId: string, accountIds: readonly string[]): Promise<FamilyWithMembers> {
  const ids = validAccountIds(accountIds);
  if (ids.length === 0) throw new FamilyInputError('give at least one account id to remove');
  return inTransaction(prisma, async (tx) => {
    const family = await existingFamily(tx, familyId);
    const held = new Set((await tx.familyMember.findMany({ where: { familyId, accountId: { in: ids } }, select: { accountId: true } })).map((m) => m.accountId));
    const missing = ids.find((id) => !held.has(id));
    if (missing !== undefined) throw new FamilyInputError(`account ${missing} is not in family "${family.name}"`);
    await tx.familyMember.deleteMany({ where: { familyId, accountId: { in: ids } } });
    return tx.family.update({ where: { id: familyId }, data: { updatedAt: new Date() }, include: MEMBERS });
  });
}

/**
 * Families with their members, by name; only those in `familyIds` when given. Read through `db`, so a scoped key's
 * connection shows only the families in its scope (src/auth/scope.ts).
 */
export function familiesWithMembers(db: SqliteDatabase, familyIds?: readonly string[]): FamilyWithMembers[] {
  const selected = familyIds === undefined ? { sql: '1', params: [] as unknown[] } : inList('id', familyIds);
  const families = modelRows<Family>(db, 'Family', selected.sql, selected.params, 'name');
  const ids = inList('family_id', families.map((family) => family.id));
  const members = modelRows<FamilyMember>(db, 'FamilyMember', ids.sql, ids.params, 'account_id');
  return families.map((family) => ({ ...family, members: members.filter((member) => member.familyId === family.id) }));
}
