/**
 * CostRecordFilter: the one filter language over cost rows that GraphQL, the aggregates and REST all use, compiled to
 * a parameterised SQL condition. Its column operators come from the FOCUS catalog: every string column takes
 * eq/ne/in/notIn/isNull, every date-time and decimal column eq/gt/gte/lt/lte/isNull; `tag`, `family` and and/or/not
 * complete it. Values are always bound parameters, never spliced into the SQL.
 *
 * Semantics worth knowing: `ne` and `notIn` match rows where the column is null (SQL's `<>` would not); `not` matches
 * exactly the rows its filter does not match; an empty `and` matches everything and an empty `or` nothing. Invalid
 * input (an unknown field, a value outside a column's FOCUS allowed values, a reversed range, nesting deeper than
 * MAX_FILTER_DEPTH, more than MAX_FILTER_TERMS conditions and values) throws a QueryInputError naming the place, such
 * as `filter.or[1].chargeCategory.eq`.
 */
import { COST_AND_USAGE_COLUMNS, type FocusColumn } from '../focus/columns.ts';
import { costRecordFamilyIdSql } from '../families/rule.ts';
import { QueryInputError } from './keyset.ts';
import type { SqlFragment } from './sql.ts';

/** How deep and/or/not may nest: a filter inside `and` is one level deep, a filter inside that two, and so on. */
export const MAX_FILTER_DEPTH = 5;

/**
 * How many conditions and list values one filter may hold in all (`{serviceName: {in: [a, b]}}` holds three). SQLite
 * binds at most 32,766 values per statement, and some statements use the filter twice (a subquery over the same rows).
 */
export const MAX_FILTER_TERMS = 10_000;

export interface StringColumnFilter {
  eq?: string | null;
  ne?: string | null;
  in?: readonly string[] | null;
  notIn?: readonly string[] | null;
  isNull?: boolean | null;
}

/** Date-times as Date, epoch milliseconds or RFC 3339 text; decimals as numbers or decimal text. */
export interface RangeColumnFilter<T> {
  eq?: T | null;
  gt?: T | null;
  gte?: T | null;
  lt?: T | null;
  lte?: T | null;
  isNull?: boolean | null;
}

export interface TagFilter {
  key: string;
  /** The tag has this (string) value. */
  value?: string | null;
  /** The row has (true) or lacks (false) a tag with this key. */
  exists?: boolean | null;
}

export interface FamilyFilter {
  eq?: string | null;
  in?: readonly string[] | null;
  /** True: rows in no family; false: rows in some family. */
  isNull?: boolean | null;
}

/** Column filters are keyed by the catalog's camelCase field name (`chargeCategory`, `billedCost`, ...). */
export interface CostRecordFilter {
  and?: readonly CostRecordFilter[] | null;
  or?: readonly CostRecordFilter[] | null;
  not?: CostRecordFilter | null;
  /** Every tag condition must hold. */
  tag?: TagFilter | readonly TagFilter[] | null;
  family?: FamilyFilter | null;
  [field: string]: unknown;
}

export interface FilterOptions {
  /** Turns a family id as the caller wrote it (a GraphQL global id, say) into the families.id value. */
  familyId?: (id: string, path: string) => string;
}

/** The columns a CostRecordFilter can filter on directly: every non-JSON Cost and Usage column. */
export const FILTERABLE_COLUMNS: readonly FocusColumn[] = COST_AND_USAGE_COLUMNS.filter((column) => column.type !== 'json');

const STRING_OPERATORS = ['eq', 'ne', 'in', 'notIn', 'isNull'] as const;
const RANGE_OPERATORS = ['eq', 'gt', 'gte', 'lt', 'lte', 'isNull'] as const;
const TAG_KEYS = ['key', 'value', 'exists'] as const;
const FAMILY_OPERATORS = ['eq', 'in', 'isNull'] as const;
const LOGICAL = ['and', 'or', 'not', 'tag', 'family'] as const;

const columnsByField = new Map(FILTERABLE_COLUMNS.map((column) => [column.field, column]));

const TRUE: SqlFragment = { sql: '1 = 1', params: [] };
const FALSE: SqlFragment = { sql: '0 = 1', params: [] };

const invalid = (path: string, message: string) => new QueryInputError(`${path}: ${message}`);

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

/** The operators given (non-null) in an operator object, after checking that it has no others. */
function operators<K extends string>(value: unknown, allowed: readonly K[], path: string): [K, unknown][] {
  if (!isObject(value)) throw invalid(path, `expected an object with ${allowed.join(', ')}`);
  const given: [K, unknown][] = [];
  for (const [name, operand] of Object.entries(value)) {
    if (!(allowed as readonly string[]).includes(name)) throw invalid(path, `unknown operator ${name}; expected ${allowed.join(', ')}`);
    if (operand !== null && operand !== undefined) given.push([name as K, operand]);
  }
  return given;
}

function list(value: unknown, path: string): unknown[] {
  if (!Array.isArray(value)) throw invalid(path, 'expected a list');
  return value;
}

function stringValue(column: FocusColumn, value: unknown, path: string): string {
  if (typeof value !== 'string') throw invalid(path, `expected a string; got ${JSON.stringify(value)}`);
  if (column.allowedValues && !column.allowedValues.includes(value)) {
    throw invalid(path, `${JSON.stringify(value)} is not a ${column.name} value; FOCUS allows ${column.allowedValues.join(', ')}`);
  }
  return value;
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/i;
const DECIMAL_TEXT = /^-?\d+(\.\d+)?$/;

/** The stored form of a range operand: epoch milliseconds for date-times, a double for decimals. */
function rangeValue(column: FocusColumn, value: unknown, path: string): number {
  if (column.type === 'datetime') {
    if (value instanceof Date && !Number.isNaN(value.getTime())) return value.getTime();
    if (typeof value === 'number' && Number.isSafeInteger(value)) return value;
    if (typeof value === 'string' && RFC3339.test(value) && !Number.isNaN(Date.parse(value))) return Date.parse(value);
    throw invalid(path, `expected an RFC 3339 date-time such as 2025-01-01T00:00:00Z; got ${JSON.stringify(value)}`);
  }
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && DECIMAL_TEXT.test(value)) return Number(value);
  throw invalid(path, `expected a number; got ${JSON.stringify(value)}`);
}

const placeholders = (count: number) => Array.from({ length: count }, () => '?').join(', ');

function isNullSql(sql: string, isNull: unknown, path: string): SqlFragment {
  if (typeof isNull !== 'boolean') throw invalid(path, 'expected true or false');
  return { sql: `${sql} IS ${isNull ? '' : 'NOT '}NULL`, params: [] };
}

function stringColumnSql(column: FocusColumn, filter: unknown, sql: string, path: string): SqlFragment[] {
  return operators(filter, STRING_OPERATORS, path).map(([operator, operand]) => {
    const at = `${path}.${operator}`;
    switch (operator) {
      case 'eq':
        return { sql: `${sql} = ?`, params: [stringValue(column, operand, at)] };
      case 'ne':
        return { sql: `${sql} IS NOT ?`, params: [stringValue(column, operand, at)] };
      case 'in':
      case 'notIn': {
        const values = list(operand, at).map((value, index) => stringValue(column, value, `${at}[${index}]`));
        if (values.length === 0) return operator === 'in' ? FALSE : TRUE;
        return operator === 'in'
          ? { sql: `${sql} IN (${placeholders(values.length)})`, params: values }
          : { sql: `(${sql} IS NULL OR ${sql} NOT IN (${placeholders(values.length)}))`, params: values };
      }
      case 'isNull':
        return isNullSql(sql, operand, at);
    }
  });
}

function rangeColumnSql(column: FocusColumn, filter: unknown, sql: string, path: string): SqlFragment[] {
  const given = operators(filter, RANGE_OPERATORS, path);
  const bounds = new Map<string, number>();
  const parts = given.map(([operator, operand]): SqlFragment => {
    if (operator === 'isNull') return isNullSql(sql, operand, `${path}.isNull`);
    const value = rangeValue(column, operand, `${path}.${operator}`);
    bounds.set(operator, value);
    const comparison = { eq: '=', gt: '>', gte: '>=', lt: '<', lte: '<=' }[operator];
    return { sql: `${sql} ${comparison} ?`, params: [value] };
  });
  for (const lower of ['gt', 'gte'] as const) {
    for (const upper of ['lt', 'lte'] as const) {
      const from = bounds.get(lower);
      const to = bounds.get(upper);
      if (from === undefined || to === undefined) continue;
      if (from > to || (from === to && (lower === 'gt' || upper === 'lt'))) {
        const show = (value: number) => (column.type === 'datetime' ? new Date(value).toISOString() : String(value));
        throw invalid(path, `reversed range: ${lower} ${show(from)} and ${upper} ${show(to)} match nothing`);
      }
    }
  }
  return parts;
}

function tagSql(filter: unknown, tagsSql: string, path: string): SqlFragment {
  const given = Object.fromEntries(operators(filter, TAG_KEYS, path));
  if (typeof given.key !== 'string' || given.key === '') throw invalid(`${path}.key`, 'expected a non-empty tag key');
  if (given.value !== undefined && typeof given.value !== 'string') throw invalid(`${path}.value`, 'expected a string');
  if (given.exists !== undefined && typeof given.exists !== 'boolean') throw invalid(`${path}.exists`, 'expected true or false');
  if (given.value !== undefined && given.exists === false) throw invalid(path, 'a tag cannot both lack the key and have a value');
  // json_each takes the key as a bound value, so no key needs escaping into a JSON path.
  const match =
    given.value === undefined
      ? { sql: `EXISTS (SELECT 1 FROM json_each(${tagsSql}) WHERE key = ?)`, params: [given.key] }
      : { sql: `EXISTS (SELECT 1 FROM json_each(${tagsSql}) WHERE key = ? AND value = ?)`, params: [given.key, given.value] };
  return given.exists === false ? { sql: `NOT ${match.sql}`, params: match.params } : match;
}

function familySql(filter: unknown, alias: string, options: FilterOptions, path: string): SqlFragment[] {
  const familyIdSql = costRecordFamilyIdSql(alias);
  const familyId = (value: unknown, at: string) => {
    if (typeof value !== 'string' || value === '') throw invalid(at, 'expected a family id');
    return options.familyId ? options.familyId(value, at) : value;
  };
  return operators(filter, FAMILY_OPERATORS, path).map(([operator, operand]) => {
    const at = `${path}.${operator}`;
    if (operator === 'isNull') return isNullSql(familyIdSql, operand, at);
    if (operator === 'eq') return { sql: `${familyIdSql} = ?`, params: [familyId(operand, at)] };
    const ids = list(operand, at).map((value, index) => familyId(value, `${at}[${index}]`));
    return ids.length === 0 ? FALSE : { sql: `${familyIdSql} IN (${placeholders(ids.length)})`, params: ids };
  });
}

/** Terms joined in one flat run; longer lists are split in halves, each parenthesised. */
const FLAT_JOIN_MAX = 32;

/**
 * SQLite parses `a OR b OR c` as a tree one level deeper per term and refuses trees deeper than 1,000, so a long list
 * is joined as a balanced tree of short runs: a thousand terms nest about ten levels rather than a thousand.
 */
function join(parts: SqlFragment[], operator: 'AND' | 'OR'): SqlFragment {
  if (parts.length > FLAT_JOIN_MAX) {
    const middle = Math.ceil(parts.length / 2);
    return join([join(parts.slice(0, middle), operator), join(parts.slice(middle), operator)], operator);
  }
  return { sql: parts.map((part) => `(${part.sql})`).join(` ${operator} `), params: parts.flatMap((part) => part.params) };
}

/** Counts the terms of one filter as it compiles, and stops it once they pass MAX_FILTER_TERMS. */
class TermBudget {
  #left = MAX_FILTER_TERMS;

  /** A condition counts once, or once per value it binds (an `in` list, a tag's key and value). */
  spend(parts: readonly SqlFragment[], path: string): void {
    for (const part of parts) this.#left -= Math.max(1, part.params.length);
    if (this.#left < 0) throw invalid(path, `a filter holds at most ${MAX_FILTER_TERMS} conditions and list values in all`);
  }
}

function compile(filter: unknown, alias: string, options: FilterOptions, path: string, depth: number, budget: TermBudget): SqlFragment {
  if (depth > MAX_FILTER_DEPTH) throw invalid(path, `and, or and not nest at most ${MAX_FILTER_DEPTH} levels deep`);
  if (!isObject(filter)) throw invalid(path, 'expected a CostRecordFilter object');
  const parts: SqlFragment[] = [];
  const add = (fragments: SqlFragment[], at: string) => {
    budget.spend(fragments, at);
    parts.push(...fragments);
  };
  for (const [field, value] of Object.entries(filter)) {
    if (value === null || value === undefined) continue;
    const at = `${path}.${field}`;
    const column = columnsByField.get(field);
    if (column) {
      const sql = `${alias}.${column.dbColumn}`;
      add(column.type === 'string' ? stringColumnSql(column, value, sql, at) : rangeColumnSql(column, value, sql, at), at);
      continue;
    }
    switch (field as (typeof LOGICAL)[number]) {
      case 'and':
      case 'or': {
        const children = list(value, at).map((child, index) => {
          budget.spend([TRUE], `${at}[${index}]`);
          return compile(child, alias, options, `${at}[${index}]`, depth + 1, budget);
        });
        if (children.length === 0) parts.push(field === 'and' ? TRUE : FALSE);
        else parts.push(join(children, field === 'and' ? 'AND' : 'OR'));
        break;
      }
      case 'not': {
        // A condition on a null column is unknown rather than false; COALESCE makes `not` match those rows too.
        const inner = compile(value, alias, options, at, depth + 1, budget);
        parts.push({ sql: `NOT COALESCE((${inner.sql}), 0)`, params: inner.params });
        break;
      }
      case 'tag': {
        const tags = Array.isArray(value) ? value : [value];
        add(
          tags.map((tag, index) => tagSql(tag, `${alias}.tags`, Array.isArray(value) ? `${at}[${index}]` : at)),
          at,
        );
        break;
      }
      case 'family':
        add(familySql(value, alias, options, at), at);
        break;
      default:
        throw invalid(at, 'is not a CostRecordFilter field');
    }
  }
  return parts.length === 0 ? TRUE : join(parts, 'AND');
}

/**
 * The SQL condition for `filter` over the cost_records table aliased `alias`. A missing filter matches every row.
 * Throws QueryInputError for invalid input.
 */
export function compileCostRecordFilter(filter: CostRecordFilter | null | undefined, alias: string, options: FilterOptions = {}): SqlFragment {
  if (filter === null || filter === undefined) return TRUE;
  return compile(filter, alias, options, 'filter', 0, new TermBudget());
}
