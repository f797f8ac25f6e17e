/**
 * The JSONPath subset the requirements model uses: `$`, then `.Key` steps, then optionally `[*]` and one more `.Key`
 * (`$`, `$.Elements`, `$.Elements[*]`, `$.Elements[*].ContractCommitmentID`). Paths are parsed once at compile time and
 * evaluated over the already-parsed JSON value of a cell.
 */
import { TRUE, type Truth } from './truth.ts';

/**
 * `spelling` is the key as the last object spelled it under case-insensitive matching (initially the key itself): a
 * file spells its keys one way throughout, so later lookups find it directly instead of scanning the object's keys.
 */
export interface KeyStep {
  readonly key: string;
  spelling: string;
}

export interface JsonPath {
  /** The keys from the root (`$.A.B`); none for `$`. */
  readonly keys: readonly KeyStep[];
  /** `[*]` follows the keys: the path reaches every element of the array there. */
  readonly elements: boolean;
  /** The `.Key` after `[*]`: the path reaches that member of every element. */
  readonly member: KeyStep | undefined;
}

const JSON_PATH = /^\$((?:\.[A-Za-z_][A-Za-z0-9_]*)*)(?:(\[\*\])(?:\.([A-Za-z_][A-Za-z0-9_]*))?)?$/;

export function parseJsonPath(path: string): JsonPath {
  const match = JSON_PATH.exec(path);
  if (match === null) throw new Error(`Unsupported JSON path ${JSON.stringify(path)}`);
  const keyStep = (key: string): KeyStep => ({ key, spelling: key });
  return {
    keys: match[1].split('.').slice(1).map(keyStep),
    elements: match[2] !== undefined,
    member: match[3] === undefined ? undefined : keyStep(match[3]),
  };
}

/**
 * Judges one node a path reached. `present` is false when the path's last key is missing from its object (or the
 * node there is not an object); a missing key then reads as null for value checks and fails presence and container
 * checks.
 */
export type LeafCheck = (node: unknown, present: boolean, text: readonly (string | null)[], value: readonly unknown[]) => Truth;

export type PathWalker = (root: unknown, text: readonly (string | null)[], value: readonly unknown[]) => Truth;

/**
 * Applies `leaf` to the node at `keys` from the root. When a key before the last is missing the path reaches nothing
 * and the answer is TRUE: that structural fault belongs to the rules about the enclosing structure (for instance
 * "ContractApplied MUST have a top-level key Elements").
 */
export function compileKeyPath(keys: readonly KeyStep[], leaf: LeafCheck, caseInsensitive: boolean): PathWalker {
  return (root, text, value) => {
    let node = root;
    for (let i = 0; i < keys.length; i++) {
      const child = memberOf(node, keys[i], caseInsensitive);
      if (child === MISSING) return i === keys.length - 1 ? leaf(undefined, false, text, value) : TRUE;
      node = child;
    }
    return leaf(node, true, text, value);
  };
}

/**
 * The elements of the array at one path of a JSON column, with the members that rules look at, read once per row
 * and shared by every rule on `<path>[*]` or `<path>[*].<key>`. ContractApplied has some thirty such rules over five
 * keys; reading each key once per element rather than once per rule and element keeps rows with contract
 * commitments cheap. A path that does not lead to an array has no elements, which leaves those rules nothing to check.
 */
export class ArrayMembers {
  readonly #keys: readonly KeyStep[];
  readonly #caseInsensitive: boolean;
  readonly #memberKeys: KeyStep[] = [];
  #loadedRow = -1;
  #elements: readonly unknown[] = [];
  /** Member `slot` of element `i` at `i * memberKeys.length + slot`; the array is reused from row to row. */
  readonly #members: unknown[] = [];

  constructor(keys: readonly KeyStep[], caseInsensitive: boolean) {
    this.#keys = keys;
    this.#caseInsensitive = caseInsensitive;
  }

  /** The slot of a member key; slots are registered while rules are compiled, before any row is loaded. */
  slotOf(member: KeyStep): number {
    const existing = this.#memberKeys.findIndex((key) => key.key === member.key);
    if (existing >= 0) return existing;
    this.#memberKeys.push(member);
    return this.#memberKeys.length - 1;
  }

  /** Reads the array out of a cell's parsed JSON, once per row (`row` changes with every row); returns its length. */
  load(root: unknown, row: number): number {
    if (this.#loadedRow === row) return this.#elements.length;
    this.#loadedRow = row;
    let node = root;
    for (const key of this.#keys) node = memberOf(node, key, this.#caseInsensitive);
    this.#elements = Array.isArray(node) ? node : [];
    const slots = this.#memberKeys.length;
    for (let i = 0; i < this.#elements.length; i++) {
      for (let slot = 0; slot < slots; slot++) {
        this.#members[i * slots + slot] = memberOf(this.#elements[i], this.#memberKeys[slot], this.#caseInsensitive);
      }
    }
    return this.#elements.length;
  }

  /** Member `slot` of element `index` of the loaded row, or MISSING (see isMissing); slot -1 is the element itself. */
  member(index: number, slot: number): unknown {
    return slot < 0 ? this.#elements[index] : this.#members[index * this.#memberKeys.length + slot];
  }
}

const MISSING = Symbol('missing');

export function isMissing(member: unknown): boolean {
  return member === MISSING;
}

/** The member of a JSON object named by a key step, or MISSING; with `caseInsensitive`, a key equal to it ignoring ASCII case. */
function memberOf(node: unknown, step: KeyStep, caseInsensitive: boolean): unknown {
  if (typeof node !== 'object' || node === null || Array.isArray(node)) return MISSING;
  const record = node as Record<string, unknown>;
  // The remembered spelling first: looking up a key an object lacks is several times slower than finding one.
  const member = ownJsonMember(record, step.spelling);
  if (member !== MISSING || !caseInsensitive) return member;
  if (step.spelling !== step.key) {
    const exact = ownJsonMember(record, step.key);
    if (exact !== MISSING) return exact;
  }
  for (const candidate in record) {
    if (equalsIgnoringAsciiCase(candidate, step.key)) {
      step.spelling = candidate;
      return record[candidate];
    }
  }
  return MISSING;
}

/**
 * A member of a parsed JSON object, or MISSING. A plain property read is several times faster than Object.hasOwn; JSON
 * values are never undefined or functions, so those can only come from a missing key or Object.prototype.
 */
function ownJsonMember(record: Record<string, unknown>, key: string): unknown {
  const member = record[key];
  return member === undefined || typeof member === 'function' ? MISSING : member;
}

export function equalsIgnoringAsciiCase(a: string, b: string): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    if (x >= 65 && x <= 90) x += 32;
    if (y >= 65 && y <= 90) y += 32;
    if (x !== y) return false;
  }
  return true;
}
