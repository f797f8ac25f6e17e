/**
 * Contract commitments (the FOCUS 1.3 Contract Commitment dataset): every catalog column as a field, the billing
 * account, and how far each commitment has been drawn down by the cost rows that applied it (ContractApplied).
 */
import type { Commitment } from '../generated/prisma/client.ts';
import { CONTRACT_COMMITMENT_COLUMNS, type FocusColumn } from '../focus/columns.ts';
import {
  COMMITMENT_SORT_COLUMNS,
  commitmentOrder,
  commitmentSelection,
  DEFAULT_COMMITMENT_SORT,
  appliedSums,
  remaining,
  utilization,
  utilizationBasis,
  type AppliedMeasure,
} from '../query/commitments.ts';
import { billingAccountById } from './billing-accounts.ts';
import { builder } from './builder.ts';
import type { GraphQLContext } from './context.ts';
import { costRecordConnectionField, OrderDirection } from './cost-records.ts';
import { loader } from './loaders.ts';
import { parseRowNumber } from './node-ids.ts';
import { BillingAccountRef, CommitmentRef } from './refs.ts';
import { pageComplexity, PAGING_RULES, reportingInputErrors, tableConnection } from './table-connections.ts';
import { rowsWithIds } from './loaders.ts';

/** Prisma's Decimal (or null) as exact decimal text. */
const decimalText = (value: { toFixed(): string } | null): string | null => (value === null ? null : value.toFixed());

export function commitmentById(context: GraphQLContext) {
  return loader<number, Commitment | null>(context, commitmentById, async (ids) => {
    const found = new Map(rowsWithIds<Commitment>(context, 'Commitment', 'id', ids).map((row) => [row.id, row]));
    return ids.map((id) => found.get(id) ?? null);
  });
}

/** Commitments by ContractCommitmentId (the key cost rows refer to them by). */
export function commitmentByContractCommitmentId(context: GraphQLContext) {
  return loader<string, Commitment | null>(context, commitmentByContractCommitmentId, async (ids) => {
    const found = new Map(rowsWithIds<Commitment>(context, 'Commitment', 'contract_commitment_id', ids).map((row) => [row.contractCommitmentId, row]));
    return ids.map((id) => found.get(id) ?? null);
  });
}

export function commitmentsOfBillingAccount(context: GraphQLContext, billingAccountId: string): Promise<Commitment[]> {
  return loader<string, Commitment[]>(context, commitmentsOfBillingAccount, async (accountIds) => {
    const rows = rowsWithIds<Commitment>(context, 'Commitment', 'billing_account_id', accountIds);
    rows.sort((a, b) => a.contractCommitmentPeriodStart.getTime() - b.contractCommitmentPeriodStart.getTime() || a.id - b.id);
    return accountIds.map((id) => rows.filter((row) => row.billingAccountId === id));
  }).load(billingAccountId);
}

const APPLIED_LOADER_KEYS: Record<AppliedMeasure, symbol> = { cost: Symbol('applied cost'), quantity: Symbol('applied quantity') };

/** The exact sum of the measure over the rows that applied the commitment; one query per measure a batch. */
function applied(context: GraphQLContext, commitment: Commitment, measure: AppliedMeasure): Promise<string> {
  return loader<string, string>(context, APPLIED_LOADER_KEYS[measure], async (ids) => appliedSums(context.db, ids, measure)).load(commitment.contractCommitmentId);
}

const termsOf = (commitment: Commitment) => ({
  category: commitment.contractCommitmentCategory,
  cost: decimalText(commitment.contractCommitmentCost),
  quantity: decimalText(commitment.contractCommitmentQuantity),
});

const UtilizationBasis = builder.enumType('CommitmentUtilizationBasis', {
  description: 'What a commitment\'s utilization is measured in.',
  values: {
    COST: { description: 'Money: applied cost over ContractCommitmentCost.' },
    QUANTITY: { description: 'The commitment\'s unit: applied quantity over ContractCommitmentQuantity.' },
  },
});

builder.node(CommitmentRef, {
  description:
    'A FOCUS 1.3 Contract Commitment: an amount of spend or usage committed to under a contract, drawn down by the cost rows whose ContractApplied names it.',
  id: { resolve: (commitment) => commitment.id, parse: (id) => parseRowNumber(id, 'Commitment') },
  loadMany: (ids, context) => ids.map((id) => commitmentById(context).load(id)),
  fields: (t) => {
    const value = (commitment: Commitment, column: FocusColumn) => (commitment as unknown as Record<string, unknown>)[column.field];
    // A column the gateway requires of every row is non-null; any other may be absent from a file.
    const columnField = (column: FocusColumn) => {
      const options = { description: column.description, nullable: !column.essential as false };
      switch (column.type) {
        case 'decimal':
          return t.float({ ...options, resolve: (commitment) => (value(commitment, column) as { toNumber(): number } | null)?.toNumber() as number });
        case 'datetime':
          return t.field({ ...options, type: 'DateTime', resolve: (commitment) => value(commitment, column) as Date });
        default:
          return t.string({ ...options, resolve: (commitment) => value(commitment, column) as string });
      }
    };
    return {
      ...Object.fromEntries(CONTRACT_COMMITMENT_COLUMNS.map((column) => [column.field, columnField(column)])),
      billingAccountId: t.exposeString('billingAccountId', {
        nullable: true,
        description: 'The provider\'s id of the billing account the commitment belongs to: given at ingest, or that of the cost rows that applied it.',
      }),
      billingAccount: t.field({
        type: BillingAccountRef,
        nullable: true,
        description: 'The billing account the commitment belongs to.',
        resolve: (commitment, _args, context) => (commitment.billingAccountId === null ? null : billingAccountById(context).load(commitment.billingAccountId)),
      }),
      costRecords: costRecordConnectionField(t, {
        description:
          'The cost rows that applied this commitment (their ContractApplied names its ContractCommitmentId), with the same filter, order and paging as the root costRecords.',
        scope: (commitment, alias) => ({
          sql: `${alias}.id IN (SELECT cost_record_id FROM contract_applications WHERE contract_commitment_id = ?)`,
          params: [commitment.contractCommitmentId],
        }),
      }),
      appliedCost: t.field({
      nullable: false,
        type: 'Decimal',
        description: 'Exact sum of ContractCommitmentAppliedCost over the cost rows that applied this commitment; 0 when none did.',
        resolve: (commitment, _args, context) => applied(context, commitment, 'cost'),
      }),
      appliedQuantity: t.field({
      nullable: false,
        type: 'Decimal',
        description: 'Exact sum of ContractCommitmentAppliedQuantity (in ContractCommitmentUnit) over the cost rows that applied this commitment; 0 when none did.',
        resolve: (commitment, _args, context) => applied(context, commitment, 'quantity'),
      }),
      remainingCost: t.field({
        type: 'Decimal',
        nullable: true,
        description: 'ContractCommitmentCost minus appliedCost, exactly; negative when overdrawn; null when the commitment has no cost.',
        resolve: async (commitment, _args, context) => remaining(termsOf(commitment).cost, await applied(context, commitment, 'cost')),
      }),
      remainingQuantity: t.field({
        type: 'Decimal',
        nullable: true,
        description: 'ContractCommitmentQuantity minus appliedQuantity, exactly; negative when overdrawn; null when the commitment has no quantity.',
        resolve: async (commitment, _args, context) => remaining(termsOf(commitment).quantity, await applied(context, commitment, 'quantity')),
      }),
      utilization: t.float({
        nullable: true,
        description:
          'How much of the commitment is used, as a fraction (1 = fully drawn down, above 1 = overdrawn). A Usage commitment with a ContractCommitmentQuantity: appliedQuantity / ContractCommitmentQuantity. Otherwise: appliedCost / ContractCommitmentCost. Null when the amount it would divide by is missing or zero. See utilizationBasis.',
        resolve: async (commitment, _args, context) => {
          const basis = utilizationBasis(termsOf(commitment));
          return basis === null ? null : utilization(await applied(context, commitment, basis.measure), basis.committed).toNumber();
        },
      }),
      utilizationBasis: t.field({
        type: UtilizationBasis,
        nullable: true,
        description: 'Whether utilization is measured in cost or in quantity; null when utilization is.',
        resolve: (commitment) => utilizationBasis(termsOf(commitment))?.basis ?? null,
      }),
    };
  },
});

const upperSnake = (name: string) => name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();

const CommitmentOrderField = builder.enumType('CommitmentOrderField', {
  description: 'Contract Commitment columns that commitments can be ordered by.',
  values: Object.fromEntries(COMMITMENT_SORT_COLUMNS.map((column) => [upperSnake(column.name), { value: column.name, description: `Order by ${column.name}.` }])),
});

const CommitmentOrder = builder.inputType('CommitmentOrder', {
  description: 'One sort key of commitments.',
  fields: (t) => ({
    field: t.field({ type: CommitmentOrderField, required: true, description: 'The column to order by.' }),
    direction: t.field({ type: OrderDirection, defaultValue: 'ASC', description: 'ASC (the default) or DESC.' }),
  }),
});

const PeriodInput = builder.inputType('CommitmentPeriodOverlap', {
  description: 'A time span [start, end).',
  fields: (t) => ({
    start: t.field({ type: 'DateTime', required: true, description: 'Inclusive start.' }),
    end: t.field({ type: 'DateTime', required: true, description: 'Exclusive end; after start.' }),
  }),
});

const CommitmentFilter = builder.inputType('CommitmentFilter', {
  description: 'Conditions on commitments; all given conditions must hold, and a list matches any of its values.',
  fields: (t) => ({
    contractId: t.stringList({ description: 'ContractId is one of these.' }),
    contractCommitmentId: t.stringList({ description: 'ContractCommitmentId is one of these.' }),
    contractCommitmentType: t.stringList({ description: 'ContractCommitmentType is one of these.' }),
    contractCommitmentCategory: t.stringList({ description: 'ContractCommitmentCategory is one of these (Spend, Usage); another value is a BAD_USER_INPUT error.' }),
    billingAccountId: t.stringList({ description: 'The commitment belongs to one of these billing accounts (the provider\'s ids).' }),
    periodOverlaps: t.field({ type: PeriodInput, description: 'The commitment\'s period [ContractCommitmentPeriodStart, ContractCommitmentPeriodEnd) overlaps this span.' }),
  }),
});

builder.queryField('commitments', (t) =>
  t.connection(
    {
      type: CommitmentRef,
      nullable: false,
      complexity: pageComplexity,
      description: `Contract commitments, filtered and ordered (by default by ContractCommitmentPeriodStart; ties by id). ${PAGING_RULES}`,
      args: {
        filter: t.arg({ type: CommitmentFilter, description: 'Which commitments to return.' }),
        orderBy: t.arg({ type: [CommitmentOrder], description: 'Sort keys, most significant first; ties are broken by id.' }),
      },
      resolve: (_root, args, context) =>
        reportingInputErrors(() => {
          const sorts = args.orderBy?.length ? args.orderBy.map((sort) => ({ column: sort.field, direction: sort.direction ?? 'ASC' })) : DEFAULT_COMMITMENT_SORT;
          return tableConnection(context.db, commitmentSelection(args.filter), commitmentOrder(sorts), args, (ids: number[]) => commitmentById(context).loadMany(ids));
        }),
    },
    {
      name: 'CommitmentConnection',
      // The connection field already multiplies by the page size; the edges list must not multiply again.
      edgesField: { complexity: { field: 1, multiplier: 1 } },
      description: 'A page of contract commitments.',
      fields: (tc) => ({
        totalCount: tc.int({ nullable: false, description: 'How many commitments match the filter (counted only when asked for).', resolve: (connection) => connection.totalCount() }),
      }),
    },
    { name: 'CommitmentEdge', description: 'A commitment and its cursor.' },
  ),
);
