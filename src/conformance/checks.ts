/**
 * Compiles the requirements model's CheckFunction trees into closures over catalog column indices. A compiled check
 * reads one row (raw cell text and typed values, both by catalog index) and answers TRUE, FALSE or UNKNOWN (see
 * truth.ts). Type checks ask whether the gateway could read the cell as that type; Format checks look at the raw text,
 * so `2024-01-01 00:00:00` is a DateTimeFormat violation even though it was readable.
 */
import type { RuleNode } from './model.ts';
import { FALSE, TRUE, UNKNOWN, truth, type Truth } from './truth.ts';
import {
  equalsIgnoringAsciiCase,
  evaluateJsonPath,
  isMissing,
  memberOf,
  parseJsonPath,
  type LeafCheck,
  type PathStep,
} from './json-path.ts';
import {
  isFocusCurrency,
  isFocusDateTime,
  isFocusNumeric,
  isFocusString,
  isFocusUnit,
  isJsonObject,
  isJsonObjectFormat,
  isKeyValueObject,
  isNationalCurrency,
} from './formats.ts';

export type Check = (text: readonly (string | null)[], value: readonly unknown[]) => Truth;

export interface CompileContext {
  /** Catalog index of a column of the dataset being checked; throws for a name the catalog does not have. */
  columnIndex(column: string): number;
  /** Whether the keys of this JSON column match paths regardless of ASCII case (an erratum, see errata.ts). */
  caseInsensitiveKeys(column: string): boolean;
  /** A check that holds when the model rule `id` holds, for CheckModelRule nodes. */
  modelRule(id: string): Check;
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
export const PRODUCT_RELATIVE_TOLERANCE = 1e-9;

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
      const jsonCheck = jsonPathCheckOf(node, context);
      if (jsonCheck === undefined) throw new Error(`Unsupported CheckFunction ${String(node.CheckFunction)}`);
      return compileJsonCheck(jsonCheck);
    }
  }
}

/**
 * A rule whose Condition and Requirement both look inside the elements of the same JSON array ("AppliedCost MUST NOT
 * be null when AppliedQuantity is null") is a statement about each element, so it is checked element by element
 * rather than as "all elements meet the condition, therefore all must meet the requirement". Returns undefined when
 * the pair does not have that shape.
 */
export function compileElementwise(condition: RuleNode, requirement: RuleNode, context: CompileContext): Check | undefined {
  const conditionCheck = jsonPathCheckOf(condition, context);
  const requirementCheck = jsonPathCheckOf(requirement, context);
  if (conditionCheck === undefined || requirementCheck === undefined || conditionCheck.columnIndex !== requirementCheck.columnIndex) {
    return undefined;
  }
  const { columnIndex, caseInsensitive } = requirementCheck;
  const prefixLength = sharedArrayPrefixLength(conditionCheck.steps, requirementCheck.steps, caseInsensitive);
  if (prefixLength === 0) return undefined;
  const prefix = requirementCheck.steps.slice(0, prefixLength);
  const conditionRest = conditionCheck.steps.slice(prefixLength);
  const requirementRest = requirementCheck.steps.slice(prefixLength);
  const eachElement: LeafCheck = (element, _present, text, value) =>
    evaluateJsonPath(element, conditionRest, 0, conditionCheck.leaf, caseInsensitive, text, value) === TRUE
      ? evaluateJsonPath(element, requirementRest, 0, requirementCheck.leaf, caseInsensitive, text, value)
      : TRUE;
  return (text, value) => (text[columnIndex] === null ? UNKNOWN : evaluateJsonPath(value[columnIndex], prefix, 0, eachElement, caseInsensitive, text, value));
}

/** The length of the longest common prefix of two paths that ends with a `[*]` step, or 0. */
function sharedArrayPrefixLength(a: readonly PathStep[], b: readonly PathStep[], caseInsensitive: boolean): number {
  let length = 0;
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const x = a[i];
    const y = b[i];
    if (x.kind === 'each' && y.kind === 'each') length = i + 1;
    else if (x.kind !== 'key' || y.kind !== 'key' || !sameKey(x.key, y.key, caseInsensitive)) break;
  }
  return length;
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

function compileTextCheck(node: RuleNode, context: CompileContext, predicate: (text: string) => boolean): Check {
  const index = context.columnIndex(stringArgument(node, 'ColumnName'));
  return (text) => {
    const cell = text[index];
    return cell === null ? UNKNOWN : truth(predicate(cell));
  };
}

interface JsonPathCheck {
  readonly columnIndex: number;
  readonly steps: readonly PathStep[];
  readonly leaf: LeafCheck;
  readonly caseInsensitive: boolean;
}

function compileJsonCheck({ columnIndex, steps, leaf, caseInsensitive }: JsonPathCheck): Check {
  return (text, value) => (text[columnIndex] === null ? UNKNOWN : evaluateJsonPath(value[columnIndex], steps, 0, leaf, caseInsensitive, text, value));
}

/** The JSON checks: a column, a path into its parsed value, and the test applied to each node the path reaches. */
function jsonPathCheckOf(node: RuleNode, context: CompileContext): JsonPathCheck | undefined {
  const check = (columnArgument: string, path: string, leaf: (caseInsensitive: boolean) => LeafCheck): JsonPathCheck => {
    const column = stringArgument(node, columnArgument);
    const caseInsensitive = context.caseInsensitiveKeys(column);
    return { columnIndex: context.columnIndex(column), steps: parseJsonPath(path), leaf: leaf(caseInsensitive), caseInsensitive };
  };
  const path = (): string => stringArgument(node, 'Path');
  switch (node.CheckFunction) {
    case 'FormatKeyValue':
      return check('ColumnName', '$', () => keyValueLeaf);
    case 'JSONCheckPathKeyValueFormat':
      return check('ColumnName', path(), () => keyValueLeaf);
    case 'FormatJSON':
      return check('ColumnName', path(), () => jsonObjectFormatLeaf);
    case 'JSONCheckPathType':
      return check('ColumnName', path(), () => typeLeaf(stringArgument(node, 'ExpectedType')));
    case 'JSONCheckPathKeyExists':
      return check('ColumnName', path(), () => keyExistsLeaf);
    case 'JSONCheckPathValue':
      return check('ColumnName', path(), () => valueLeaf(node.Value, true));
    case 'JSONCheckPathNotValue':
      return check('ColumnName', path(), () => valueLeaf(node.Value, false));
    case 'JSONCheckPathKeyStartsWith': {
      const prefix = stringArgument(node, 'Prefix');
      const ignoredKeys = stringArrayArgument(node, 'IgnoreKeys');
      return check('ColumnName', path(), (caseInsensitive) => keysStartWithLeaf(prefix, ignoredKeys, caseInsensitive));
    }
    case 'JSONFormatString':
      return check('ColumnName', path(), () => stringFormatLeaf);
    case 'JSONCheckPathNumericFormat':
    case 'JSONFormatNumeric':
      return check('ColumnName', path(), () => numericFormatLeaf);
    case 'JSONCheckPathUnitFormat':
    case 'JSONFormatUnit':
      return check('ColumnName', path(), () => unitFormatLeaf);
    case 'JSONCheckPathSameValue': {
      if (node.PathB !== null) throw new Error('JSONCheckPathSameValue is supported against a plain column (PathB null) only');
      const other = context.columnIndex(stringArgument(node, 'ColumnBName'));
      return check('ColumnAName', stringArgument(node, 'PathA'), () => sameAsColumnLeaf(other));
    }
    case 'JSONCheckPathDistinctParent':
      return distinctParentCheck(node, context);
    default:
      return undefined;
  }
}

const keyExistsLeaf: LeafCheck = (_node, present) => truth(present);
const keyValueLeaf: LeafCheck = (node, present) => truth(present && isKeyValueObject(node));
const jsonObjectFormatLeaf: LeafCheck = (node, present) => truth(present && isJsonObjectFormat(node));

/** Scalar types leave null (and a missing key) to the nullability rules; an Array or Object must be there. */
function typeLeaf(expectedType: string): LeafCheck {
  switch (expectedType) {
    case 'Array':
      return (node, present) => truth(present && Array.isArray(node));
    case 'Object':
      return (node, present) => truth(present && isJsonObject(node));
    case 'String':
      return (node, present) => (!present || node === null ? UNKNOWN : truth(typeof node === 'string'));
    case 'Decimal':
      return (node, present) => (!present || node === null ? UNKNOWN : truth(isFiniteNumber(node)));
    default:
      throw new Error(`Unsupported JSONCheckPathType ExpectedType ${expectedType}`);
  }
}

/** A missing key reads as null, like an absent column. */
function valueLeaf(expected: unknown, equal: boolean): LeafCheck {
  if (expected === null) {
    return equal ? (node, present) => truth(!present || node === null) : (node, present) => truth(present && node !== null);
  }
  return equal
    ? (node, present) => (!present || node === null ? UNKNOWN : truth(node === expected))
    : (node, present) => (!present || node === null ? TRUE : truth(node !== expected));
}

function keysStartWithLeaf(prefix: string, ignoredKeys: readonly string[], caseInsensitive: boolean): LeafCheck {
  // Whether a key spelling is exempt, remembered per spelling: a file uses a handful of spellings over and over.
  const exempt = new Map<string, boolean>();
  return (node) => {
    if (!isJsonObject(node)) return UNKNOWN;
    for (const key in node) {
      if (key.startsWith(prefix)) continue;
      let isExempt = exempt.get(key);
      if (isExempt === undefined) {
        isExempt = ignoredKeys.some((ignored) => sameKey(key, ignored, caseInsensitive));
        if (exempt.size < MAX_REMEMBERED_KEYS) exempt.set(key, isExempt);
      }
      if (!isExempt) return FALSE;
    }
    return TRUE;
  };
}

/** Bounds the memory of keysStartWithLeaf on files that invent a new key on every row. */
const MAX_REMEMBERED_KEYS = 1000;

const stringFormatLeaf: LeafCheck = (node) => (typeof node === 'string' ? truth(isFocusString(node)) : UNKNOWN);
const unitFormatLeaf: LeafCheck = (node) => (typeof node === 'string' ? truth(isFocusUnit(node)) : UNKNOWN);
/** A JSON number is numeric by construction; a numeric string must be written in NumericFormat. */
const numericFormatLeaf: LeafCheck = (node) => {
  if (typeof node === 'number') return truth(Number.isFinite(node));
  return typeof node === 'string' ? truth(isFocusNumeric(node)) : UNKNOWN;
};

function sameAsColumnLeaf(otherColumnIndex: number): LeafCheck {
  return (node, present, text) => {
    const other = text[otherColumnIndex];
    return !present || node === null || other === null ? UNKNOWN : truth(node === other);
  };
}

/**
 * "ContractCommitmentID MUST have one and only one parent ContractID", within one cell: elements that name the same
 * child must name the same parent. Both paths must be `<array path>[*].<key>` over the same array.
 */
function distinctParentCheck(node: RuleNode, context: CompileContext): JsonPathCheck {
  if (numberArgument(node, 'ExpectedCount') !== 1) throw new Error('JSONCheckPathDistinctParent is supported with ExpectedCount 1 only');
  const column = stringArgument(node, 'ColumnName');
  const caseInsensitive = context.caseInsensitiveKeys(column);
  const child = parseJsonPath(stringArgument(node, 'ChildPath'));
  const parent = parseJsonPath(stringArgument(node, 'ParentPath'));
  const childKey = child.at(-1);
  const parentKey = parent.at(-1);
  const arrayPath = child.slice(0, -2);
  if (
    childKey?.kind !== 'key' ||
    parentKey?.kind !== 'key' ||
    child.at(-2)?.kind !== 'each' ||
    sharedArrayPrefixLength(child, parent, caseInsensitive) !== child.length - 1 ||
    parent.length !== child.length
  ) {
    throw new Error('JSONCheckPathDistinctParent is supported for sibling keys of the same array elements only');
  }
  const leaf: LeafCheck = (elements) => {
    if (!Array.isArray(elements)) return UNKNOWN;
    for (let i = 0; i < elements.length; i++) {
      const childValue = memberOf(elements[i], childKey, caseInsensitive);
      if (isMissing(childValue) || childValue === null) continue;
      const parentValue = memberOf(elements[i], parentKey, caseInsensitive);
      for (let j = i + 1; j < elements.length; j++) {
        if (memberOf(elements[j], childKey, caseInsensitive) === childValue && memberOf(elements[j], parentKey, caseInsensitive) !== parentValue) {
          return FALSE;
        }
      }
    }
    return TRUE;
  };
  return { columnIndex: context.columnIndex(column), steps: arrayPath, leaf, caseInsensitive };
}

function sameKey(a: string, b: string, caseInsensitive: boolean): boolean {
  return caseInsensitive ? equalsIgnoringAsciiCase(a, b) : a === b;
}

function isFiniteNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

function itemsOf(node: RuleNode): readonly RuleNode[] {
  if (!Array.isArray(node.Items) || node.Items.length === 0) throw new Error(`${String(node.CheckFunction)} without Items`);
  return node.Items;
}

function stringArgument(node: RuleNode, name: string): string {
  const argument = node[name];
  if (typeof argument !== 'string') throw new Error(`${String(node.CheckFunction)} needs a string ${name}, got ${JSON.stringify(argument)}`);
  return argument;
}

function numberArgument(node: RuleNode, name: string): number {
  const argument = node[name];
  if (typeof argument !== 'number') throw new Error(`${String(node.CheckFunction)} needs a number ${name}, got ${JSON.stringify(argument)}`);
  return argument;
}

function stringArrayArgument(node: RuleNode, name: string): readonly string[] {
  const argument = node[name];
  if (!Array.isArray(argument) || !argument.every((item) => typeof item === 'string')) {
    throw new Error(`${String(node.CheckFunction)} needs a string array ${name}`);
  }
  return argument;
}
