/**
 * The CheckFunctions that look inside JSON columns (ContractApplied, AllocatedMethodDetails, Tags, SkuPriceDetails,
 * AllocatedTags): FormatKeyValue, FormatJSON and the JSONCheckPath* / JSONFormat* family. Each is a path into the
 * cell's parsed JSON and a test (a LeafCheck) for the nodes the path reaches; a path over `[*]` holds when the test
 * holds for every element (a Kleene AND, so one FALSE element fails it and an empty array passes).
 */
import type { RuleNode } from './model.ts';
import type { Check, CompileContext } from './checks.ts';
import { FALSE, TRUE, UNKNOWN, truth, type Truth } from './truth.ts';
import { ArrayMembers, compileKeyPath, equalsIgnoringAsciiCase, isMissing, parseJsonPath, type JsonPath, type LeafCheck } from './json-path.ts';
import { isFocusNumeric, isFocusString, isFocusUnit, isJsonObject, isJsonObjectFormat, isKeyValueObject } from './formats.ts';
import { numberArgument, stringArgument, stringArrayArgument } from './arguments.ts';

/** A compiled JSON CheckFunction, or undefined when `node` is not one. */
export function compileJsonCheckFunction(node: RuleNode, context: CompileContext): Check | undefined {
  if (node.CheckFunction === 'JSONCheckPathDistinctParent') return compileDistinctParent(node, context);
  const pathCheck = pathCheckOf(node, context);
  if (pathCheck === undefined) return undefined;
  const { columnIndex, path, leaf, caseInsensitive } = pathCheck;
  if (!path.elements) {
    const walk = compileKeyPath(path.keys, leaf, caseInsensitive);
    return (text, value) => (text[columnIndex] === null ? UNKNOWN : walk(value[columnIndex], text, value));
  }
  const element = elementCheckOf(pathCheck, context);
  const rowCounter = context.rowCounter;
  return (text, value) => {
    if (text[columnIndex] === null) return UNKNOWN;
    const count = element.members.load(value[columnIndex], rowCounter.count);
    let result: Truth = TRUE;
    for (let i = 0; i < count; i++) {
      const itemResult = testElement(element, i, text, value);
      if (itemResult === FALSE) return FALSE;
      if (itemResult === UNKNOWN) result = UNKNOWN;
    }
    return result;
  };
}

/**
 * A rule whose Condition and Requirement both look inside the elements of the same JSON array ("AppliedCost MUST NOT
 * be null when AppliedQuantity is null") is a statement about each element, so it is checked element by element
 * rather than as "all elements meet the condition, therefore all must meet the requirement". Returns undefined when
 * the pair does not have that shape.
 */
export function compileElementwise(condition: RuleNode, requirement: RuleNode, context: CompileContext): Check | undefined {
  const conditionCheck = pathCheckOf(condition, context);
  const requirementCheck = pathCheckOf(requirement, context);
  if (conditionCheck?.path.elements !== true || requirementCheck?.path.elements !== true) return undefined;
  const conditionElement = elementCheckOf(conditionCheck, context);
  const requirementElement = elementCheckOf(requirementCheck, context);
  if (conditionElement.members !== requirementElement.members) return undefined;
  const { columnIndex } = requirementCheck;
  const { members } = requirementElement;
  const rowCounter = context.rowCounter;
  return (text, value) => {
    if (text[columnIndex] === null) return UNKNOWN;
    const count = members.load(value[columnIndex], rowCounter.count);
    let result: Truth = TRUE;
    for (let i = 0; i < count; i++) {
      if (testElement(conditionElement, i, text, value) !== TRUE) continue;
      const itemResult = testElement(requirementElement, i, text, value);
      if (itemResult === FALSE) return FALSE;
      if (itemResult === UNKNOWN) result = UNKNOWN;
    }
    return result;
  };
}

interface PathCheck {
  readonly columnIndex: number;
  readonly path: JsonPath;
  readonly leaf: LeafCheck;
  readonly caseInsensitive: boolean;
}

/** A check on `<array>[*]` (slot -1, the element itself) or on `<array>[*].<key>` (the key's slot). */
interface ElementCheck {
  readonly members: ArrayMembers;
  readonly slot: number;
  readonly leaf: LeafCheck;
}

function elementCheckOf({ columnIndex, path, leaf, caseInsensitive }: PathCheck, context: CompileContext): ElementCheck {
  const members = context.arrayMembers(columnIndex, path.keys, caseInsensitive);
  return { members, slot: path.member === undefined ? -1 : members.slotOf(path.member), leaf };
}

function testElement({ members, slot, leaf }: ElementCheck, index: number, text: readonly (string | null)[], value: readonly unknown[]): Truth {
  const node = members.member(index, slot);
  return isMissing(node) ? leaf(undefined, false, text, value) : leaf(node, true, text, value);
}

function pathCheckOf(node: RuleNode, context: CompileContext): PathCheck | undefined {
  const check = (columnArgument: string, path: string, leaf: (caseInsensitive: boolean) => LeafCheck): PathCheck => {
    const column = stringArgument(node, columnArgument);
    const caseInsensitive = context.caseInsensitiveKeys(column);
    return { columnIndex: context.columnIndex(column), path: parseJsonPath(path), leaf: leaf(caseInsensitive), caseInsensitive };
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
      return (node, present) => (!present || node === null ? UNKNOWN : truth(typeof node === 'number' && Number.isFinite(node)));
    default:
      throw new Error(`Unsupported JSONCheckPathType ExpectedType ${expectedType}`);
  }
}

/** A missing key reads as null, like an absent column; a comparison with null is UNKNOWN, as for cells. */
function valueLeaf(expected: unknown, equal: boolean): LeafCheck {
  if (expected === null) {
    return equal ? (node, present) => truth(!present || node === null) : (node, present) => truth(present && node !== null);
  }
  return equal
    ? (node, present) => (!present || node === null ? UNKNOWN : truth(node === expected))
    : (node, present) => (!present || node === null ? TRUE : truth(node !== expected));
}

/** Bounds the memory of keysStartWithLeaf on files that invent new keys on every row. */
const MAX_REMEMBERED_KEYS = 1000;

function keysStartWithLeaf(prefix: string, ignoredKeys: readonly string[], caseInsensitive: boolean): LeafCheck {
  // Whether a key is exempt, remembered per spelling: a file uses a handful of spellings over and over.
  const exempt = new Map<string, boolean>();
  return (node) => {
    if (!isJsonObject(node)) return UNKNOWN;
    for (const key in node) {
      if (key.startsWith(prefix)) continue;
      let isExempt = exempt.get(key);
      if (isExempt === undefined) {
        isExempt = ignoredKeys.some((ignored) => (caseInsensitive ? equalsIgnoringAsciiCase(key, ignored) : key === ignored));
        if (exempt.size < MAX_REMEMBERED_KEYS) exempt.set(key, isExempt);
      }
      if (!isExempt) return FALSE;
    }
    return TRUE;
  };
}

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
 * child must name the same parent. Both paths must be `<array>[*].<key>` over the same array.
 */
function compileDistinctParent(node: RuleNode, context: CompileContext): Check {
  if (numberArgument(node, 'ExpectedCount') !== 1) throw new Error('JSONCheckPathDistinctParent is supported with ExpectedCount 1 only');
  const column = stringArgument(node, 'ColumnName');
  const columnIndex = context.columnIndex(column);
  const caseInsensitive = context.caseInsensitiveKeys(column);
  const child = parseJsonPath(stringArgument(node, 'ChildPath'));
  const parent = parseJsonPath(stringArgument(node, 'ParentPath'));
  const members = context.arrayMembers(columnIndex, child.keys, caseInsensitive);
  if (child.member === undefined || parent.member === undefined || members !== context.arrayMembers(columnIndex, parent.keys, caseInsensitive)) {
    throw new Error('JSONCheckPathDistinctParent is supported for two keys of the elements of one array only');
  }
  const childSlot = members.slotOf(child.member);
  const parentSlot = members.slotOf(parent.member);
  const rowCounter = context.rowCounter;
  return (text, value) => {
    if (text[columnIndex] === null) return UNKNOWN;
    const count = members.load(value[columnIndex], rowCounter.count);
    for (let i = 0; i < count; i++) {
      const childValue = members.member(i, childSlot);
      if (isMissing(childValue) || childValue === null) continue;
      for (let j = i + 1; j < count; j++) {
        if (members.member(j, childSlot) === childValue && members.member(j, parentSlot) !== members.member(i, parentSlot)) return FALSE;
      }
    }
    return TRUE;
  };
}
