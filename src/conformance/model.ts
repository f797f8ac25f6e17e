/**
 * Loads the FinOps Foundation's FOCUS 1.3 requirements model (vendor/focus-requirements-model-1.3): one JSON file per
 * column, object, dataset or attribute under `model_rules/`, each mapping rule ids to rules. The files are read once,
 * synchronously, on first use; the conformance engine compiles what it needs from the result.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

/** A node of a rule's Requirement or Condition tree: `{ CheckFunction, ...arguments }`, or `Items` for AND/OR. */
export interface RuleNode {
  readonly CheckFunction?: string;
  readonly Items?: readonly RuleNode[];
  readonly [argument: string]: unknown;
}

export type RuleKeyword = 'MUST' | 'MUST NOT' | 'SHOULD' | 'SHOULD NOT' | 'RECOMMENDED' | 'NOT RECOMMENDED' | 'MAY' | 'OPTIONAL';

export interface ModelRule {
  readonly Function: 'Composite' | 'Type' | 'Format' | 'Nullability' | 'Validation' | 'Presence';
  readonly EntityType: 'Dataset' | 'Column' | 'Attribute' | 'Object';
  readonly EntityId: string;
  readonly Reference: string;
  readonly Status: 'Active' | 'Deprecated' | 'Removed';
  readonly ApplicabilityCriteria: readonly string[];
  readonly Type: 'Static' | 'Dynamic';
  /** Absent on attribute rules, which apply to every dataset. */
  readonly DatasetId?: string;
  readonly ValidationCriteria: {
    readonly MustSatisfy: string;
    readonly Keyword: RuleKeyword;
    /** `{}` (or null) when the rule has no machine-readable check, which is the case for Dynamic rules. */
    readonly Requirement: RuleNode | null;
    /** `{}` (or null) when the requirement applies to every row. */
    readonly Condition: RuleNode | null;
    readonly Dependencies: readonly string[];
  };
}

export interface RequirementsModel {
  readonly rules: ReadonlyMap<string, ModelRule>;
  /** Ids of the Active or Deprecated composites that list a rule among their items (CheckModelRule), by rule id. */
  readonly parents: ReadonlyMap<string, readonly string[]>;
}

const MODEL_DIRECTORY = fileURLToPath(new URL('../../vendor/focus-requirements-model-1.3/', import.meta.url));

/** The node, or null for `{}`: the model writes "no check here" both ways. */
export function nonEmptyNode(node: RuleNode | null): RuleNode | null {
  return node === null || Object.keys(node).length === 0 ? null : node;
}

let cachedModel: RequirementsModel | undefined;

export function loadRequirementsModel(): RequirementsModel {
  cachedModel ??= readModel();
  return cachedModel;
}

function readModel(): RequirementsModel {
  const rulesDirectory = path.join(MODEL_DIRECTORY, 'model_rules');
  const files = readdirSync(rulesDirectory, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.json'))
    .sort();
  const rules = new Map<string, ModelRule>();
  for (const file of files) {
    const entries = JSON.parse(readFileSync(path.join(rulesDirectory, file), 'utf8')) as Record<string, ModelRule>;
    for (const [id, rule] of Object.entries(entries)) {
      if (rules.has(id)) throw new Error(`FOCUS requirements model: rule ${id} is defined twice (again in ${file})`);
      rules.set(id, rule);
    }
  }

  const parents = new Map<string, string[]>();
  for (const [id, rule] of rules) {
    if (rule.Function !== 'Composite' || rule.Status === 'Removed') continue;
    for (const childId of referencedRuleIds(rule.ValidationCriteria.Requirement)) {
      if (!rules.has(childId)) throw new Error(`FOCUS requirements model: ${id} refers to unknown rule ${childId}`);
      const list = parents.get(childId) ?? [];
      list.push(id);
      parents.set(childId, list);
    }
  }
  return { rules, parents };
}

/** Rule ids named by the CheckModelRule nodes of a tree. */
function referencedRuleIds(node: RuleNode | null): string[] {
  const tree = nonEmptyNode(node);
  if (tree === null) return [];
  if (tree.CheckFunction === 'CheckModelRule') return [String(tree.ModelRuleId)];
  return (tree.Items ?? []).flatMap(referencedRuleIds);
}
