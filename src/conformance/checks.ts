/**
 * Compiles the requirements model's CheckFunction trees into closures over catalog column indices. A compiled check
 * reads one row (raw cell text and typed values, both by catalog index) and answers TRUE, FALSE or UNKNOWN (see
 * truth.ts). Type checks ask whether the gateway could read the cell as that type; Format checks look at the raw text,
 * so `2024-01-01 00:00:00` is a DateTimeFormat violation even though it was readable.
 */
import type { RuleNode } from './model.ts';
import { FALSE, TRUE, UNKNOWN, truth, type Truth } from './truth.ts';
import { compileJsonCheckFunction } from './json-checks.ts';
import type { ArrayMembers, KeyStep } from './json-path.ts';
import { isFocusCurrency, isFocusDateTime, isFocusNumeric, isFocusString, isFocusUnit, isNationalCurrency } from './formats.ts';
import { itemsOf, numberArgument, stringArgument } from './arguments.ts';

export type Check = (text: readonly (string | null)[], value: readonly unknown[]) => Truth;

export interface CompileContext {
  /** Catalog index of a column of the dataset being checked; throws for a name the catalog does not have. */
  columnIndex(column: string): number;
  /** Whether the keys of this JSON column match paths regardless of ASCII case (an erratum, see errata.ts). */
  caseInsensitiveKeys(column: string): boolean;
  /** A check that holds when the model rule `id` holds, for CheckModelRule nodes. */
  modelRule(id: string): Check;
  /** The shared per-row reader of the array at `keys` in a JSON column: one per column and path. */
  arrayMembers(columnIndex: number, keys: readonly KeyStep[], caseInsensitive: boolean): ArrayMembers;
  /** Changes before every row is checked, so that per-row caches (ArrayMembers) know when to reload. */
  readonly rowCounter: { readonly count: number };
}

/** What TypeString compiles to: every cell the gateway reads is text, so a row cannot fail it. */
export const alwaysHolds: Check = () => TRUE;

/**
 * CheckFunctions that compare rows with each other (CheckDistinctCount: "ServiceName MUST have one and only one
 * ServiceCategory"; CheckNoDuplicates: "ContractCommitmentId MUST be unique"). They need the whole dataset, so the
 * row-by-row engine leaves out the rules that use them: CAU-ServiceName-C-005-C, CAU-ServiceName-C-008-C,
 * CAU-SkuPriceId-C-008-M, CCT-ContractCommitmentId-C-007-M and CCT-ContractCommitmentId-C-009-M.
 */
export const DATASET_WIDE_FUNCTIONS: ReadonlySet<string> = new Set(['CheckDistinctCount', 'CheckNoDuplicates']);

/**
 * ColumnByColumnEqualsColumnValue compares A x B with Result within this relative tolerance, scaled by the larger of
 * the two magnitudes and never below 1. Binary floating point makes the product of two decimals exact only to about
 * 1e-16 relative, and providers compute costs in decimal arithmetic, so equal values can differ in the last bits; a
 * cost that is off by a rounding to cents (1e-3 relative and more on small amounts) is still reported.
 */
const PRODUCT_RELATIVE_TOLERANCE = 1e-9;

export function compileCheck(node: RuleNode, context: CompileContext): Check {
  switch (node.CheckFunction) {
    case 'AND':
      return compileAnd(itemsOf(node).map((item) => compileCheck(item, context)));
    case 'OR':
      return compileOr(node, context);
    case 'CheckModelRule':
      return context.modelRule(stringArgument(node, 'ModelRuleId'));
    case 'CheckValue':
      return compileValueComparison(node, context, true);
    case 'CheckNotValue':
      return compileValueComparison(node, context, false);
    case 'CheckSameValue': {
      const a = context.columnIndex(stringArgument(node, 'ColumnAName'));
      const b = context.columnIndex(stringArgument(node, 'ColumnBName'));
      return (text) => (text[a] === null || text[b] === null ? UNKNOWN : truth(text[a] === text[b]));
    }
    case 'CheckGreaterOrEqualThanValue': {
      const index = context.columnIndex(stringArgument(node, 'ColumnName'));
      const bound = numberArgument(node, 'Value');
      return (_text, value) => {
        const cell = value[index];
        return isFiniteNumber(cell) ? truth(cell >= bound) : UNKNOWN;
      };
    }
    case 'CheckDecimalValue':
    case 'TypeDecimal':
    case 'TypeDateTime': {
      // The gateway types decimals and date-times as finite numbers (epoch milliseconds for date-times).
      const index = context.columnIndex(stringArgument(node, 'ColumnName'));
      return (text, value) => (text[index] === null ? UNKNOWN : truth(isFiniteNumber(value[index])));
    }
    case 'ColumnByColumnEqualsColumnValue':
      return compileProductCheck(node, context);
    case 'TypeString':
      context.columnIndex(stringArgument(node, 'ColumnName'));
      return alwaysHolds;
    case 'FormatString':
      return compileTextCheck(node, context, isFocusString);
    case 'FormatNumeric':
      return compileTextCheck(node, context, isFocusNumeric);
    case 'FormatDateTime':
      return compileTextCheck(node, context, isFocusDateTime);
    case 'FormatCurrency':
      return compileTextCheck(node, context, isFocusCurrency);
    case 'CheckNationalCurrency':
      return compileTextCheck(node, context, isNationalCurrency);
    case 'FormatUnit':
      return compileTextCheck(node, context, isFocusUnit);
    default: {
      const jsonCheck = compileJsonCheckFunction(node, context);
      if (jsonCheck === undefined) throw new Error(`Unsupported CheckFunction ${String(node.CheckFunction)}`);
      return jsonCheck;
    }
  }
}

function compileAnd(checks: readonly Check[]): Check {
  if (checks.length === 1) return checks[0];
  return (text, value) => {
    let result: Truth = TRUE;
    for (let i = 0; i < checks.length; i++) {
      const itemResult = checks[i](text, value);
      if (itemResult === FALSE) return FALSE;
      if (itemResult === UNKNOWN) result = UNKNOWN;
    }
    return result;
  };
}

/**
 * Allowed-value lists are ORs of CheckValue on one column (ServiceSubcategory has 60 values), and the
 * ServiceCategory/ServiceSubcategory pairing is an OR of 60 ANDs; both compile to hash lookups that give the same
 * three-valued answer as evaluating the OR item by item.
 */
function compileOr(node: RuleNode, context: CompileContext): Check {
  const items = itemsOf(node);
  const allowedValues = stringValuesOfOneColumn(items);
  if (allowedValues !== undefined) {
    const index = context.columnIndex(allowedValues.column);
    const allowed: ReadonlySet<string> = new Set(allowedValues.values);
    return (text) => {
      const cell = text[index];
      return cell === null ? UNKNOWN : truth(allowed.has(cell));
    };
  }
  const pairs = allowedPairs(items);
  if (pairs !== undefined) return compilePairCheck(pairs, context);

  const checks = items.map((item) => compileCheck(item, context));
  return (text, value) => {
    let result: Truth = FALSE;
    for (let i = 0; i < checks.length; i++) {
      const itemResult = checks[i](text, value);
      if (itemResult === TRUE) return TRUE;
      if (itemResult === UNKNOWN) result = UNKNOWN;
    }
    return result;
  };
}

function stringValuesOfOneColumn(items: readonly RuleNode[]): { column: string; values: string[] } | undefined {
  const column = items[0]?.ColumnName;
  const values: string[] = [];
  for (const item of items) {
    if (item.CheckFunction !== 'CheckValue' || item.ColumnName !== column || typeof item.Value !== 'string') return undefined;
    values.push(item.Value);
  }
  return typeof column === 'string' ? { column, values } : undefined;
}

interface AllowedPairs {
  readonly firstColumn: string;
  readonly secondColumn: string;
  readonly pairs: ReadonlyArray<readonly [string, string]>;
}

/** An OR whose items are all AND(CheckValue(A, a), CheckValue(B, b)) over the same two columns. */
function allowedPairs(items: readonly RuleNode[]): AllowedPairs | undefined {
  let columns: readonly [string, string] | undefined;
  const pairs: (readonly [string, string])[] = [];
  for (const item of items) {
    if (item.CheckFunction !== 'AND') return undefined;
    const parts = stringValuesOfPair(itemsOf(item));
    if (parts === undefined) return undefined;
    columns ??= [parts[0].column, parts[1].column];
    if (parts[0].column !== columns[0] || parts[1].column !== columns[1]) return undefined;
    pairs.push([parts[0].value, parts[1].value]);
  }
  return columns === undefined ? undefined : { firstColumn: columns[0], secondColumn: columns[1], pairs };
}

function stringValuesOfPair(items: readonly RuleNode[]): [{ column: string; value: string }, { column: string; value: string }] | undefined {
  if (items.length !== 2) return undefined;
  const [first, second] = items.map((item) =>
    item.CheckFunction === 'CheckValue' && typeof item.ColumnName === 'string' && typeof item.Value === 'string'
      ? { column: item.ColumnName, value: item.Value }
      : undefined,
  );
  return first === undefined || second === undefined ? undefined : [first, second];
}

function compilePairCheck({ firstColumn, secondColumn, pairs }: AllowedPairs, context: CompileContext): Check {
  const first = context.columnIndex(firstColumn);
  const second = context.columnIndex(secondColumn);
  const secondValuesByFirst = new Map<string, Set<string>>();
  const secondValues = new Set<string>();
  for (const [a, b] of pairs) {
    secondValuesByFirst.set(a, (secondValuesByFirst.get(a) ?? new Set()).add(b));
    secondValues.add(b);
  }
  return (text) => {
    const a = text[first];
    const b = text[second];
    if (a !== null && b !== null) return truth(secondValuesByFirst.get(a)?.has(b) === true);
    if (a === null && b === null) return UNKNOWN;
    // With one side null, an item is UNKNOWN when the other side matches it and FALSE otherwise.
    return (a === null ? secondValues.has(b as string) : secondValuesByFirst.has(a)) ? UNKNOWN : FALSE;
  };
}

/** CheckValue / CheckNotValue: a null Value tests for null; a string Value compares the cell text. */
function compileValueComparison(node: RuleNode, context: CompileContext, equal: boolean): Check {
  const index = context.columnIndex(stringArgument(node, 'ColumnName'));
  const expected = node.Value;
  if (expected === null) return equal ? (text) => truth(text[index] === null) : (text) => truth(text[index] !== null);
  if (typeof expected !== 'string') throw new Error(`Unsupported ${String(node.CheckFunction)} value ${JSON.stringify(expected)}`);
  // A null cell is not "Correction": "ChargeClass is not Correction" holds for ordinary (null) rows.
  return equal
    ? (text) => (text[index] === null ? UNKNOWN : truth(text[index] === expected))
    : (text) => (text[index] === null ? TRUE : truth(text[index] !== expected));
}

function compileProductCheck(node: RuleNode, context: CompileContext): Check {
  const a = context.columnIndex(stringArgument(node, 'ColumnAName'));
  const b = context.columnIndex(stringArgument(node, 'ColumnBName'));
  const result = context.columnIndex(stringArgument(node, 'ResultColumnName'));
  return (_text, value) => {
    const x = value[a];
    const y = value[b];
    const expected = value[result];
    if (!isFiniteNumber(x) || !isFiniteNumber(y) || !isFiniteNumber(expected)) return UNKNOWN;
    const product = x * y;
    const scale = Math.max(Math.abs(product), Math.abs(expected), 1);
    return truth(Math.abs(product - expected) <= PRODUCT_RELATIVE_TOLERANCE * scale);
  };
}

/**
 * Format checks remember the last value that passed: billing periods, currencies, units and categories repeat from
 * row to row, and comparing with the last good value is cheaper than parsing it again.
 */
function compileTextCheck(node: RuleNode, context: CompileContext, predicate: (text: string) => boolean): Check {
  const index = context.columnIndex(stringArgument(node, 'ColumnName'));
  let lastPassed: string | null = null;
  return (text) => {
    const cell = text[index];
    if (cell === null) return UNKNOWN;
    if (cell === lastPassed) return TRUE;
    if (!predicate(cell)) return FALSE;
    lastPassed = cell;
    return TRUE;
  };
}

function isFiniteNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}
