/**
 * CostRecord: one FOCUS 1.3 Cost and Usage row, with every catalog column as a field, and the `costRecords`
 * connections (filter, orderBy, keyset pagination, totalCount).
 *
 * For other domain modules: `costRecordConnectionField(t, { description, scope })` adds a `costRecords` connection to
 * any object type, with the same arguments as the root field (filter, orderBy, first/after, last/before) and the same
 * CostRecordConnection type. `scope(parent, alias, context)` returns the SQL condition, over cost_records aliased
 * `alias`, that limits the connection to the parent's rows; it is ANDed with the caller's filter. For example:
 *
 *   builder.objectFields(BillingAccountRef, (t) => ({
 *     costRecords: costRecordConnectionField(t, {
 *       description: "The account's cost rows.",
 *       scope: (account, alias) => ({ sql: `${alias}.billing_account_id = ?`, params: [account.id] }),
 *     }),
 *   }));
 *
 * A family's scope is `${costRecordFamilyIdSql(alias)} = ?` (src/families/rule.ts); a commitment's is
 * `${alias}.id IN (SELECT cost_record_id FROM contract_applications WHERE contract_commitment_id = ?)`.
 *
 * Choices made here: ContractApplied is `contractApplied { elements { ... } json }` (typed elements, and the column's
 * JSON as written); a value outside a column's FOCUS allowed values in a filter is a BAD_USER_INPUT error (enums cannot
 * spell values such as `Usage-Based`); family filters take a Family global id or the family's own id; a page over
 * 1,000 rows is a BAD_USER_INPUT error; a cursor from another orderBy is a BAD_USER_INPUT error, one used with another
 * filter or scope is a position in the same order and works.
 */
import type { ArgBuilder } from '@pothos/core';
import { decodeGlobalID } from '@pothos/plugin-relay';
import { Kind, type FieldNode, type GraphQLResolveInfo, type SelectionNode } from 'graphql';
import { COST_AND_USAGE_COLUMNS, type FocusColumn } from '../focus/columns.ts';
import {
  compileCostRecordFilter,
  FILTERABLE_COLUMNS,
  MAX_FILTER_DEPTH,
  type CostRecordFilter,
  type FamilyFilter,
  type RangeColumnFilter,
  type StringColumnFilter,
  type TagFilter,
} from '../query/cost-record-filter.ts';
import {
  contractAppliedElements,
  COST_RECORD_ALIAS,
  COST_RECORD_SORT_FIELDS,
  costRecordPage,
  IMPLIED_SORT_FIELDS,
  INDEXED_SORT_FIELDS,
  costRecordsById,
  countCostRecords,
  type ContractAppliedElement,
  type CostRecordOrder,
  type CostRecordSortField,
} from '../query/cost-records.ts';
import { PAGE_SIZE, QueryInputError, type Page } from '../query/keyset.ts';
import { reportingInputErrors } from './table-connections.ts';
import { andSql, type SqlFragment } from '../query/sql.ts';
import { builder } from './builder.ts';
import type { GraphQLContext } from './context.ts';
import { gatewayError } from './errors.ts';
import { loader } from './loaders.ts';
import { CostRecordRef, FamilyRef, type CostRecordRow } from './refs.ts';

type SchemaTypes = typeof builder extends PothosSchemaTypes.SchemaBuilder<infer Types> ? Types : never;

// ---------------------------------------------------------------------------------------------------------------------
// Ordering

export const OrderDirection = builder.enumType('OrderDirection', {
  description: 'Sort direction. Nulls come first in ascending order and last in descending order.',
  values: {
    ASC: { value: 'ASC', description: 'Smallest first (nulls first).' },
    DESC: { value: 'DESC', description: 'Largest first (nulls last).' },
  } as const,
});

const enumName = (field: string) => field.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
const catalogColumn = (field: string) => COST_AND_USAGE_COLUMNS.find((column) => column.field === field)!;

function sortFieldDescription(field: CostRecordSortField): string {
  const implied = IMPLIED_SORT_FIELDS[field];
  const then = implied ? `, then ${catalogColumn(implied).name} unless the order names it` : '';
  const speed = INDEXED_SORT_FIELDS.has(field) ? 'Indexed: any page is quick.' : 'Not indexed: each page sorts the matching rows, so narrow them with a filter on large data.';
  return `Sort by ${catalogColumn(field).name}${then}. ${speed}`;
}

const CostRecordOrderField = builder.enumType('CostRecordOrderField', {
  description: 'Columns cost records can be sorted by. Ties are always broken by id, so every order is stable.',
  values: {
    ...Object.fromEntries(COST_RECORD_SORT_FIELDS.map((field) => [enumName(field), { value: field, description: sortFieldDescription(field) }])),
    ID: { value: 'id', description: 'Sort by the row id (the order rows were loaded in). Indexed.' },
  } as Record<string, { value: CostRecordSortField; description: string }>,
});

const CostRecordOrderInput = builder.inputRef<CostRecordOrder>('CostRecordOrder').implement({
  description: 'One sort key of a cost record page.',
  fields: (t) => ({
    field: t.field({ type: CostRecordOrderField, required: true, description: 'The column to sort by.' }),
    direction: t.field({ type: OrderDirection, required: true, defaultValue: 'ASC', description: 'ASC (the default) or DESC.' }),
  }),
});

// ---------------------------------------------------------------------------------------------------------------------
// Filters

export const StringFilter = builder.inputRef<StringColumnFilter>('StringFilter').implement({
  description: 'Conditions on a text column; all given conditions must hold.',
  fields: (t) => ({
    eq: t.string({ description: 'Equal to this value.' }),
    ne: t.string({ description: 'Not equal to this value (rows where the column is null match).' }),
    in: t.stringList({ description: 'Equal to one of these values.' }),
    notIn: t.stringList({ description: 'Equal to none of these values (rows where the column is null match).' }),
    isNull: t.boolean({ description: 'true: the column is null; false: it has a value.' }),
  }),
});

export const FloatFilter = builder.inputRef<RangeColumnFilter<number>>('FloatFilter').implement({
  description: 'Conditions on a number column; all given conditions must hold. A range whose lower bound is above its upper bound is an error.',
  fields: (t) => ({
    eq: t.float({ description: 'Equal to this value.' }),
    gt: t.float({ description: 'Greater than this value.' }),
    gte: t.float({ description: 'Greater than or equal to this value.' }),
    lt: t.float({ description: 'Less than this value.' }),
    lte: t.float({ description: 'Less than or equal to this value.' }),
    isNull: t.boolean({ description: 'true: the column is null; false: it has a value.' }),
  }),
});

export const DateTimeFilter = builder.inputRef<RangeColumnFilter<Date>>('DateTimeFilter').implement({
  description: 'Conditions on a date-time column; all given conditions must hold. A range whose start is after its end is an error.',
  fields: (t) => ({
    eq: t.field({ type: 'DateTime', description: 'At exactly this instant.' }),
    gt: t.field({ type: 'DateTime', description: 'After this instant.' }),
    gte: t.field({ type: 'DateTime', description: 'At or after this instant.' }),
    lt: t.field({ type: 'DateTime', description: 'Before this instant.' }),
    lte: t.field({ type: 'DateTime', description: 'At or before this instant.' }),
    isNull: t.boolean({ description: 'true: the column is null; false: it has a value.' }),
  }),
});

const TagFilterInput = builder.inputRef<TagFilter>('TagFilter').implement({
  description: 'A condition on the Tags column: the row has the key (with this value, when given), or lacks it when exists is false.',
  fields: (t) => ({
    key: t.string({ required: true, description: 'Tag key, exactly as in the data.' }),
    value: t.string({ description: 'The tag has this value.' }),
    exists: t.boolean({ description: 'true (the default): the row has the key; false: it does not (then value cannot be given).' }),
  }),
});

const FamilyFilterInput = builder.inputRef<FamilyFilter>('FamilyFilter').implement({
  description: "Conditions on the row's family (its sub account's family, else its billing account's). Ids are Family ids (global) or the families' own ids.",
  fields: (t) => ({
    eq: t.id({ description: 'In this family.' }),
    in: t.idList({ description: 'In one of these families.' }),
    isNull: t.boolean({ description: 'true: in no family; false: in some family.' }),
  }),
});

function filterFieldDescription(column: FocusColumn): string {
  const allowed = column.allowedValues ? ` Values must be ones FOCUS allows: ${column.allowedValues.join(', ')}.` : '';
  return `Conditions on ${column.name}: ${column.description}${allowed}`;
}

export const CostRecordFilterInput = builder.inputRef<CostRecordFilter>('CostRecordFilter');
CostRecordFilterInput.implement({
  description: `Which cost records to return. Every given condition must hold. and, or and not nest at most ${MAX_FILTER_DEPTH} levels deep.`,
  fields: (t) => ({
    and: t.field({ type: [CostRecordFilterInput], description: 'Every one of these filters matches (an empty list matches everything).' }),
    or: t.field({ type: [CostRecordFilterInput], description: 'At least one of these filters matches (an empty list matches nothing).' }),
    not: t.field({ type: CostRecordFilterInput, description: 'This filter does not match.' }),
    tag: t.field({ type: [TagFilterInput], description: 'Conditions on Tags; every one must hold.' }),
    family: t.field({ type: FamilyFilterInput, description: "Conditions on the row's family." }),
    ...Object.fromEntries(
      FILTERABLE_COLUMNS.map((column) => [
        column.field,
        t.field({ type: column.type === 'string' ? StringFilter : column.type === 'datetime' ? DateTimeFilter : FloatFilter, description: filterFieldDescription(column) }),
      ]),
    ),
  }),
});

/** Family ids in filters may be global ids (as Family.id returns them) or the families' own ids. */
export function familyIdFromInput(id: string, path: string): string {
  let decoded: { typename: string; id: string };
  try {
    decoded = decodeGlobalID(id);
  } catch {
    return id;
  }
  if (decoded.typename !== FamilyRef.name) throw new QueryInputError(`${path}: ${JSON.stringify(id)} is a ${decoded.typename} id, not a Family id`);
  return decoded.id;
}

// ---------------------------------------------------------------------------------------------------------------------
// CostRecord

interface ContractAppliedValue {
  row: CostRecordRow;
  json: unknown;
}

export const ContractAppliedElementRef = builder.objectRef<ContractAppliedElement>('ContractAppliedElement').implement({
  description: 'One element of ContractApplied: a contract commitment this row drew down, with the cost and quantity applied to it.',
  fields: (t) => ({
    contractId: t.exposeString('contractId', { nullable: true, description: 'Identifier of the contract the commitment belongs to.' }),
    contractCommitmentId: t.exposeString('contractCommitmentId', { description: 'Identifier of the contract commitment (Commitment.contractCommitmentId).' }),
    contractCommitmentAppliedCost: t.exposeFloat('contractCommitmentAppliedCost', { nullable: true, description: 'Cost of this row applied to the commitment, in the billing currency.' }),
    contractCommitmentAppliedQuantity: t.exposeFloat('contractCommitmentAppliedQuantity', { nullable: true, description: 'Quantity of this row applied to the commitment.' }),
    contractCommitmentAppliedUnit: t.exposeString('contractCommitmentAppliedUnit', { nullable: true, description: 'Unit of the applied quantity.' }),
  }),
});

const contractAppliedColumn = catalogColumn('contractApplied');

const ContractAppliedRef = builder.objectRef<ContractAppliedValue>('ContractApplied').implement({
  description: contractAppliedColumn.description,
  fields: (t) => ({
    elements: t.field({
      type: [ContractAppliedElementRef],
      description: 'The elements, in the order the row lists them (ContractId and ContractID key casings are both read).',
      resolve: ({ row }, _args, context) => loader(context, contractAppliedElements, (ids: readonly number[]) => Promise.resolve(contractAppliedElements(context.db, ids))).load(row.id),
    }),
    json: t.field({ type: 'JSON', description: 'The ContractApplied value as the provider wrote it.', resolve: ({ json }) => json }),
  }),
});

const parseJson = (text: unknown): unknown => (typeof text === 'string' ? JSON.parse(text) : null);

/** Field definitions for the catalog's columns: money and quantities as Float, date-times as DateTime, JSON parsed. */
function columnField(t: PothosSchemaTypes.ObjectFieldBuilder<SchemaTypes, CostRecordRow>, column: FocusColumn) {
  const options = {
    description: column.description,
    // Only the essential columns are NOT NULL in the table: a file of an older FOCUS version can lack the others.
    nullable: !column.essential,
    deprecationReason: column.deprecated ? `Deprecated in FOCUS ${column.deprecated}. ${column.description}` : undefined,
  };
  const value = (row: CostRecordRow) => row[column.dbColumn] as never;
  switch (column.type) {
    case 'string':
      return t.string({ ...options, resolve: value });
    case 'decimal':
      return t.float({ ...options, resolve: value });
    case 'datetime':
      return t.field({ ...options, type: 'DateTime', resolve: value });
    case 'json':
      if (column === contractAppliedColumn) {
        return t.field({
          ...options,
          type: ContractAppliedRef,
          resolve: (row) => (row.contract_applied == null ? null : { row, json: parseJson(row.contract_applied) }),
        });
      }
      return t.field({ ...options, type: 'JSON', resolve: (row) => parseJson(row[column.dbColumn]) });
  }
}

builder.node(CostRecordRef, {
  description: 'One FOCUS 1.3 Cost and Usage row. Fields are the FOCUS columns in camelCase; a column the source file did not have is null.',
  id: {
    description: 'Global id of the cost record, for node(id:) and nodes(ids:).',
    resolve: (row) => row.id,
    parse: (id) => {
      const parsed = Number(id);
      if (!Number.isSafeInteger(parsed) || parsed < 1) throw gatewayError('BAD_USER_INPUT', `${JSON.stringify(id)} is not a CostRecord id`);
      return parsed;
    },
  },
  loadMany: (ids, context) => costRecordsById(context.db, ids) as CostRecordRow[],
  fields: (t) => ({
    ...Object.fromEntries(COST_AND_USAGE_COLUMNS.map((column) => [column.field, columnField(t, column)])),
    tag: t.string({
      description: 'The value of one tag (Tags[key]), or null when the row lacks it. Non-text values are returned as JSON text.',
      args: { key: t.arg.string({ required: true, description: 'Tag key, exactly as in the data.' }) },
      resolve: (row, { key }) => {
        const tags = parseJson(row.tags) as Record<string, unknown> | null;
        if (tags === null || typeof tags !== 'object' || !Object.hasOwn(tags, key)) return null;
        const value = tags[key];
        return value === null || typeof value === 'string' ? value : JSON.stringify(value);
      },
    }),
    extraColumns: t.field({
      type: 'JSON',
      nullable: true,
      description: "The source file's non-FOCUS columns (x_ prefixed or not) that held a value in this row, by their names in the file.",
      resolve: (row) => parseJson(row.extra_columns),
    }),
  }),
});

// ---------------------------------------------------------------------------------------------------------------------
// Connections

interface CostRecordConnectionValue extends Page<CostRecordRow> {
  /** Counted only when a query selects totalCount. */
  totalCount: () => number;
}

export const CostRecordConnection = builder.connectionObject(
  {
    type: CostRecordRef,
    name: 'CostRecordConnection',
    description: 'A page of cost records.',
    // The connection field's `first`/`last` already multiplies what a page selects; the edge list must not again.
    edgesField: { complexity: { field: 1, multiplier: 1 }, description: 'The rows of this page, each with its cursor.' },
    fields: (t) => ({
      totalCount: t.int({
        description: 'How many cost records match the filter (and scope), over all pages. Counted only when selected.',
        nullable: false,
        resolve: (connection) => (connection as unknown as CostRecordConnectionValue).totalCount(),
      }),
    }),
  },
  {
    name: 'CostRecordEdge',
    description: 'A cost record and its cursor.',
    nodeField: { description: 'The cost record.' },
  },
);

export interface CostRecordConnectionOptions<Parent> {
  description: string;
  /** The SQL condition, over cost_records aliased `alias`, that limits the connection to the parent's rows. */
  scope: (parent: Parent, alias: string, context: GraphQLContext) => SqlFragment | Promise<SqlFragment>;
}

interface CostRecordConnectionArgs {
  filter?: CostRecordFilter | null;
  orderBy?: CostRecordOrder[] | null;
  first?: number | null;
  after?: string | null;
  last?: number | null;
  before?: string | null;
}

const connectionArgs = (arg: ArgBuilder<SchemaTypes>) => ({
  filter: arg({ type: CostRecordFilterInput, description: 'Which cost records to return.' }),
  orderBy: arg({
    type: [CostRecordOrderInput],
    description: 'Sort keys, most significant first; ties are broken by id. Default: id ascending. A cursor only works with the orderBy it was issued for.',
  }),
  first: arg.int({ description: `Page size going forwards, from 0 to ${PAGE_SIZE.max.toLocaleString('en')}; default ${PAGE_SIZE.default}. More is a BAD_USER_INPUT error.` }),
  after: arg.string({ description: 'Return rows after this cursor (from an edge or pageInfo.endCursor).' }),
  last: arg.int({ description: `Page size going backwards (with before), from 0 to ${PAGE_SIZE.max.toLocaleString('en')}.` }),
  before: arg.string({ description: 'Return rows before this cursor (from an edge or pageInfo.startCursor).' }),
});

/** What a page costs in the complexity limit: its own field, plus its page size times what each row selects. */
const connectionComplexity = (args: CostRecordConnectionArgs) => ({
  field: 1,
  multiplier: Math.min(Math.max(args.first ?? args.last ?? PAGE_SIZE.default, 0), PAGE_SIZE.max),
});

/**
 * The stored columns that CostRecord fields other than the catalog's read. links.ts (billingAccount, family,
 * commitments) reads these columns of the row; a field in neither list makes a page read whole rows, so a new field
 * is always correct and at worst slower until it is listed here.
 */
export const FIELD_COLUMNS: Readonly<Record<string, readonly string[]>> = {
  __typename: [],
  id: ['id'],
  tag: ['tags'],
  extraColumns: ['extra_columns'],
  contractApplied: ['contract_applied'],
  billingAccount: ['billing_account_id'],
  family: ['sub_account_id', 'billing_account_id'],
  commitments: [],
};
const CATALOG_FIELD_COLUMNS = new Map(COST_AND_USAGE_COLUMNS.map((column) => [column.field, column.dbColumn]));

/** The fields selected in `selections` (expanding fragments) that are named `name`, or all of them when no name. */
function selectedFields(selections: readonly SelectionNode[], info: GraphQLResolveInfo, name?: string): FieldNode[] {
  return selections.flatMap((selection): FieldNode[] => {
    if (selection.kind === Kind.FIELD) return name === undefined || selection.name.value === name ? [selection] : [];
    const fragment = selection.kind === Kind.INLINE_FRAGMENT ? selection : info.fragments[selection.name.value];
    return fragment ? selectedFields(fragment.selectionSet.selections, info, name) : [];
  });
}

/** The columns a connection's selection of CostRecord fields reads, or null for all of them. */
function selectedColumns(info: GraphQLResolveInfo): string[] | null {
  const connections = info.fieldNodes.flatMap((field) => field.selectionSet?.selections ?? []);
  const nodes = selectedFields(connections, info, 'edges').flatMap((edges) => selectedFields(edges.selectionSet?.selections ?? [], info, 'node'));
  const columns = new Set<string>();
  for (const field of nodes.flatMap((node) => selectedFields(node.selectionSet?.selections ?? [], info))) {
    const name = field.name.value;
    const catalogColumn = CATALOG_FIELD_COLUMNS.get(name);
    if (catalogColumn !== undefined) columns.add(catalogColumn);
    else if (Object.hasOwn(FIELD_COLUMNS, name)) FIELD_COLUMNS[name].forEach((column) => columns.add(column));
    else return null;
  }
  return [...columns];
}

function resolveConnection<Parent>(scope: CostRecordConnectionOptions<Parent>['scope']) {
  return (parent: Parent, args: CostRecordConnectionArgs, context: GraphQLContext, info: GraphQLResolveInfo) =>
    reportingInputErrors(async () => {
      const where = andSql([await scope(parent, COST_RECORD_ALIAS, context), costRecordWhere(args.filter)]);
      const page = (await costRecordPage(context.db, { where, orderBy: args.orderBy, page: args, columns: selectedColumns(info) })) as Page<CostRecordRow>;
      let count: number | undefined;
      const connection: CostRecordConnectionValue = { ...page, totalCount: () => (count ??= countCostRecords(context.db, where)) };
      // Pothos types a connection's value as edges and pageInfo only; totalCount is this connection's addition.
      return connection as never;
    });
}

/** The rows a CostRecordFilter input selects, over cost_records aliased `cr` (also used by the aggregates). */
export function costRecordWhere(filter: CostRecordFilter | null | undefined): SqlFragment {
  return compileCostRecordFilter(filter, COST_RECORD_ALIAS, { familyId: familyIdFromInput });
}

/** Adds a `costRecords`-style connection field to an object type (see the top of this file). */
export function costRecordConnectionField<Parent>(t: PothosSchemaTypes.ObjectFieldBuilder<SchemaTypes, Parent>, options: CostRecordConnectionOptions<Parent>) {
  return t.field({
    type: CostRecordConnection,
    nullable: false,
    description: options.description,
    args: connectionArgs(t.arg),
    complexity: connectionComplexity,
    resolve: resolveConnection(options.scope),
  });
}

builder.queryField('costRecords', (t) =>
  t.field({
    type: CostRecordConnection,
    nullable: false,
    description: 'FOCUS Cost and Usage rows, filtered, sorted and paged (keyset cursors: any page costs the same as the first).',
    args: connectionArgs(t.arg),
    complexity: connectionComplexity,
    resolve: resolveConnection(() => ({ sql: '1 = 1', params: [] })),
  }),
);
