/**
 * Rows of the Prisma models read with hand-written SQL on the raw connection, shaped as Prisma returns them (field
 * names, Date, Decimal, parsed JSON). Reads that must honour a key's scope go through the raw connection, whose
 * tables a scoped connection replaces with views (src/auth/scope.ts); Prisma's own queries name `main.` tables and
 * would see past them. The field and column names come from the rendered Prisma schema, so they cannot drift.
 */
import { Prisma } from '../generated/prisma/client.ts';
import { renderPrismaSchema } from './prisma-schema.ts';
import type { SqliteDatabase } from './sqlite.ts';

interface ModelField {
  field: string;
  column: string;
  type: string;
}

interface Model {
  table: string;
  fields: ModelField[];
}

function parseModels(schema: string): Map<string, Model> {
  const models = new Map<string, Model>();
  const blocks = [...schema.matchAll(/^model (\w+) \{([\s\S]*?)^\}/gm)];
  const names = new Set(blocks.map((block) => block[1]));
  for (const [, name, body] of blocks) {
    const fields: ModelField[] = [];
    let table = name;
    for (const line of body.split('\n')) {
      const tableMap = /^\s*@@map\("([^"]+)"\)/.exec(line);
      if (tableMap) table = tableMap[1];
      const field = /^\s*(\w+)\s+(\w+)(\?|\[\])?/.exec(line);
      if (!field || line.trim().startsWith('//') || line.trim().startsWith('@@') || names.has(field[2])) continue;
      fields.push({ field: field[1], type: field[2], column: /@map\("([^"]+)"\)/.exec(line)?.[1] ?? field[1] });
    }
    models.set(name, { table, fields });
  }
  return models;
}

const MODELS = parseModels(renderPrismaSchema());

function convert(type: string, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  switch (type) {
    case 'DateTime':
      return new Date(value as number);
    case 'Decimal':
      return new Prisma.Decimal(String(value));
    case 'Json':
      return JSON.parse(value as string);
    case 'Boolean':
      return value === 1 || value === true;
    default:
      return value;
  }
}

export type ModelName = 'BillingAccount' | 'SubAccount' | 'Commitment' | 'Family' | 'FamilyMember' | 'ContractApplication' | 'IngestBatch' | 'ConformanceFinding';

/**
 * The rows of a model's table that match `where` (SQL over the table's own name, with `?` parameters), as Prisma
 * would return them, ordered by `orderBy` (SQL) when given.
 */
export function modelRows<T>(db: SqliteDatabase, model: ModelName, where: string, params: unknown[], orderBy?: string): T[] {
  const { table, fields } = MODELS.get(model)!;
  const columns = fields.map((field) => `"${field.column}"`).join(', ');
  const rows = db.prepare(`SELECT ${columns} FROM ${table} WHERE ${where}${orderBy ? ` ORDER BY ${orderBy}` : ''}`).raw(true).all(...params) as unknown[][];
  return rows.map((row) => Object.fromEntries(fields.map((field, index) => [field.field, convert(field.type, row[index])])) as T);
}

/** `column IN (…)` for a list of values, as one JSON parameter, so the statement text does not vary with the list. */
export function inList(column: string, values: readonly unknown[]): { sql: string; params: unknown[] } {
  return { sql: `${column} IN (SELECT value FROM json_each(?))`, params: [JSON.stringify(values)] };
}
