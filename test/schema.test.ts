import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { COST_AND_USAGE_COLUMNS, CONTRACT_COMMITMENT_COLUMNS, columnsOf, type DatasetId } from '../src/focus/columns.ts';
import { renderPrismaSchema } from '../src/db/prisma-schema.ts';
import { pendingSchemaChange } from '../src/db/migrate.ts';
import { PROJECT_ROOT, tempDatabase } from './helpers.ts';

const RULES_DIR = path.join(PROJECT_ROOT, 'vendor/focus-requirements-model-1.3/model_rules/datasets');

interface Rule {
  Function: string;
  Type: string;
  ApplicabilityCriteria: string[];
  ValidationCriteria: { MustSatisfy: string; Requirement: { CheckFunction?: string; Value?: unknown; Items?: { CheckFunction: string; Value: unknown }[] }; Condition: object };
}

function rulesFor(dataset: DatasetId, column: string): Record<string, Rule> {
  const folder = dataset === 'CostAndUsage' ? 'cost_and_usage' : 'contract_commitment';
  return JSON.parse(readFileSync(path.join(RULES_DIR, folder, 'columns', `${column.toLowerCase()}.json`), 'utf8'));
}

describe('the column catalog', () => {
  it('has the 65 Cost and Usage and 13 Contract Commitment columns of FOCUS 1.3, each once', () => {
    expect(COST_AND_USAGE_COLUMNS).toHaveLength(65);
    expect(CONTRACT_COMMITMENT_COLUMNS).toHaveLength(13);
    for (const dataset of ['CostAndUsage', 'ContractCommitment'] as const) {
      const folder = dataset === 'CostAndUsage' ? 'cost_and_usage' : 'contract_commitment';
      const ruleFiles = readdirSync(path.join(RULES_DIR, folder, 'columns')).map((file) => file.replace('.json', ''));
      expect(columnsOf(dataset).map((c) => c.name.toLowerCase()).sort()).toEqual(ruleFiles.sort());
    }
  });

  it('agrees with the FOCUS requirements model on feature level, allowed values and nullability', () => {
    const levels = { M: 'Mandatory', C: 'Conditional', O: 'Recommended' };
    for (const column of [...COST_AND_USAGE_COLUMNS, ...CONTRACT_COMMITMENT_COLUMNS]) {
      const rules = rulesFor(column.dataset, column.name);
      const composite = Object.keys(rules).find((id) => /-C-000-[MCO]$/.test(id))!;
      expect(column.featureLevel, column.name).toBe(levels[composite.at(-1) as 'M' | 'C' | 'O']);
      const notNull = Object.values(rules).some(
        (rule) =>
          rule.Type === 'Static' &&
          rule.Function === 'Nullability' &&
          rule.ApplicabilityCriteria.length === 0 &&
          Object.keys(rule.ValidationCriteria.Condition).length === 0 &&
          rule.ValidationCriteria.Requirement.CheckFunction === 'CheckNotValue' &&
          rule.ValidationCriteria.Requirement.Value === null,
      );
      expect(column.nullable, column.name).toBe(!notNull);
      const allowed = Object.values(rules).find((rule) => rule.ValidationCriteria.MustSatisfy.includes('one of the allowed values'));
      // Errata 1.3.0.1: the model lists the wrong CommitmentDiscountStatus values.
      if (allowed && column.name !== 'CommitmentDiscountStatus') {
        const values = allowed.ValidationCriteria.Requirement.Items!.map((item) => item.Value);
        expect([...column.allowedValues!].sort(), column.name).toEqual([...values].sort());
      }
    }
  });

  it('drives the database tables: one column per catalog column, with its type', async () => {
    const database = await tempDatabase();
    const types = { string: 'TEXT', decimal: 'DECIMAL', datetime: 'DATETIME', json: 'JSONB' };
    for (const [table, columns] of [
      ['cost_records', COST_AND_USAGE_COLUMNS],
      ['commitments', CONTRACT_COMMITMENT_COLUMNS],
    ] as const) {
      const stored = new Map((database.db.prepare(`PRAGMA table_info(${table})`).all() as { name: string; type: string; notnull: number }[]).map((c) => [c.name, c]));
      for (const column of columns) {
        expect(stored.get(column.dbColumn), column.name).toMatchObject({ type: types[column.type], notnull: column.essential ? 1 : 0 });
      }
    }
    database.close();
  });
});

describe('schema files', () => {
  it('prisma/schema.prisma is the rendering of the catalog (run `npm run db:schema` after changing it)', () => {
    expect(readFileSync(path.join(PROJECT_ROOT, 'prisma/schema.prisma'), 'utf8')).toBe(renderPrismaSchema());
  });

  it('the migrations folder produces exactly prisma/schema.prisma (run `npm run db:migration -- <name>`)', async () => {
    expect(await pendingSchemaChange()).toBe('');
  });
});
