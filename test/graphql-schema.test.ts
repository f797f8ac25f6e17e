import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isEnumType, isInputObjectType, isInterfaceType, isObjectType } from 'graphql';
import { printGatewaySchema, schema } from '../src/graphql/schema.ts';
import { PROJECT_ROOT, startGateway, tempDatabase } from './helpers.ts';

describe('schema.graphql', () => {
  it('is the schema printed from src/graphql (run `npm run schema:print` after changing it)', () => {
    expect(readFileSync(path.join(PROJECT_ROOT, 'schema.graphql'), 'utf8')).toBe(printGatewaySchema());
  });
});

describe('the schema', () => {
  it('describes every type, field, argument and enum value', () => {
    const missing: string[] = [];
    for (const type of Object.values(schema.getTypeMap())) {
      if (type.name.startsWith('__')) continue;
      if (!type.description) missing.push(type.name);
      if (isObjectType(type) || isInterfaceType(type) || isInputObjectType(type)) {
        for (const field of Object.values(type.getFields())) {
          if (!field.description) missing.push(`${type.name}.${field.name}`);
          if ('args' in field) for (const arg of field.args) if (!arg.description) missing.push(`${type.name}.${field.name}(${arg.name})`);
        }
      }
      if (isEnumType(type)) for (const value of type.getValues()) if (!value.description) missing.push(`${type.name}.${value.name}`);
    }
    expect(missing).toEqual([]);
  });
});

describe('/graphql', () => {
  let database: Awaited<ReturnType<typeof tempDatabase>>;
  let gateway: Awaited<ReturnType<typeof startGateway>>;
  beforeAll(async () => {
    database = await tempDatabase();
    gateway = await startGateway(database.db, database.url);
  });
  afterAll(async () => {
    await gateway.close();
    database.close();
  });

  it('answers queries over HTTP', async () => {
    expect(await gateway.graphql('{ focusVersion }')).toEqual({ data: { focusVersion: '1.3' } });
  });

  it('rejects a malformed node id with BAD_USER_INPUT', async () => {
    const result = await gateway.graphql('{ node(id: "not-a-global-id") { id } }');
    expect(result.errors?.[0]).toMatchObject({ message: '"not-a-global-id" is not a node id', extensions: { code: 'BAD_USER_INPUT' } });
  });

  it('describes the pagination arguments of every connection', async () => {
    const result = await gateway.graphql<{ __type: { fields: { name: string; args: { name: string; description: string | null }[] }[] } }>(
      '{ __type(name: "Query") { fields { name args { name description } } } }',
    );
    const costRecords = result.data!.__type.fields.find((field) => field.name === 'costRecords')!;
    for (const name of ['first', 'last', 'after', 'before']) expect(costRecords.args.find((arg) => arg.name === name)?.description).toBeTruthy();
  });

  it('serves GraphiQL to a browser', async () => {
    const response = await fetch(`${gateway.baseUrl}/graphql`, { headers: { accept: 'text/html' } });
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('FOCUS Gateway');
  });
});
