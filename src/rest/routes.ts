/**
 * What the REST compatibility APIs are made of, and how a request reaches a handler. Each API (FOCUS under /focus/v1,
 * Spot's Billing Engine at the root) is a list of route definitions: method, OpenAPI path, zod schemas for path
 * parameters, query and body, the responses it documents, and a thin handler. The same definitions validate requests
 * here and are printed as /openapi.json (openapi.ts), so the document cannot drift from what the server accepts.
 *
 * Order of checks on every request: API key (401), route (404, 405 with Allow), rate limit (429 with Retry-After),
 * role (403), input (400), then the handler. Errors are shaped by the API (the FOCUS `{code, message, details}` or
 * Spot's envelope); a 500 keeps its cause in the server log.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { AUTHENTICATE_CHALLENGE, authenticate, presentedKey, UnauthenticatedError } from '../auth/credentials.ts';
import type { Viewer } from '../auth/keys.ts';
import { databaseForScope } from '../auth/scope.ts';
import { DatabaseBusyError } from '../db/busy.ts';
import { ExportLimitError } from '../exports/errors.ts';
import { FamilyError } from '../families/service.ts';
import type { GatewayServices } from '../graphql/context.ts';
import { QueryInputError } from '../query/keyset.ts';
import { SetupError } from '../setup/service.ts';

/** What a route without query parameters accepts: none. */
const NO_QUERY = z.object({}).strict();

/** Request bodies larger than this are refused before parsing. */
export const REQUEST_BODY_MAX_BYTES = 1_000_000;

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: string | null = null,
    /** Response headers the status calls for (Allow on 405, Retry-After on 429). */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** The request as Spot's envelope echoes it. */
export interface RequestInfo {
  id: string;
  url: string;
  method: string;
  timestamp: string;
}

export interface RouteContext {
  services: GatewayServices;
  viewer: Viewer;
  request: IncomingMessage;
  /** `http://host:port` of the request, for links in responses. */
  origin: string;
}

export interface RouteResult {
  status: number;
  body: unknown;
}

type AnyObject = z.ZodObject<z.ZodRawShape>;

export interface RouteDefinition<P extends AnyObject, Q extends AnyObject, B extends z.ZodType> {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** OpenAPI path template under the API's base path, such as `/billingEngine/family/{familyId}`. */
  path: string;
  operationId: string;
  summary: string;
  description?: string;
  tags: string[];
  /** Changes shared state (families, setups): reader keys get 403. */
  adminOnly?: boolean;
  pathParameters?: P;
  query?: Q;
  body?: B;
  /** The success responses, each with its body schema (before the API's envelope, if it has one). */
  responses: Record<number, { description: string; schema?: z.ZodType | { $ref: string } }>;
  /** Error statuses the operation answers with besides 401, 429 and 500, which every operation can. */
  errors?: number[];
  handle(input: { path: z.output<P>; query: z.output<Q>; body: z.output<B> }, context: RouteContext): Promise<RouteResult>;
}

export type Route = RouteDefinition<AnyObject, AnyObject, z.ZodType>;

export function defineRoute<P extends AnyObject = z.ZodObject<{}>, Q extends AnyObject = z.ZodObject<{}>, B extends z.ZodType = z.ZodUndefined>(
  definition: RouteDefinition<P, Q, B>,
): Route {
  return definition as unknown as Route;
}

export interface RestApi {
  title: string;
  version: string;
  description: string;
  /** Where its paths are served: `/focus/v1`, or '' for the root. */
  basePath: string;
  /** Path prefixes (after basePath) the API answers for, its 404s included. */
  prefixes: string[];
  tags: { name: string; description: string }[];
  routes: Route[];
  /** The body of a success response. */
  success(result: RouteResult, request: RequestInfo, route: Route): unknown;
  /** The body of an error response. */
  failure(error: ApiError, request: RequestInfo): unknown;
  /** The OpenAPI schema of a success body, given the route's own body schema. */
  successSchema(route: Route, schema: object | undefined): object;
  errorSchema: object;
}

/** A client at its export limit is told to look again in this many seconds: exports of a few million rows take about that. */
const EXPORT_LIMIT_RETRY_SECONDS = 30;

/** Domain errors the services throw, as HTTP statuses. */
const DOMAIN_STATUS: Record<string, number> = { BAD_USER_INPUT: 400, NOT_FOUND: 404, CONFLICT: 409, FAILED_PRECONDITION: 400 };

function asApiError(error: unknown): ApiError | null {
  if (error instanceof ApiError) return error;
  if (error instanceof QueryInputError) return new ApiError(400, 'BAD_USER_INPUT', error.message);
  if (error instanceof FamilyError || error instanceof SetupError) return new ApiError(DOMAIN_STATUS[error.code] ?? 400, error.code, error.message);
  if (error instanceof ExportLimitError) return new ApiError(429, error.code, error.message, null, { 'retry-after': String(EXPORT_LIMIT_RETRY_SECONDS) });
  if (error instanceof DatabaseBusyError) return new ApiError(503, error.code, error.message, null, { 'retry-after': String(error.retryAfterSeconds) });
  return null;
}

/** The first problem as the message (`pageSize: Too small: ...`), every problem in the details. */
function inputError(where: string, error: z.ZodError): ApiError {
  const describe = (issue: z.core.$ZodIssue) => `${[where, ...issue.path.map(String)].join('.')}: ${issue.message}`;
  return new ApiError(400, 'BAD_USER_INPUT', describe(error.issues[0]), error.issues.map(describe).join('; '));
}

function parsed<S extends z.ZodType>(schema: S | undefined, value: unknown, where: string): z.output<S> | undefined {
  if (!schema) return undefined;
  const result = schema.safeParse(value);
  if (!result.success) throw inputError(where, result.error);
  return result.data;
}

function queryObject(url: URL): Record<string, string> {
  // No prototype: a parameter named __proto__ or constructor is a key like any other.
  const query: Record<string, string> = Object.create(null);
  for (const [name, value] of url.searchParams) {
    if (Object.hasOwn(query, name)) throw new ApiError(400, 'BAD_USER_INPUT', `query parameter ${name} is given more than once`);
    query[name] = value;
  }
  return query;
}

async function readJsonBody(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of request) {
    length += (chunk as Buffer).length;
    // The rest of the body is not read: the connection closes after the answer rather than carry it into the next request.
    if (length > REQUEST_BODY_MAX_BYTES) throw new ApiError(413, 'PAYLOAD_TOO_LARGE', `the request body is larger than ${REQUEST_BODY_MAX_BYTES} bytes`, null, { connection: 'close' });
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') throw new ApiError(400, 'BAD_USER_INPUT', 'the request needs a JSON body');
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ApiError(400, 'BAD_USER_INPUT', 'the request body is not valid JSON', (error as Error).message);
  }
}

interface CompiledRoute {
  route: Route;
  pattern: RegExp;
  names: string[];
}

function compile(api: RestApi): CompiledRoute[] {
  return api.routes.map((route) => {
    const names: string[] = [];
    const source = route.path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{(\w+)\}/g, (_whole, name: string) => {
      names.push(name);
      return '([^/]+)';
    });
    return { route, pattern: new RegExp(`^${api.basePath}${source}$`), names };
  });
}

function match(routes: CompiledRoute[], method: string, pathname: string): { route: Route; path: Record<string, string> } {
  const candidates = routes.map((compiled) => ({ compiled, found: compiled.pattern.exec(pathname) })).filter((candidate) => candidate.found !== null);
  if (candidates.length === 0) throw new ApiError(404, 'NOT_FOUND', `no route for ${method} ${pathname}`);
  const chosen = candidates.find((candidate) => candidate.compiled.route.method === method);
  if (!chosen) {
    const allowed = candidates.map((candidate) => candidate.compiled.route.method);
    throw new ApiError(405, 'METHOD_NOT_ALLOWED', `${method} is not allowed on this path; use ${allowed.join(' or ')}`, null, { allow: allowed.join(', ') });
  }
  const path: Record<string, string> = {};
  chosen.compiled.names.forEach((name, index) => {
    try {
      path[name] = decodeURIComponent(chosen.found![index + 1]);
    } catch {
      throw new ApiError(400, 'BAD_USER_INPUT', `path parameter ${name} is not valid percent-encoding`);
    }
  });
  return { route: chosen.compiled.route, path };
}

function send(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'content-type': 'application/json', ...headers });
  response.end(JSON.stringify(body));
}

export interface RestRouter {
  /** Whether the path belongs to one of the APIs (which then answers it, with a 404 in its own shape if need be). */
  owns(pathname: string): boolean;
  serve(request: IncomingMessage, response: ServerResponse): Promise<void>;
}

export function restRouter(services: GatewayServices, apis: readonly RestApi[]): RestRouter {
  const compiled = apis.map((api) => ({ api, routes: compile(api) }));
  const apiOf = (pathname: string) => compiled.find(({ api }) => api.prefixes.some((prefix) => pathname === `${api.basePath}${prefix}` || pathname.startsWith(`${api.basePath}${prefix}/`)));
  return {
    owns: (pathname) => apiOf(pathname) !== undefined,
    async serve(request, response) {
      const url = new URL(request.url ?? '/', 'http://localhost');
      const method = request.method ?? 'GET';
      const info: RequestInfo = { id: randomUUID(), url: `${url.pathname}${url.search}`, method, timestamp: new Date().toISOString() };
      const { api, routes } = apiOf(url.pathname)!;
      try {
        let viewer: Viewer;
        try {
          viewer = await authenticate(services.prisma, presentedKey(request.headers));
        } catch (error) {
          if (!(error instanceof UnauthenticatedError)) throw error;
          throw new ApiError(401, 'UNAUTHENTICATED', error.message, null, AUTHENTICATE_CHALLENGE);
        }
        const { route, path } = match(routes, method, url.pathname);
        const retryAfter = services.rateLimiter.take(viewer.keyId);
        if (retryAfter > 0) throw new ApiError(429, 'RATE_LIMITED', `too many requests for this API key; retry in ${retryAfter} s`, null, { 'retry-after': String(retryAfter) });
        if (route.adminOnly && viewer.role !== 'admin') throw new ApiError(403, 'FORBIDDEN', `this needs an admin key; the key "${viewer.name}" is a reader key`);
        const input = {
          path: parsed(route.pathParameters, path, 'path'),
          query: parsed(route.query ?? NO_QUERY, queryObject(url), 'query'),
          body: route.body ? parsed(route.body, await readJsonBody(request), 'body') : undefined,
        };
        // A scoped key reads through its scoped connection (src/auth/scope.ts), as GraphQL does.
        const scoped = { ...services, db: databaseForScope(services.db, viewer.scope) };
        const result = await route.handle(input as never, { services: scoped, viewer, request, origin: `http://${request.headers.host ?? 'localhost'}` });
        send(response, result.status, api.success(result, info, route));
      } catch (caught) {
        const error = asApiError(caught);
        if (error) return send(response, error.status, api.failure(error, info), error.headers);
        // The cause stays in the server log: internal messages are not the client's to read.
        process.stderr.write(`focus-gateway: ${method} ${url.pathname} failed: ${(caught as Error).stack ?? String(caught)}\n`);
        if (response.headersSent) response.destroy();
        else send(response, 500, api.failure(new ApiError(500, 'INTERNAL', 'the request failed; the server log has the cause'), info));
      }
    },
  };
}
