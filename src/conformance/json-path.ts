/**
 * The small JSONPath subset the requirements model uses: `$`, then `.Key` and `[*]` steps (`$`, `$.Elements`,
 * `$.Elements[*]`, `$.Elements[*].ContractCommitmentID`). Paths are parsed once at compile time; evaluation walks the
 * already-parsed JSON value of a cell and hands every node the path reaches to a leaf check.
 */
import { FALSE, TRUE, UNKNOWN, type Truth } from './truth.ts';

/**
 * `spelling` is the key as the last object spelled it under case-insensitive matching (initially the key itself): a
 * file spells its keys one way throughout, so later lookups find it directly instead of scanning the object's keys.
 */
export type PathStep = { readonly kind: 'key'; readonly key: string; spelling: string } | { readonly kind: 'each' };

export function parseJsonPath(path: string): readonly PathStep[] {
  if (!path.startsWith('$')) throw new Error(`Unsupported JSON path ${JSON.stringify(path)}: it must start with "$"`);
  const steps: PathStep[] = [];
  const step = /\.([A-Za-z_][A-Za-z0-9_]*)|\[\*\]/y;
  step.lastIndex = 1;
  while (step.lastIndex < path.length) {
    const match = step.exec(path);
    if (match === null) throw new Error(`Unsupported JSON path ${JSON.stringify(path)}`);
    steps.push(match[1] === undefined ? { kind: 'each' } : { kind: 'key', key: match[1], spelling: match[1] });
  }
  return steps;
}

/**
 * Judges one node the path reached. `present` is false when the last step named a key the object lacks (or the node
 * was not an object); a missing key then reads as null for value checks and fails presence and container checks.
 */
export type LeafCheck = (node: unknown, present: boolean, text: readonly (string | null)[], value: readonly unknown[]) => Truth;

/**
 * Applies `leaf` to every node `steps` reach from `node` and combines the results like a Kleene AND: one FALSE fails
 * the whole path, otherwise any UNKNOWN makes it UNKNOWN. A path that cannot be followed before its last step (no
 * such key, or `[*]` over something that is not an array) reaches no nodes: those structural faults belong to the
 * rules about the enclosing structure (for instance "ContractApplied MUST have a top-level key Elements").
 */
export function evaluateJsonPath(
  node: unknown,
  steps: readonly PathStep[],
  stepIndex: number,
  leaf: LeafCheck,
  caseInsensitiveKeys: boolean,
  text: readonly (string | null)[],
  value: readonly unknown[],
): Truth {
  if (stepIndex === steps.length) return leaf(node, true, text, value);
  const step = steps[stepIndex];
  if (step.kind === 'each') {
    if (!Array.isArray(node)) return TRUE;
    let result: Truth = TRUE;
    for (let i = 0; i < node.length; i++) {
      const itemResult = evaluateJsonPath(node[i], steps, stepIndex + 1, leaf, caseInsensitiveKeys, text, value);
      if (itemResult === FALSE) return FALSE;
      if (itemResult === UNKNOWN) result = UNKNOWN;
    }
    return result;
  }
  const child = memberOf(node, step, caseInsensitiveKeys);
  if (child === MISSING) return stepIndex === steps.length - 1 ? leaf(undefined, false, text, value) : TRUE;
  return evaluateJsonPath(child, steps, stepIndex + 1, leaf, caseInsensitiveKeys, text, value);
}

const MISSING = Symbol('missing');

/** The member named by a key step of a JSON object, or MISSING; with `caseInsensitive`, a key equal to it ignoring ASCII case. */
export function memberOf(node: unknown, step: PathStep & { kind: 'key' }, caseInsensitive: boolean): unknown {
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

export function isMissing(member: unknown): boolean {
  return member === MISSING;
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
