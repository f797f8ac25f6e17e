/**
 * Billing accounts and their sub accounts, as the ingest saw them in the data (names from the newest rows), with the
 * state of each billing account's data-source registration.
 */
import type { BillingAccount, SubAccount } from '../generated/prisma/client.ts';
import { BILLING_ACCOUNT_ORDER, billingAccountSelection } from '../query/accounts.ts';
import { builder } from './builder.ts';
import { commitmentsOfBillingAccount } from './commitments.ts';
import type { GraphQLContext } from './context.ts';
import { familiesHoldingBillingAccount, familyOfAccountPair } from './families.ts';
import { costRecordConnectionField } from './cost-records.ts';
import { loader } from './loaders.ts';
import { decodeNodeId } from './node-ids.ts';
import { BillingAccountRef, CommitmentRef, FamilyRef } from './refs.ts';
import { pageComplexity, PAGING_RULES, tableConnection } from './table-connections.ts';
import { rowsWithIds } from './loaders.ts';

/** Plain code-unit order, as SQLite's BINARY collation (the connections' ORDER BY) sorts ids and names. */
const compareText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

const byId = <T extends { id: K }, K>(ids: readonly K[], rows: T[]): (T | null)[] => {
  const found = new Map(rows.map((row) => [row.id, row]));
  return ids.map((id) => found.get(id) ?? null);
};

export function billingAccountById(context: GraphQLContext) {
  return loader<string, BillingAccount | null>(context, billingAccountById, async (ids) =>
    byId(ids, rowsWithIds<BillingAccount>(context, 'BillingAccount', 'id', ids)),
  );
}

export function subAccountById(context: GraphQLContext) {
  return loader<string, SubAccount | null>(context, subAccountById, async (ids) => byId(ids, rowsWithIds<SubAccount>(context, 'SubAccount', 'id', ids)));
}

function subAccountsOfBillingAccount(context: GraphQLContext) {
  return loader<string, SubAccount[]>(context, subAccountsOfBillingAccount, async (billingAccountIds) => {
    const rows = rowsWithIds<SubAccount>(context, 'SubAccount', 'billing_account_id', billingAccountIds);
    return billingAccountIds.map((id) => rows.filter((row) => row.billingAccountId === id).sort((a, b) => compareText(a.id, b.id)));
  });
}

const SetupStatus = builder.enumType('DataSourceSetupStatus', {
  description: 'Where the registration of a billing account\'s data source stands.',
  values: {
    NOT_CONFIGURED: { description: 'No data source is registered for the account; its data was loaded from files.' },
    CONFIGURED: { description: 'A data source is registered but has not been checked yet.' },
    VALIDATED: { description: 'The registered data source was reached and its exports read.' },
    FAILED: { description: 'The last check of the registered data source failed.' },
  },
});

export const SubAccountRef = builder.objectRef<SubAccount>('SubAccount');

builder.node(SubAccountRef, {
  description:
    'A sub account (AWS account, Azure subscription, Google Cloud project) seen in the cost data. It is attributed to one billing account: the one its most recently loaded row names.',
  id: { resolve: (subAccount) => subAccount.id },
  loadMany: (ids, context) => ids.map((id) => subAccountById(context).load(id)),
  fields: (t) => ({
    accountId: t.exposeString('id', { nullable: false, description: 'The provider\'s id of the sub account (SubAccountId in the cost rows).' }),
    name: t.exposeString('name', { nullable: true, description: 'Display name from the newest cost rows (SubAccountName).' }),
    type: t.exposeString('type', { nullable: true, description: 'Provider label for the kind of sub account (SubAccountType).' }),
    billingAccount: t.field({
      type: BillingAccountRef,
      nullable: true,
      description: 'The billing account the sub account is attributed to: the one its most recently loaded row names.',
      resolve: (subAccount, _args, context) => (subAccount.billingAccountId === null ? null : billingAccountById(context).load(subAccount.billingAccountId)),
    }),
    family: t.field({
      type: FamilyRef,
      nullable: true,
      description:
        'The family its cost rows under its billing account belong to: the family holding the sub account, else the one holding that billing account (the family rule).',
      resolve: (subAccount, _args, context) => familyOfAccountPair(context, { subAccountId: subAccount.id, billingAccountId: subAccount.billingAccountId }),
    }),
  }),
});

builder.node(BillingAccountRef, {
  description: 'A billing account (the account that receives the invoice) seen in the cost data or registered by a Billing Engine setup.',
  id: { resolve: (account) => account.id },
  loadMany: (ids, context) => ids.map((id) => billingAccountById(context).load(id)),
  fields: (t) => ({
    accountId: t.exposeString('id', { nullable: false, description: 'The provider\'s id of the billing account (BillingAccountId in the cost rows).' }),
    name: t.exposeString('name', { nullable: true, description: 'Display name from the newest cost rows (BillingAccountName).' }),
    type: t.exposeString('type', { nullable: true, description: 'Provider label for the kind of billing account (BillingAccountType).' }),
    provider: t.exposeString('provider', { nullable: true, description: 'The provider that invoices the account (ServiceProviderName of its newest rows).' }),
    setupStatus: t.field({
      nullable: false,
      type: SetupStatus,
      description: 'Where the registration of the account\'s data source stands.',
      resolve: (account) => account.setupStatus as 'NOT_CONFIGURED' | 'CONFIGURED' | 'VALIDATED' | 'FAILED',
    }),
    dataSource: t.exposeString('dataSource', { nullable: true, description: 'The registered data source (for example an export location), if any.' }),
    cloudProvider: t.exposeString('cloudProvider', { nullable: true, description: 'The cloud provider the setup named (aws, azure, gcp, oci), if set up.' }),
    costIntelligenceStatus: t.field({
      nullable: false,
      type: SetupStatus,
      description: 'Where the account\'s Cost Intelligence setup stands (it needs Billing Engine set up first).',
      resolve: (account) => account.costIntelligenceStatus as 'NOT_CONFIGURED' | 'CONFIGURED' | 'VALIDATED' | 'FAILED',
    }),
    setupUpdatedAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'When the registration state last changed.',
      resolve: (account) => account.setupUpdatedAt,
    }),
    firstSeenAt: t.field({ nullable: false, type: 'DateTime', description: 'When a loaded file first held a row of this account.', resolve: (account) => account.firstSeenAt }),
    subAccounts: t.field({
      nullable: false,
      type: [SubAccountRef],
      description: 'The sub accounts attributed to this account (each sub account to the billing account its most recently loaded row names), by id.',
      resolve: (account, _args, context) => subAccountsOfBillingAccount(context).load(account.id),
    }),
    commitments: t.field({
      nullable: false,
      type: [CommitmentRef],
      description: 'The contract commitments of this account, by ContractCommitmentPeriodStart.',
      resolve: (account, _args, context) => commitmentsOfBillingAccount(context, account.id),
    }),
    costRecords: costRecordConnectionField(t, {
      description: 'The cost rows invoiced to this account (BillingAccountId), with the same filter, order and paging as the root costRecords.',
      scope: (account, alias) => ({ sql: `${alias}.billing_account_id = ?`, params: [account.id] }),
    }),
    families: t.field({
      nullable: false,
      type: [FamilyRef],
      description: 'The families holding this account or any sub account attributed to it, by name.',
      resolve: (account, _args, context) => familiesHoldingBillingAccount(context, account.id),
    }),
  }),
});

builder.queryFields((t) => ({
  billingAccounts: t.connection(
    {
      type: BillingAccountRef,
      nullable: false,
      description: `Billing accounts, by the provider's id. ${PAGING_RULES}`,
      args: { provider: t.arg.string({ description: 'Only accounts of this provider (ServiceProviderName, such as AWS).' }) },
      complexity: pageComplexity,
      resolve: (_root, args, context) =>
        tableConnection(context.db, billingAccountSelection(args.provider), BILLING_ACCOUNT_ORDER, args, (ids: string[]) => billingAccountById(context).loadMany(ids)),
    },
    {
      name: 'BillingAccountConnection',
      // The connection field already multiplies by the page size; the edges list must not multiply again.
      edgesField: { complexity: { field: 1, multiplier: 1 } },
      description: 'A page of billing accounts.',
      fields: (tc) => ({ totalCount: tc.int({ nullable: false, description: 'How many accounts match (counted only when asked for).', resolve: (connection) => connection.totalCount() }) }),
    },
    { name: 'BillingAccountEdge', description: 'A billing account and its cursor.' },
  ),
  billingAccount: t.field({
    type: BillingAccountRef,
    nullable: true,
    description: 'A billing account by its global id; null when there is none. See billingAccountByAccountId for the provider\'s id.',
    args: { id: t.arg.id({ required: true, description: 'The global id (BillingAccount.id).' }) },
    resolve: (_root, { id }, context) => billingAccountById(context).load(decodeNodeId(String(id), 'BillingAccount')),
  }),
  billingAccountByAccountId: t.field({
    type: BillingAccountRef,
    nullable: true,
    description: 'A billing account by the provider\'s id (BillingAccountId in the cost rows); null when there is none.',
    args: { accountId: t.arg.string({ required: true, description: 'The provider\'s billing account id.' }) },
    resolve: (_root, { accountId }, context) => billingAccountById(context).load(accountId),
  }),
}));
