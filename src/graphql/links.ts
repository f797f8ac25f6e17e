/**
 * A cost row's links to the other types: its billing account, its family (by the family rule) and the contract
 * commitments it drew down. Each goes through a per-operation DataLoader, so a page of rows costs one or two queries
 * per link, whatever its size.
 */
import { billingAccountById } from './billing-accounts.ts';
import { builder } from './builder.ts';
import { commitmentByContractCommitmentId } from './commitments.ts';
import type { GraphQLContext } from './context.ts';
import { familyOfAccountPair } from './families.ts';
import { loader } from './loaders.ts';
import { BillingAccountRef, CommitmentRef, CostRecordRef, FamilyRef } from './refs.ts';
import { rowsWithIds } from './loaders.ts';
import type { ContractApplication } from '../generated/prisma/client.ts';

/** The ContractCommitmentIds each cost row applied, in ContractApplied order. */
function appliedCommitmentIds(context: GraphQLContext) {
  return loader<number, string[]>(context, appliedCommitmentIds, async (costRecordIds) => {
    const applications = rowsWithIds<ContractApplication>(context, 'ContractApplication', 'cost_record_id', costRecordIds);
    applications.sort((a, b) => a.id - b.id);
    return costRecordIds.map((id) => [...new Set(applications.filter((a) => a.costRecordId === id).map((a) => a.contractCommitmentId))]);
  });
}

const text = (value: unknown) => (value === null || value === undefined ? null : String(value));

builder.objectFields(CostRecordRef, (t) => ({
  billingAccount: t.field({
    type: BillingAccountRef,
    nullable: true,
    description: 'The billing account the row is invoiced to (BillingAccountId).',
    resolve: (row, _args, context) => {
      const id = text(row.billing_account_id);
      return id === null ? null : billingAccountById(context).load(id);
    },
  }),
  family: t.field({
    type: FamilyRef,
    nullable: true,
    description: 'The family the row belongs to: the family holding its sub account, else the one holding its billing account; null when neither is in a family.',
    resolve: (row, _args, context) => familyOfAccountPair(context, { subAccountId: text(row.sub_account_id), billingAccountId: text(row.billing_account_id) }),
  }),
  commitments: t.field({
    nullable: false,
    type: [CommitmentRef],
    description: 'The contract commitments the row drew down (named in its ContractApplied), as far as a Contract Commitment file has loaded them.',
    resolve: async (row, _args, context) => {
      const ids = await appliedCommitmentIds(context).load(row.id);
      const commitments = await Promise.all(ids.map((id) => commitmentByContractCommitmentId(context).load(id)));
      // ContractApplied may name commitments no Contract Commitment file has loaded (yet).
      return commitments.filter((commitment) => commitment !== null);
    },
  }),
}));
