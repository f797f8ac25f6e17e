/**
 * The OpenAPI 3.1 document of the gateway's REST surface, served at /openapi.json. It is printed from the route
 * definitions (their zod schemas for parameters, bodies and responses), so it describes exactly what the server
 * checks; responses the FOCUS contract defines are its own component schemas, carried over from the vendored copy.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { z } from 'zod';
import type { RestApi, Route } from './routes.ts';

const packageJson = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

export const CONTRACT_FILES = {
  focus: new URL('./contracts/focus-cost-and-usage-api.openapi.yml', import.meta.url),
  spot: new URL('./contracts/spot-billing-engine-api.openapi.yml', import.meta.url),
} as const;

/**
 * The FOCUS contract is OpenAPI 3.1 but marks nullable properties the 3.0 way (`nullable: true`), which JSON Schema
 * 2020-12 ignores. Read as the contract means it, such a property also admits null; this rewrites it so.
 */
export function withNullable(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withNullable);
  if (typeof node !== 'object' || node === null) return node;
  const copy: Record<string, unknown> = Object.fromEntries(Object.entries(node).map(([key, value]) => [key, withNullable(value)]));
  if (copy.nullable === true) {
    delete copy.nullable;
    if (typeof copy.type === 'string') copy.type = [copy.type, 'null'];
    if (Array.isArray(copy.enum)) copy.enum = [...copy.enum, null];
  }
  return copy;
}

/** A contract file, parsed, with its nullable markers rewritten as JSON Schema 2020-12. */
export function readContract(file: URL): Record<string, any> {
  return withNullable(parse(readFileSync(file, 'utf8'))) as Record<string, any>;
}

const STATUS_TEXT: Record<number, string> = {
  400: 'Invalid request parameters or body.',
  401: 'No valid API key.',
  403: 'The API key\'s role does not allow this.',
  404: 'Not found.',
  405: 'The path does not allow this method (see Allow).',
  409: 'Conflicts with the current state.',
  413: 'The request body is too large.',
  429: 'Rate limited (see Retry-After).',
  500: 'The request failed; the server log has the cause.',
};

/** JSON Schema of a zod schema, without the `$schema` marker (it sits inside a larger document). */
export function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): Record<string, unknown> {
  const { $schema: _marker, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'draft-2020-12' }) as Record<string, unknown>;
  return rest;
}

function schemaOf(schema: z.ZodType | { $ref: string } | undefined, io: 'input' | 'output'): object | undefined {
  if (schema === undefined) return undefined;
  return schema instanceof z.ZodType ? jsonSchema(schema, io) : schema;
}

function parameters(schema: z.ZodObject<z.ZodRawShape> | undefined, location: 'path' | 'query') {
  if (!schema) return [];
  return Object.entries(schema.shape).map(([name, field]) => {
    const { description, ...fieldSchema } = jsonSchema(field as z.ZodType, 'input');
    return {
      name,
      in: location,
      required: location === 'path' || !(field as z.ZodType).safeParse(undefined).success,
      ...(description === undefined ? {} : { description }),
      schema: fieldSchema,
    };
  });
}

function operation(api: RestApi, route: Route) {
  const errorStatuses = [...new Set([401, ...(route.errors ?? []), ...(route.body || route.query ? [400] : []), ...(route.adminOnly ? [403] : []), 429, 500])].sort();
  const json = (schema: object) => ({ content: { 'application/json': { schema } } });
  return {
    operationId: route.operationId,
    summary: route.summary,
    ...(route.description ? { description: route.description } : {}),
    tags: route.tags,
    parameters: [...parameters(route.pathParameters, 'path'), ...parameters(route.query, 'query')],
    ...(route.body ? { requestBody: { required: true, ...json(schemaOf(route.body, 'input')!) } } : {}),
    responses: {
      ...Object.fromEntries(
        Object.entries(route.responses).map(([status, response]) => [status, { description: response.description, ...json(api.successSchema(route, schemaOf(response.schema, 'output'))) }]),
      ),
      ...Object.fromEntries(errorStatuses.map((status) => [String(status), { description: STATUS_TEXT[status], ...json(api.errorSchema) }])),
    },
  };
}

export function openApiDocument(apis: readonly RestApi[]): object {
  const paths: Record<string, Record<string, object>> = {};
  for (const api of apis) {
    for (const route of api.routes) {
      const path = `${api.basePath}${route.path}`;
      paths[path] = { ...paths[path], [route.method.toLowerCase()]: operation(api, route) };
    }
  }
  const focusContract = readContract(CONTRACT_FILES.focus);
  return {
    openapi: '3.1.0',
    info: {
      title: 'FOCUS Gateway REST API',
      version: packageJson.version,
      description: apis.map((api) => `${api.title} (${api.basePath || '/'}): ${api.description}`).join('\n\n'),
    },
    servers: [{ url: '/' }],
    security: [{ bearerAuth: [] }, { apiKeyAuth: [] }],
    tags: apis.flatMap((api) => api.tags),
    paths,
    components: {
      securitySchemes: {
        bearerAuth: { type: 'http', scheme: 'bearer', description: 'An API key of this gateway (fgw_...) as a bearer token.' },
        apiKeyAuth: { type: 'apiKey', in: 'header', name: 'X-API-Key', description: 'An API key of this gateway (fgw_...).' },
      },
      schemas: focusContract.components.schemas,
    },
  };
}
