/**
 * Families (chargeback and showback groups of accounts): the Family node, its accounts, the root fields and the
 * mutations that edit them. The rules (unique names, an account in at most one family) live in src/families/service.ts.
 */
import type { Family, FamilyMember } from '../generated/prisma/client.ts';
import { costRecordFamilyIdSql } from '../families/rule.ts';
import { ALL_FAMILIES, FAMILY_ORDER } from '../query/accounts.ts';
import { familyIdsHoldingBillingAccounts, familyIdsOfAccountPairs, type AccountPair } from '../families/membership.ts';
import {
  addAccountsToFamily,
  createFamily,
  deleteFamily,
  FamilyConflictError,
  FamilyError,
  FamilyNotFoundError,
  type FamilyWithMembers,
  removeAccountsFromFamily,
  updateFamily,
} from '../families/service.ts';
import { billingAccountById, subAccountById, SubAccountRef } from './billing-accounts.ts';
import { builder } from './builder.ts';
import { requireAdmin, type GraphQLContext } from './context.ts';
import { gatewayError } from './errors.ts';
import { costRecordConnectionField } from './cost-records.ts';
import { loader } from './loaders.ts';
import { decodeNodeId } from './node-ids.ts';
import { BillingAccountRef, FamilyRef } from './refs.ts';
import { pageComplexity, PAGING_RULES, tableConnection } from './table-connections.ts';
import { rowsWithIds } from './loaders.ts';

/** Plain code-unit order, as SQLite's BINARY collation (the connections' ORDER BY) sorts ids and names. */
const compareText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export function familyById(context: GraphQLContext) {
  return loader<string, Family | null>(context, familyById, async (ids) => {
    const found = new Map(rowsWithIds<Family>(context, 'Family', 'id', ids).map((family) => [family.id, family]));
    return ids.map((id) => found.get(id) ?? null);
  });
}

function membersOfFamily(context: GraphQLContext) {
  return loader<string, FamilyMember[]>(context, membersOfFamily, async (familyIds) => {
    const members = rowsWithIds<FamilyMember>(context, 'FamilyMember', 'family_id', familyIds);
    return familyIds.map((id) => members.filter((member) => member.familyId === id).sort((a, b) => compareText(a.accountId, b.accountId)));
  });
}

/** The family a cost row (or sub account) with these account ids belongs to, by the family rule; one query a batch. */
export async function familyOfAccountPair(context: GraphQLContext, pair: AccountPair): Promise<Family | null> {
  const familyIdOfPair = loader<AccountPair, string | null, string>(
    context,
    familyOfAccountPair,
    async (pairs) => familyIdsOfAccountPairs(context.db, pairs),
    { cacheKeyFn: (key) => JSON.stringify([key.subAccountId, key.billingAccountId]) },
  );
  const familyId = await familyIdOfPair.load(pair);
  return familyId === null ? null : familyById(context).load(familyId);
}

export async function familiesHoldingBillingAccount(context: GraphQLContext, billingAccountId: string): Promise<Family[]> {
  const familyIds = await loader<string, string[]>(context, familiesHoldingBillingAccount, async (ids) => {
    const byAccount = familyIdsHoldingBillingAccounts(context.db, ids);
    return ids.map((id) => byAccount.get(id) ?? []);
  }).load(billingAccountId);
  const families = await Promise.all(familyIds.map((id) => familyById(context).load(id)));
  // A family deleted since the membership query is left out.
  return families.filter((family) => family !== null);
}

const AccountKind = builder.enumType('FamilyAccountKind', {
  description: 'What a family\'s account id is known as in the loaded data.',
  values: {
    BILLING_ACCOUNT: { description: 'A billing account id.' },
    SUB_ACCOUNT: { description: 'A sub account id.' },
    BILLING_AND_SUB_ACCOUNT: { description: 'Both (for example an AWS management account, which also runs resources).' },
    NOT_SEEN: { description: 'No loaded cost row names this account yet; rows loaded later will fall in the family.' },
  },
});

const FamilyAccountRef = builder.objectRef<FamilyMember>('FamilyAccount').implement({
  description: 'An account in a family: a billing account id or a sub account id.',
  fields: (t) => ({
    accountId: t.exposeString('accountId', { nullable: false, description: 'The provider\'s account id, as given when it was added.' }),
    kind: t.field({
      nullable: false,
      type: AccountKind,
      description: 'Whether the id is a billing account, a sub account, both, or not seen in the data yet.',
      resolve: async (member, _args, context) => {
        const [billing, sub] = await Promise.all([billingAccountById(context).load(member.accountId), subAccountById(context).load(member.accountId)]);
        if (billing && sub) return 'BILLING_AND_SUB_ACCOUNT' as const;
        if (billing) return 'BILLING_ACCOUNT' as const;
        return sub ? ('SUB_ACCOUNT' as const) : ('NOT_SEEN' as const);
      },
    }),
    name: t.string({
      nullable: true,
      description: 'The account\'s display name from the cost rows (the billing account name when the id is both), when known.',
      resolve: async (member, _args, context) => {
        const [billing, sub] = await Promise.all([billingAccountById(context).load(member.accountId), subAccountById(context).load(member.accountId)]);
        return billing?.name ?? sub?.name ?? null;
      },
    }),
    billingAccount: t.field({
      type: BillingAccountRef,
      nullable: true,
      description: 'The billing account with this id, when there is one.',
      resolve: (member, _args, context) => billingAccountById(context).load(member.accountId),
    }),
    subAccount: t.field({
      type: SubAccountRef,
      nullable: true,
      description: 'The sub account with this id, when there is one.',
      resolve: (member, _args, context) => subAccountById(context).load(member.accountId),
    }),
    addedAt: t.field({ nullable: false, type: 'DateTime', description: 'When the account was added to the family.', resolve: (member) => member.addedAt }),
  }),
});

builder.node(FamilyRef, {
  description:
    'A named group of accounts for chargeback and showback. A cost row belongs to the family holding its sub account, else to the one holding its billing account; an account is in at most one family.',
  id: { resolve: (family) => family.id },
  loadMany: (ids, context) => ids.map((id) => familyById(context).load(id)),
  fields: (t) => ({
    name: t.exposeString('name', { nullable: false, description: 'The family\'s name, unique among families.' }),
    description: t.exposeString('description', { nullable: true, description: 'What the family is for.' }),
    createdAt: t.field({ nullable: false, type: 'DateTime', description: 'When the family was created.', resolve: (family) => family.createdAt }),
    updatedAt: t.field({ nullable: false, type: 'DateTime', description: 'When the family, or the accounts in it, last changed.', resolve: (family) => family.updatedAt }),
    costRecords: costRecordConnectionField(t, {
      description:
        'The cost rows in this family by the family rule (its sub account is in the family, or its sub account is in no family and its billing account is), with the same filter, order and paging as the root costRecords.',
      scope: (family, alias) => ({ sql: `${costRecordFamilyIdSql(alias)} = ?`, params: [family.id] }),
    }),
    accounts: t.field({
      nullable: false,
      type: [FamilyAccountRef],
      description: 'The accounts in the family, by account id.',
      resolve: (family, _args, context) => membersOfFamily(context).load(family.id),
    }),
  }),
});

builder.queryField('families', (t) =>
  t.connection(
    {
      type: FamilyRef,
      nullable: false,
      description: `Families, by name. ${PAGING_RULES}`,
      complexity: pageComplexity,
      resolve: (_root, args, context) => tableConnection(context.db, ALL_FAMILIES, FAMILY_ORDER, args, (ids: string[]) => familyById(context).loadMany(ids)),
    },
    {
      name: 'FamilyConnection',
      // The connection field already multiplies by the page size; the edges list must not multiply again.
      edgesField: { complexity: { field: 1, multiplier: 1 } },
      description: 'A page of families.',
      fields: (tc) => ({ totalCount: tc.int({ nullable: false, description: 'How many families there are (counted only when asked for).', resolve: (connection) => connection.totalCount() }) }),
    },
    { name: 'FamilyEdge', description: 'A family and its cursor.' },
  ),
);

builder.queryField('family', (t) =>
  t.field({
    type: FamilyRef,
    nullable: true,
    description: 'A family by its global id; null when there is none.',
    args: { id: t.arg.id({ required: true, description: 'The global id (Family.id).' }) },
    resolve: (_root, { id }, context) => familyById(context).load(decodeNodeId(String(id), 'Family')),
  }),
);

/** Runs a family service call, turning its errors into GraphQL errors that name the family by the id the client sent. */
async function editFamily<T>(context: GraphQLContext, familyGlobalId: string | null, edit: (familyId: string) => Promise<T>): Promise<T> {
  requireAdmin(context);
  const familyId = familyGlobalId === null ? '' : decodeNodeId(familyGlobalId, 'Family');
  try {
    return await edit(familyId);
  } catch (error) {
    if (error instanceof FamilyNotFoundError) throw gatewayError('NOT_FOUND', `no family with id ${familyGlobalId}`);
    if (error instanceof FamilyConflictError) throw gatewayError('CONFLICT', error.message, { accountId: error.accountId, familyName: error.familyName });
    if (error instanceof FamilyError) throw gatewayError(error.code, error.message);
    throw error;
  }
}

/** The edited family as the rest of the operation sees it: loaders would otherwise serve what they read before. */
function edited(context: GraphQLContext, family: FamilyWithMembers): Family {
  familyById(context).clear(family.id).prime(family.id, family);
  membersOfFamily(context).clear(family.id).prime(family.id, family.members);
  // Membership may have changed, and with it the family of accounts and rows already looked up.
  context.loaders.delete(familyOfAccountPair);
  context.loaders.delete(familiesHoldingBillingAccount);
  return family;
}

const CreateFamilyInput = builder.inputType('CreateFamilyInput', {
  description: 'A new family.',
  fields: (t) => ({
    name: t.string({ required: true, description: 'Unique, not blank; surrounding spaces are trimmed.' }),
    description: t.string({ description: 'What the family is for.' }),
    accountIds: t.stringList({ description: 'Billing or sub account ids to put in the family; none of them may be in another family.' }),
  }),
});

const UpdateFamilyInput = builder.inputType('UpdateFamilyInput', {
  description: 'Changes to a family; a field left out stays as it is.',
  fields: (t) => ({
    id: t.id({ required: true, description: 'The family\'s global id.' }),
    name: t.string({ description: 'A new name: unique, not blank.' }),
    description: t.string({ description: 'A new description; null clears it.' }),
    accountIds: t.stringList({ description: 'The whole new membership (billing or sub account ids): accounts not listed leave the family.' }),
  }),
});

const DeleteFamilyInput = builder.inputType('DeleteFamilyInput', {
  description: 'The family to delete.',
  fields: (t) => ({ id: t.id({ required: true, description: 'The family\'s global id.' }) }),
});

const FamilyAccountsInput = builder.inputType('FamilyAccountsInput', {
  description: 'Accounts to add to or remove from a family.',
  fields: (t) => ({
    familyId: t.id({ required: true, description: 'The family\'s global id.' }),
    accountIds: t.stringList({ required: true, description: 'Billing or sub account ids (the provider\'s ids).' }),
  }),
});

const DeleteFamilyPayload = builder.objectRef<{ globalId: string; name: string; accountIds: string[] }>('DeleteFamilyPayload').implement({
  description: 'The family that was deleted.',
  fields: (t) => ({
    deletedFamilyId: t.exposeID('globalId', { nullable: false, description: 'The global id the family had.' }),
    name: t.exposeString('name', { nullable: false, description: 'The name the family had.' }),
    accountIds: t.exposeStringList('accountIds', { nullable: false, description: 'The accounts it held, now in no family.' }),
  }),
});

builder.mutationFields((t) => ({
  createFamily: t.field({
      nullable: false,
    type: FamilyRef,
    description: 'Creates a family. Errors: BAD_USER_INPUT (blank name), CONFLICT (name taken, or an account already in another family, named in the message).',
    args: { input: t.arg({ type: CreateFamilyInput, required: true, description: 'What to change.' }) },
    resolve: (_root, { input }, context) =>
      editFamily(context, null, async () => edited(context, await createFamily(context.prisma, { name: input.name, description: input.description, accountIds: input.accountIds ?? [] }))),
  }),
  updateFamily: t.field({
      nullable: false,
    type: FamilyRef,
    description:
      'Renames a family, changes its description or replaces its membership. Errors: NOT_FOUND, BAD_USER_INPUT (blank or null name), CONFLICT (name taken, or a listed account in another family).',
    args: { input: t.arg({ type: UpdateFamilyInput, required: true, description: 'What to change.' }) },
    resolve: (_root, { input }, context) => {
      if (input.name === null) throw gatewayError('BAD_USER_INPUT', 'a family name cannot be null; leave name out to keep it');
      if (input.accountIds === null) throw gatewayError('BAD_USER_INPUT', 'accountIds cannot be null; give [] to empty the family, or leave it out');
      const changes = { name: input.name ?? undefined, description: input.description, accountIds: input.accountIds ?? undefined };
      return editFamily(context, String(input.id), async (familyId) => edited(context, await updateFamily(context.prisma, familyId, changes)));
    },
  }),
  deleteFamily: t.field({
      nullable: false,
    type: DeleteFamilyPayload,
    description: 'Deletes a family; its accounts are then in no family. Errors: NOT_FOUND.',
    args: { input: t.arg({ type: DeleteFamilyInput, required: true, description: 'What to change.' }) },
    resolve: (_root, { input }, context) =>
      editFamily(context, String(input.id), async (familyId) => {
        const deleted = await deleteFamily(context.prisma, familyId);
        familyById(context).clear(familyId);
        context.loaders.delete(familyOfAccountPair);
        context.loaders.delete(familiesHoldingBillingAccount);
        return { globalId: String(input.id), name: deleted.name, accountIds: deleted.members.map((member) => member.accountId) };
      }),
  }),
  addAccountsToFamily: t.field({
      nullable: false,
    type: FamilyRef,
    description:
      'Adds accounts to a family (ones it already holds are left as they are). Errors: NOT_FOUND, BAD_USER_INPUT (no or blank ids), CONFLICT (an account is in another family, named in the message; nothing is added).',
    args: { input: t.arg({ type: FamilyAccountsInput, required: true, description: 'What to change.' }) },
    resolve: (_root, { input }, context) => editFamily(context, String(input.familyId), async (familyId) => edited(context, await addAccountsToFamily(context.prisma, familyId, input.accountIds))),
  }),
  removeAccountsFromFamily: t.field({
      nullable: false,
    type: FamilyRef,
    description: 'Removes accounts from a family. Errors: NOT_FOUND, BAD_USER_INPUT (no ids, or an account the family does not hold; nothing is removed).',
    args: { input: t.arg({ type: FamilyAccountsInput, required: true, description: 'What to change.' }) },
    resolve: (_root, { input }, context) => editFamily(context, String(input.familyId), async (familyId) => edited(context, await removeAccountsFromFamily(context.prisma, familyId, input.accountIds))),
  }),
}));
