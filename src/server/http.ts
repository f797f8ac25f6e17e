/**
 * The HTTP server: the health check and the REST surface's OpenAPI document (open), the GraphQL API at /graphql (yoga
 * over HTTP and SSE, with GraphiQL in the browser; graphql-ws over WebSocket on the same path), export downloads at
 * /exports/<id>/file, the FOCUS Cost and Usage REST contract under /focus/v1 and the Spot Billing Engine contract
 * under /billingEngine and /costIntelligence; everything that serves data needs an API key.
 *
 * GraphQL requests meet, in order: the body size limit (here, before yoga reads a byte), CSRF prevention, the token
 * limit while parsing, the alias limit (and introspection, when disabled) while validating, the API key and its rate
 * limit while building the context, the depth and complexity limits at the root fields, and the execution timeout.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { GraphQLError } from 'graphql';
import { createYoga, maskError } from 'graphql-yoga';
import { AUTHENTICATE_CHALLENGE, authenticate, presentedKey, UnauthenticatedError } from '../auth/credentials.ts';
import type { Viewer } from '../auth/keys.ts';
import { loadConfig, type GraphQLLimits } from '../config.ts';
import { DatabaseBusyError } from '../db/busy.ts';
import { createContext, type GatewayServices } from '../graphql/context.ts';
import { schema } from '../graphql/schema.ts';
import { FOCUS_API } from '../rest/focus-api.ts';
import { openApiDocument } from '../rest/openapi.ts';
import { restRouter } from '../rest/routes.ts';
import { SPOT_API } from '../rest/spot-api.ts';
import { EXPORT_FILE_PATH, serveExportFile } from './downloads.ts';
import { useCsrfPrevention, useGraphQLLimits } from './graphql-limits.ts';
import { InFlightRequests } from './shutdown.ts';
import { attachGraphQLWebSocket, type WebSocketCaller } from './websocket.ts';

export const GRAPHQL_PATH = '/graphql';
export const OPENAPI_PATH = '/openapi.json';

const REST_APIS = [FOCUS_API, SPOT_API];

/** The caller of a request, from its API key; no key, or a wrong or revoked one, is a 401 that says which. */
async function requestViewer(services: GatewayServices, request: Request): Promise<Viewer> {
  try {
    return await authenticate(services.prisma, presentedKey(request.headers));
  } catch (error) {
    if (!(error instanceof UnauthenticatedError)) throw error;
    throw new GraphQLError(error.message, {
      extensions: { code: 'UNAUTHENTICATED', http: { status: 401, headers: AUTHENTICATE_CHALLENGE } },
    });
  }
}

/** Every operation takes one request from its key's bucket, the same bucket as the key's REST requests. */
function takeRateLimit(services: GatewayServices, viewer: Viewer): void {
  const retryAfter = services.rateLimiter.take(viewer.keyId);
  if (retryAfter === 0) return;
  throw new GraphQLError(`too many requests for this API key; retry in ${retryAfter} s`, {
    extensions: { code: 'RATE_LIMITED', retryAfterSeconds: retryAfter, http: { status: 429, headers: { 'retry-after': String(retryAfter) } } },
  });
}

/**
 * A write that waited out another process's write lock (src/db/busy.ts) is the client's to retry: DATABASE_BUSY, 503
 * with Retry-After, rather than a masked internal error. Everything else is masked as yoga does.
 */
const maskBusyDatabase: typeof maskError = (error, message, isDev) => {
  const original = error instanceof GraphQLError ? error.originalError : error;
  if (!(original instanceof DatabaseBusyError)) return maskError(error, message, isDev);
  const retryAfter = String(original.retryAfterSeconds);
  return new GraphQLError(original.message, {
    extensions: { code: original.code, retryAfterSeconds: original.retryAfterSeconds, http: { status: 503, headers: { 'retry-after': retryAfter } } },
  });
};

/** Set when an operation arrives over graphql-ws (websocket.ts) rather than as an HTTP request. */
interface GatewayServerContext {
  websocket?: WebSocketCaller;
}

export function createGraphQLHandler(services: GatewayServices, limits: GraphQLLimits) {
  return createYoga<GatewayServerContext>({
    schema,
    graphqlEndpoint: GRAPHQL_PATH,
    // A new context per operation: loaders batch within one operation and never serve another request's rows.
    // Building it authenticates an HTTP request (a socket was authenticated when it connected), so no operation
    // runs without a valid key (GraphiQL's page itself is open), and takes from the key's rate limit.
    context: async ({ request, websocket }) => {
      const viewer = websocket?.viewer ?? (await requestViewer(services, request));
      takeRateLimit(services, viewer);
      return createContext(services, viewer, websocket?.origin ?? new URL(request.url).origin);
    },
    plugins: [useCsrfPrevention(), useGraphQLLimits(limits)],
    maskedErrors: { maskError: maskBusyDatabase },
    graphiql: { title: 'FOCUS Gateway' },
    logging: false,
  });
}

export type GraphQLHandler = ReturnType<typeof createGraphQLHandler>;

function sendGraphQLError(response: ServerResponse, status: number, code: string, message: string, extensions: Record<string, unknown> = {}, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
  response.end(JSON.stringify({ errors: [{ message, extensions: { code, ...extensions } }] }));
}

/**
 * Refuses a /graphql body over the limit from its Content-Length, before a byte of it is read (the connection is
 * closed rather than drained). A chunked body, whose length is known only once it is read, is refused with 411.
 */
function refusedBody(request: IncomingMessage, response: ServerResponse, maxBytes: number): boolean {
  const length = request.headers['content-length'];
  if (length === undefined && request.headers['transfer-encoding'] !== undefined) {
    sendGraphQLError(response, 411, 'LENGTH_REQUIRED', 'send the request body with a Content-Length header', {}, { connection: 'close' });
    return true;
  }
  if (length !== undefined && Number(length) > maxBytes) {
    sendGraphQLError(response, 413, 'PAYLOAD_TOO_LARGE', `the request body is ${length} bytes; the limit is ${maxBytes}`, { limit: maxBytes }, { connection: 'close' });
    return true;
  }
  return false;
}

export interface GatewayServer extends Server {
  /**
   * Stops serving gracefully: stops accepting connections, answers new requests on open ones with 503, closes
   * graphql-ws sockets with 1001 (Going Away), lets requests in flight finish, then closes the export service, which
   * ends the server-sent event subscriptions and stops running exports (they go back to PENDING and run at the next
   * start). Whatever is still open `graceMs` after the start is cut off. Resolves with how many requests were cut.
   */
  shutdown(graceMs: number): Promise<{ requestsCutShort: number }>;
}

export function createGatewayServer(services: GatewayServices, limits: GraphQLLimits = loadConfig({}).graphql): GatewayServer {
  const { db } = services;
  const graphql = createGraphQLHandler(services, limits);
  const rest = restRouter(services, REST_APIS);
  const openApi = JSON.stringify(openApiDocument(REST_APIS));
  const inFlight = new InFlightRequests();
  let shuttingDown = false;
  const server = createServer((request, response) => {
    inFlight.track(request, response);
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (shuttingDown) {
      // Only a connection opened before the shutdown can still bring a request.
      const message = 'the server is shutting down; retry on a new connection';
      const headers = { connection: 'close', 'retry-after': '1' };
      if (url.pathname === GRAPHQL_PATH) return sendGraphQLError(response, 503, 'SHUTTING_DOWN', message, {}, headers);
      response.writeHead(503, { 'content-type': 'application/json', ...headers });
      response.end(JSON.stringify({ error: { code: 'SHUTTING_DOWN', message } }));
      return;
    }
    if (url.pathname === GRAPHQL_PATH) {
      if (!refusedBody(request, response, limits.maxBodyBytes)) void graphql(request, response);
      return;
    }
    if (rest.owns(url.pathname)) return void rest.serve(request, response);
    if (url.pathname === OPENAPI_PATH && (request.method === 'GET' || request.method === 'HEAD')) {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(request.method === 'HEAD' ? undefined : openApi);
      return;
    }
    const exportFile = EXPORT_FILE_PATH.exec(url.pathname);
    if (exportFile) {
      serveExportFile(services, request, response, exportFile[1]).catch(() => {
        if (!response.headersSent) response.writeHead(500, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ error: { code: 'INTERNAL', message: 'the file could not be served' } }));
      });
      return;
    }
    if (url.pathname === '/healthz' && (request.method === 'GET' || request.method === 'HEAD')) {
      let body: { status: string; database: string };
      try {
        db.prepare('SELECT 1').get();
        body = { status: 'ok', database: 'ok' };
      } catch (error) {
        body = { status: 'error', database: (error as Error).message };
      }
      response.writeHead(body.status === 'ok' ? 200 : 503, { 'content-type': 'application/json' });
      response.end(request.method === 'HEAD' ? undefined : JSON.stringify(body));
      return;
    }
    response.writeHead(404, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ error: { code: 'NOT_FOUND', message: `no route for ${request.method} ${url.pathname}` } }));
  });
  const websocket = attachGraphQLWebSocket(server, GRAPHQL_PATH, services, graphql, limits.maxBodyBytes);
  // Upgraded sockets are no longer the HTTP server's connections: closing the server must end them itself, or it
  // would wait for every subscriber to leave.
  const closeHttp = server.close.bind(server);
  server.close = (callback) => {
    websocket.close();
    return closeHttp(callback);
  };
  return Object.assign(server, {
    async shutdown(graceMs: number) {
      const deadline = Date.now() + graceMs;
      shuttingDown = true;
      // Stops listening and closes idle keep-alive connections; resolves once every connection is gone.
      const httpClosed = new Promise<void>((resolve) => closeHttp(() => resolve()));
      inFlight.closeConnectionsWhenAnswered();
      const socketsClosed = websocket.closeGracefully(deadline);
      await inFlight.settled(deadline, (request) => !request.streaming);
      // Only now: a request still in flight may have been starting an export.
      await services.exports.close();
      await inFlight.settled(deadline);
      const requestsCutShort = inFlight.size;
      await socketsClosed;
      server.closeAllConnections();
      await httpClosed;
      return { requestsCutShort };
    },
  });
}

export function listen(server: Server, port: number, host: string): Promise<{ port: number; host: string }> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const address = server.address();
      resolve({ port: typeof address === 'object' && address ? address.port : port, host });
    });
  });
}
