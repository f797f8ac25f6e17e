import { Ajv2020 } from 'ajv/dist/2020.js';
import formatsModule from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FOCUS_API } from '../src/rest/focus-api.ts';
import { SPOT_API } from '../src/rest/spot-api.ts';
import { startGateway, tempDatabase } from './helpers.ts';
import { FOCUS_CONTRACT, SPOT_CONTRACT } from './rest-contracts.ts';

type Operation = { operationId: string; parameters?: Parameter[]; requestBody?: { content: Record<string, { schema: Schema }> }; responses: Record<string, unknown> };
type Parameter = { name: string; in: string; required?: boolean; schema: Schema };
type Schema = { type?: string | string[]; enum?: unknown[]; properties?: Record<string, Schema>; $ref?: string; items?: Schema };

const CONTRACTS = [
  { name: 'FOCUS Cost and Usage', contract: FOCUS_CONTRACT, basePath: FOCUS_API.basePath },
  { name: 'Spot Billing Engine', contract: SPOT_CONTRACT, basePath: SPOT_API.basePath },
];

function resolve(document: Record<string, any>, schema: Schema): Schema {
  if (!schema.$ref) return schema;
  return schema.$ref.slice(2).split('/').reduce((node: any, part) => node[part], document) as Schema;
}

describe('/openapi.json', () => {
  let database: Awaited<ReturnType<typeof tempDatabase>>;
  let gateway: Awaited<ReturnType<typeof startGateway>>;
  let document: Record<string, any>;

  beforeAll(async () => {
    database = await tempDatabase();
    gateway = await startGateway(database.db, database.url);
    const response = await fetch(`${gateway.baseUrl}/openapi.json`);
    expect(response.status).toBe(200);
    document = (await response.json()) as Record<string, any>;
  });
  afterAll(async () => {
    await gateway.close();
    database.close();
  });

  it('is an OpenAPI 3.1 document served without a key, whose every schema compiles', () => {
    expect(document.openapi).toBe('3.1.0');
    expect(Object.keys(document.paths).length).toBe(FOCUS_API.routes.length + SPOT_API.routes.length - 3);
    const ajv = new Ajv2020({ strict: false });
    formatsModule.default(ajv);
    ajv.addSchema({ $id: 'https://focus-gateway.test/own', ...document });
    const operationIds = new Set<string>();
    for (const [path, methods] of Object.entries(document.paths as Record<string, Record<string, Operation>>)) {
      for (const [method, operation] of Object.entries(methods)) {
        expect(operationIds.has(operation.operationId), operation.operationId).toBe(false);
        operationIds.add(operation.operationId);
        for (const [status, response] of Object.entries(operation.responses as Record<string, { content?: Record<string, { schema: Schema }> }>)) {
          const schema = response.content?.['application/json']?.schema;
          expect(schema, `${method} ${path} ${status}`).toBeDefined();
          const pointer = ['paths', path, method, 'responses', status, 'content', 'application/json', 'schema'].map((part) => encodeURIComponent(part.replaceAll('/', '~1'))).join('/');
          expect(() => ajv.compile({ $ref: `https://focus-gateway.test/own#/${pointer}` })).not.toThrow();
        }
        expect(operation.responses['401'], `${method} ${path} documents 401`).toBeDefined();
        expect(operation.responses['429'], `${method} ${path} documents 429`).toBeDefined();
      }
    }
  });

  describe.each(CONTRACTS)('agrees with the $name contract', ({ contract, basePath }) => {
    const operations = Object.entries(contract.paths as Record<string, Record<string, Operation>>).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, operation]) => ({ path, method, operation })),
    );

    it.each(operations.map((entry) => [`${entry.method.toUpperCase()} ${entry.path}`, entry] as const))('%s: same path, method, operationId and statuses', (_label, { path, method, operation }) => {
      const own = document.paths[`${basePath}${path}`]?.[method] as Operation | undefined;
      expect(own, `${method} ${basePath}${path}`).toBeDefined();
      expect(own!.operationId).toBe(operation.operationId);
      for (const status of Object.keys(operation.responses)) expect(Object.keys(own!.responses), `status ${status}`).toContain(status);
    });

    it.each(operations.map((entry) => [`${entry.method.toUpperCase()} ${entry.path}`, entry] as const))('%s: every contract parameter, with its location and every value it allows', (_label, { path, method, operation }) => {
      const own = document.paths[`${basePath}${path}`][method] as Operation;
      for (const parameter of operation.parameters ?? []) {
        const ours = own.parameters?.find((candidate) => candidate.name === parameter.name && candidate.in === parameter.in);
        expect(ours, `${parameter.in} parameter ${parameter.name}`).toBeDefined();
        // A parameter the contract lets clients leave out must not be required here.
        if (!parameter.required) expect(ours!.required, parameter.name).toBe(false);
        for (const value of parameter.schema.enum ?? []) expect(ours!.schema.enum, `${parameter.name} allows ${String(value)}`).toContain(value);
        if (parameter.schema.type === 'integer' || parameter.schema.type === 'number') expect(['integer', 'number']).toContain(ours!.schema.type);
      }
      // And no required parameter the contract does not have.
      for (const ours of own.parameters ?? []) {
        if (ours.required) expect((operation.parameters ?? []).map((parameter) => parameter.name), `required ${ours.name}`).toContain(ours.name);
      }
    });

    it.each(operations.filter((entry) => entry.operation.requestBody).map((entry) => [`${entry.method.toUpperCase()} ${entry.path}`, entry] as const))(
      '%s: a request body with every property of the contract\'s, and every enum value',
      (_label, { path, method, operation }) => {
        const own = document.paths[`${basePath}${path}`][method] as Operation;
        const compare = (theirs: Schema, ours: Schema, where: string) => {
          const contractSchema = resolve(contract, theirs);
          const ownSchema = resolve(document, ours);
          for (const value of contractSchema.enum ?? []) expect(ownSchema.enum, `${where} allows ${String(value)}`).toContain(value);
          for (const [name, property] of Object.entries(contractSchema.properties ?? {})) {
            expect(ownSchema.properties?.[name], `${where}.${name}`).toBeDefined();
            compare(property, ownSchema.properties![name], `${where}.${name}`);
          }
        };
        compare(operation.requestBody!.content['application/json'].schema, own.requestBody!.content['application/json'].schema, 'body');
      },
    );
  });
});
