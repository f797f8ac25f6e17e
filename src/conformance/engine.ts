/**
 * The conformance engine: checks parsed rows against the FinOps Foundation's machine-readable FOCUS 1.3 rules.
 *
 * Which rules: the Static leaf rules (not Composite) of the dataset, Active or Deprecated, with no
 * ApplicabilityCriteria of their own (those depend on provider feature flags the data does not carry), keyword MUST or
 * MUST NOT (severity ERROR) or SHOULD, SHOULD NOT, RECOMMENDED, NOT RECOMMENDED (WARNING). MAY/OPTIONAL and Dynamic
 * rules are not checked, nor rules that compare rows with each other (checks.ts, DATASET_WIDE_FUNCTIONS), nor the
 * corrections and exclusions listed in errata.ts.
 *
 * Composites group rules, and a composite's Condition scopes everything under it ("When ChargeCategory is Usage and
 * CommitmentDiscountStatus is not Unused: ConsumedQuantity MUST NOT be null when ChargeClass is not Correction"), so a
 * leaf applies when its own Condition and those of all the composites above it hold. A composite's
 * ApplicabilityCriteria are not inherited: a column that is present shows its feature is supported, and the content
 * rules of a present column apply.
 *
 * Presence rules ("BillingAccountId MUST be present") are checked once per file by checkColumns; every other rule is
 * compiled into a closure and checked per row, and only when every column it mentions is present in the file.
 */
import { columnsOf, type DatasetId } from '../focus/columns.ts';
import { CASE_INSENSITIVE_KEY_COLUMNS, RULE_ERRATA } from './errata.ts';
import { loadRequirementsModel, nonEmptyNode, type ModelRule, type RuleKeyword, type RuleNode } from './model.ts';
import { DATASET_WIDE_FUNCTIONS, alwaysHolds, compileCheck, type Check, type CompileContext } from './checks.ts';
import { compileElementwise } from './json-checks.ts';
import { ArrayMembers } from './json-path.ts';
import { FALSE, TRUE } from './truth.ts';

export interface ParsedRow {
  /** Raw cell text per catalog column index (columnsOf(dataset) order), null when the cell is null or the column is absent. */
  text: (string | null)[];
  /** Typed value per catalog index: number for decimal, epoch milliseconds (number) for datetime, parsed JSON value for json, string for string; null when null. */
  value: unknown[];
}

export type Severity = 'ERROR' | 'WARNING';

export interface RuleInfo {
  id: string;
  severity: Severity;
  /** The rule's MustSatisfy text. */
  message: string;
  /** The catalog column the rule is about, or null when it is not about one column. */
  column: string | null;
}

export interface ConformanceChecker {
  /** Every rule this checker evaluates: the presence rules and the row rules whose columns are all present. */
  readonly rules: ReadonlyMap<string, RuleInfo>;
  /** Column-presence (dataset "D" Presence rules) given the catalog column names the file has; returns violated rule ids. */
  checkColumns(present: ReadonlySet<string>): string[];
  /** Evaluates the row-level rules; calls report(ruleId, columnIndex) for each violated rule (columnIndex = catalog index of the rule's column, or -1). */
  checkRow(row: ParsedRow, report: (ruleId: string, columnIndex: number) => void): void;
}

const SEVERITY_OF_KEYWORD: Readonly<Record<RuleKeyword, Severity | undefined>> = {
  MUST: 'ERROR',
  'MUST NOT': 'ERROR',
  SHOULD: 'WARNING',
  'SHOULD NOT': 'WARNING',
  RECOMMENDED: 'WARNING',
  'NOT RECOMMENDED': 'WARNING',
  MAY: undefined,
  OPTIONAL: undefined,
};

/** A leaf rule chosen for checking, with errata applied. */
interface SelectedRule {
  readonly info: RuleInfo;
  readonly requirement: RuleNode;
  /** The rule's own Condition, or null. */
  readonly condition: RuleNode | null;
  /** Conditions of the composites above the rule, outermost first. */
  readonly inheritedConditions: readonly RuleNode[];
  /** Every column the rule (requirement and all conditions) mentions. */
  readonly columns: ReadonlySet<string>;
}

interface DatasetRules {
  /** The ColumnPresent rules, each about one column. */
  readonly presence: readonly (RuleInfo & { readonly column: string })[];
  readonly row: readonly SelectedRule[];
}

const rulesByDataset = new Map<DatasetId, DatasetRules>();

export function compileConformance(dataset: DatasetId, present: ReadonlySet<string>): ConformanceChecker {
  const catalog = columnsOf(dataset);
  const indexOfColumn = new Map(catalog.map((column, index) => [column.name, index]));
  const { presence, row } = datasetRules(dataset);

  const rowCounter = { count: 0 };
  const arrayMembers = new Map<string, ArrayMembers>();
  const context: CompileContext = {
    columnIndex(column) {
      const index = indexOfColumn.get(column);
      if (index === undefined) throw new Error(`FOCUS requirements model names ${column}, which is not a ${dataset} column`);
      return index;
    },
    caseInsensitiveKeys: (column) => CASE_INSENSITIVE_KEY_COLUMNS.has(column),
    modelRule: (id) => compileRuleHolds(id, context),
    arrayMembers(columnIndex, keys, caseInsensitive) {
      const key = [columnIndex, ...keys.map((step) => step.key)].join('.');
      let members = arrayMembers.get(key);
      if (members === undefined) {
        members = new ArrayMembers(keys, caseInsensitive);
        arrayMembers.set(key, members);
      }
      return members;
    },
    rowCounter,
  };

  const rules = new Map<string, RuleInfo>(presence.map((rule) => [rule.id, rule]));
  // Rules that share a condition (everything under "When ContractApplied is not null", say) form one group, whose
  // condition is evaluated once per row; within a group, rules with the same requirement share one evaluation.
  const groups = new Map<string, { condition: Check | null; requirements: Map<string, RequirementCheck> }>();
  for (const rule of row) {
    if (![...rule.columns].every((column) => present.has(column))) continue;
    rules.set(rule.info.id, rule.info);
    const elementwise = rule.condition === null ? undefined : compileElementwise(rule.condition, rule.requirement, context);
    const conditions = [...rule.inheritedConditions, ...(elementwise === undefined && rule.condition !== null ? [rule.condition] : [])];
    const conditionKey = JSON.stringify(conditions);
    const requirementKey = JSON.stringify(elementwise === undefined ? [rule.requirement] : [rule.condition, rule.requirement]);
    let group = groups.get(conditionKey);
    if (group === undefined) {
      const condition = conditions.length === 0 ? null : compileCheck({ CheckFunction: 'AND', Items: conditions }, context);
      group = { condition, requirements: new Map() };
      groups.set(conditionKey, group);
    }
    let requirement = group.requirements.get(requirementKey);
    if (requirement === undefined) {
      requirement = { check: elementwise ?? compileCheck(rule.requirement, context), ruleIds: [], columnIndexes: [] };
      group.requirements.set(requirementKey, requirement);
    }
    requirement.ruleIds.push(rule.info.id);
    requirement.columnIndexes.push(rule.info.column === null ? -1 : context.columnIndex(rule.info.column));
  }
  // TypeString cannot fail on text cells: its rules count as evaluated but cost nothing per row.
  const rowGroups: RuleGroup[] = [...groups.values()]
    .map(({ condition, requirements }) => ({ condition, requirements: [...requirements.values()].filter(({ check }) => check !== alwaysHolds) }))
    .filter(({ requirements }) => requirements.length > 0);

  return {
    rules,
    checkColumns(presentColumns) {
      return presence.filter((rule) => !presentColumns.has(rule.column)).map((rule) => rule.id);
    },
    checkRow({ text, value }, report) {
      rowCounter.count++;
      for (let g = 0; g < rowGroups.length; g++) {
        const { condition, requirements } = rowGroups[g];
        if (condition !== null && condition(text, value) !== TRUE) continue;
        for (let r = 0; r < requirements.length; r++) {
          const requirement = requirements[r];
          if (requirement.check(text, value) !== FALSE) continue;
          for (let i = 0; i < requirement.ruleIds.length; i++) report(requirement.ruleIds[i], requirement.columnIndexes[i]);
        }
      }
    },
  };
}

interface RequirementCheck {
  readonly check: Check;
  readonly ruleIds: string[];
  readonly columnIndexes: number[];
}

interface RuleGroup {
  readonly condition: Check | null;
  readonly requirements: readonly RequirementCheck[];
}

/** "Rule `id` holds" for a CheckModelRule node: its Condition is not TRUE, or its Requirement is not FALSE. */
function compileRuleHolds(id: string, context: CompileContext): Check {
  const rule = modelRule(id);
  const requirement = requirementOf(id, rule);
  if (requirement === null) throw new Error(`CheckModelRule ${id}: the rule has no machine-readable requirement`);
  const check = compileCheck(requirement, context);
  const condition = conditionOf(id, rule);
  if (condition === null) return check;
  const applies = compileCheck(condition, context);
  return (text, value) => (applies(text, value) === TRUE ? check(text, value) : TRUE);
}

function datasetRules(dataset: DatasetId): DatasetRules {
  let selected = rulesByDataset.get(dataset);
  if (selected === undefined) {
    selected = selectRules(dataset);
    rulesByDataset.set(dataset, selected);
  }
  return selected;
}

function selectRules(dataset: DatasetId): DatasetRules {
  const catalogNames = new Set(columnsOf(dataset).map((column) => column.name));
  const presence: (RuleInfo & { readonly column: string })[] = [];
  const row: SelectedRule[] = [];
  for (const [id, rule] of loadRequirementsModel().rules) {
    const severity = SEVERITY_OF_KEYWORD[rule.ValidationCriteria.Keyword];
    if (
      rule.DatasetId !== dataset ||
      rule.Status === 'Removed' ||
      rule.Type !== 'Static' ||
      rule.Function === 'Composite' ||
      rule.ApplicabilityCriteria.length > 0 ||
      severity === undefined ||
      RULE_ERRATA.get(id)?.skip === true
    ) {
      continue;
    }
    const requirement = requirementOf(id, rule);
    if (requirement === null) throw new Error(`FOCUS requirements model: Static rule ${id} has no Requirement`);
    const functions = checkFunctionsOf(requirement);
    if (functions.some((name) => DATASET_WIDE_FUNCTIONS.has(name))) continue;

    const condition = conditionOf(id, rule);
    const inheritedConditions = ancestorConditions(id);
    // The column a finding is filed under: the rule's entity, or for object rules (ContractAppliedObject) the JSON column.
    const column = catalogNames.has(rule.EntityId) ? rule.EntityId : (columnsOfNode(requirement).find((name) => catalogNames.has(name)) ?? null);
    const info: RuleInfo = { id, severity, message: rule.ValidationCriteria.MustSatisfy, column };

    if (functions.includes('ColumnPresent')) {
      if (requirement.CheckFunction !== 'ColumnPresent' || column === null || condition !== null || inheritedConditions.length > 0) {
        throw new Error(`FOCUS requirements model: ${id} mixes ColumnPresent with other checks`);
      }
      presence.push({ ...info, column });
    } else {
      const columns = new Set([requirement, condition, ...inheritedConditions].flatMap((node) => columnsOfNode(node)));
      row.push({ info, requirement, condition, inheritedConditions, columns });
    }
  }
  return { presence, row };
}

function modelRule(id: string): ModelRule {
  const rule = loadRequirementsModel().rules.get(id);
  if (rule === undefined) throw new Error(`FOCUS requirements model has no rule ${id}`);
  return rule;
}

/** The rule's Requirement with errata applied; null when it has none. */
function requirementOf(id: string, rule: ModelRule): RuleNode | null {
  return nonEmptyNode(RULE_ERRATA.get(id)?.requirement ?? rule.ValidationCriteria.Requirement);
}

/** The rule's own Condition with errata applied; null when it has none. */
function conditionOf(id: string, rule: ModelRule): RuleNode | null {
  const condition = nonEmptyNode(RULE_ERRATA.get(id)?.condition ?? rule.ValidationCriteria.Condition);
  if (condition === null) return null;
  // A non-empty Condition without a CheckFunction is malformed, not "no condition"; it needs an erratum.
  if (condition.CheckFunction === undefined) throw new Error(`FOCUS requirements model: ${id} has a Condition without a CheckFunction`);
  return condition;
}

/** Conditions of the composites that contain the rule, outermost first. */
function ancestorConditions(id: string): RuleNode[] {
  const parents = loadRequirementsModel().parents.get(id) ?? [];
  if (parents.length === 0) return [];
  if (parents.length > 1) throw new Error(`FOCUS requirements model: ${id} belongs to several composites (${parents.join(', ')})`);
  const [parentId] = parents;
  const parentCondition = conditionOf(parentId, modelRule(parentId));
  return [...ancestorConditions(parentId), ...(parentCondition === null ? [] : [parentCondition])];
}

function checkFunctionsOf(node: RuleNode): string[] {
  return [String(node.CheckFunction), ...(node.Items ?? []).flatMap(checkFunctionsOf)];
}

/** The columns a tree mentions, following CheckModelRule references. */
function columnsOfNode(node: RuleNode | null): string[] {
  if (node === null) return [];
  if (node.CheckFunction === 'CheckModelRule') {
    const id = String(node.ModelRuleId);
    const rule = modelRule(id);
    return [...columnsOfNode(requirementOf(id, rule)), ...columnsOfNode(conditionOf(id, rule))];
  }
  const own = ['ColumnName', 'ColumnAName', 'ColumnBName', 'ResultColumnName'].flatMap((argument) => {
    const column = node[argument];
    return typeof column === 'string' ? [column] : [];
  });
  return [...own, ...(node.Items ?? []).flatMap(columnsOfNode)];
}
