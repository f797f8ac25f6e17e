/**
 * Contract commitments: how far each has been drawn down (exact sums over the ContractApplied elements of the cost
 * rows, the contract_applications table, and the utilization they give), and the filter and orders of their pages.
 */
import type { Decimal } from 'decimal.js';
import { exactAggregate } from '../analytics/exact-sum.ts';
import { ExactDecimal, type SqliteDatabase } from '../db/sqlite.ts';
import { CONTRACT_COMMITMENT_COLUMNS, columnIndex, type FocusColumn } from '../focus/columns.ts';
import { keysetOrder, QueryInputError, type KeysetOrder, type SortDirection } from './keyset.ts';
import { andSql, TRUE_SQL, type SqlFragment } from './sql.ts';
import { sortKey, type KeyRow, type TableSelection } from './table-pages.ts';

/** What a commitment is drawn down in: ContractCommitmentAppliedCost or ContractCommitmentAppliedQuantity. */
export type AppliedMeasure = 'cost' | 'quantity';

const APPLIED_COLUMN: Record<AppliedMeasure, string> = { cost: 'applied_cost', quantity: 'applied_quantity' };

/**
 * The exact decimal sum of one applied measure per ContractCommitmentId, in the order asked, as text ("0" when nothing
 * applied it); one read for the lot, through the analytics module's exact aggregate. The two measures are summed
 * separately because each sum reads every application row of the commitment, and most queries ask for one.
 */
export function appliedSums(db: SqliteDatabase, contractCommitmentIds: readonly string[], measure: AppliedMeasure): string[] {
  if (contractCommitmentIds.length === 0) return [];
  const rows = db.transaction(() =>
    exactAggregate(db, {
      from: 'contract_applications ca',
      where: { sql: `ca.contract_commitment_id IN (${contractCommitmentIds.map(() => '?').join(', ')})`, params: [...contractCommitmentIds] },
      keys: [{ sql: 'ca.contract_commitment_id', params: [] }],
      sums: [{ name: 'total', sql: `ca.${APPLIED_COLUMN[measure]}` }],
    }),
  )();
  const byId = new Map(rows.map((row) => [row.keys[0] as string, row.sums.total ?? '0']));
  return contractCommitmentIds.map((id) => byId.get(id) ?? '0');
}

/** The commitment's own amounts, as exact decimal text (a stored double prints back as its source decimal). */
export interface CommitmentTerms {
  category: string | null;
  cost: string | null;
  quantity: string | null;
}

export type UtilizationBasis = 'COST' | 'QUANTITY';

/**
 * What utilization is measured in: a Usage commitment with a positive quantity in its unit (applied quantity /
 * committed quantity); any other commitment with a positive cost in money (applied cost / committed cost); null when
 * the commitment has no positive amount to measure against.
 */
export function utilizationBasis(terms: CommitmentTerms): { basis: UtilizationBasis; measure: AppliedMeasure; committed: string } | null {
  const positive = (value: string | null): value is string => value !== null && new ExactDecimal(value).greaterThan(0);
  if (terms.category === 'Usage' && positive(terms.quantity)) return { basis: 'QUANTITY', measure: 'quantity', committed: terms.quantity };
  if (positive(terms.cost)) return { basis: 'COST', measure: 'cost', committed: terms.cost };
  return null;
}

/** Applied over committed, exactly: 1 means fully drawn down; above 1, overdrawn. */
export function utilization(applied: string, committed: string): Decimal {
  return new ExactDecimal(applied).dividedBy(committed);
}

/** What is left of an amount: committed minus applied, exactly; null when nothing was committed in that measure. */
export function remaining(committed: string | null, applied: string): string | null {
  return committed === null ? null : new ExactDecimal(committed).minus(applied).toFixed();
}

/** Filters of the `commitments` root field; each list matches any of its values, and all given conditions must hold. */
export interface CommitmentFilter {
  contractId?: readonly string[] | null;
  contractCommitmentId?: readonly string[] | null;
  contractCommitmentType?: readonly string[] | null;
  contractCommitmentCategory?: readonly string[] | null;
  /** The provider's billing account ids. */
  billingAccountId?: readonly string[] | null;
  /** Commitments whose period [ContractCommitmentPeriodStart, ContractCommitmentPeriodEnd) overlaps [start, end). */
  periodOverlaps?: { start: Date; end: Date } | null;
}

const CATEGORY = CONTRACT_COMMITMENT_COLUMNS.find((column) => column.name === 'ContractCommitmentCategory')!;

export function compileCommitmentFilter(filter: CommitmentFilter | null | undefined, alias: string): SqlFragment {
  if (!filter) return TRUE_SQL;
  const parts: SqlFragment[] = [];
  const anyOf = (column: string, values: readonly string[] | null | undefined) => {
    if (values == null) return;
    parts.push(values.length === 0 ? { sql: '0 = 1', params: [] } : { sql: `${alias}.${column} IN (${values.map(() => '?').join(', ')})`, params: [...values] });
  };
  const unknownCategory = filter.contractCommitmentCategory?.find((value) => !CATEGORY.allowedValues!.includes(value));
  if (unknownCategory !== undefined) {
    throw new QueryInputError(`filter.contractCommitmentCategory: ${JSON.stringify(unknownCategory)} is not a FOCUS ContractCommitmentCategory (${CATEGORY.allowedValues!.join(', ')})`);
  }
  anyOf('contract_id', filter.contractId);
  anyOf('contract_commitment_id', filter.contractCommitmentId);
  anyOf('contract_commitment_type', filter.contractCommitmentType);
  anyOf('contract_commitment_category', filter.contractCommitmentCategory);
  anyOf('billing_account_id', filter.billingAccountId);
  if (filter.periodOverlaps) {
    const { start, end } = filter.periodOverlaps;
    if (start.getTime() >= end.getTime()) throw new QueryInputError('filter.periodOverlaps: start must be before end');
    parts.push({
      sql: `${alias}.contract_commitment_period_start < ? AND ${alias}.contract_commitment_period_end > ?`,
      params: [end.getTime(), start.getTime()],
    });
  }
  return andSql(parts);
}

/** The Contract Commitment columns `commitments` can be ordered by. */
export const COMMITMENT_SORT_COLUMNS: readonly FocusColumn[] = [
  'ContractCommitmentPeriodStart',
  'ContractCommitmentPeriodEnd',
  'ContractCommitmentId',
  'ContractCommitmentType',
  'ContractCommitmentCategory',
  'ContractCommitmentCost',
  'ContractCommitmentQuantity',
  'ContractId',
  'ContractPeriodStart',
  'ContractPeriodEnd',
  'BillingCurrency',
].map((name) => CONTRACT_COMMITMENT_COLUMNS[columnIndex('ContractCommitment', name)]);

export interface CommitmentSort {
  /** A column of COMMITMENT_SORT_COLUMNS, by name. */
  column: string;
  direction: SortDirection;
}

export const DEFAULT_COMMITMENT_SORT: readonly CommitmentSort[] = [{ column: 'ContractCommitmentPeriodStart', direction: 'ASC' }];

const KEY_TYPE = { string: 'string', decimal: 'number', datetime: 'integer', json: 'string' } as const;

/** The keyset order for `sorts` over `commitments c`, ties broken by id (in the direction of the last sort). */
export function commitmentOrder(sorts: readonly CommitmentSort[]): KeysetOrder<KeyRow> {
  const seen = new Set<string>();
  const keys = sorts.map(({ column: name, direction }) => {
    const column = COMMITMENT_SORT_COLUMNS.find((candidate) => candidate.name === name);
    if (!column) throw new QueryInputError(`orderBy: commitments cannot be ordered by ${name}`);
    if (seen.has(name)) throw new QueryInputError(`orderBy: ${name} is given twice`);
    seen.add(name);
    return sortKey(column.field, `c.${column.dbColumn}`, direction, KEY_TYPE[column.type], !column.essential);
  });
  return keysetOrder('commitments', [...keys, sortKey('id', 'c.id', keys.at(-1)?.direction ?? 'ASC', 'integer')]);
}

export function commitmentSelection(filter: CommitmentFilter | null | undefined): TableSelection {
  return { from: 'commitments c', where: compileCommitmentFilter(filter, 'c') };
}
