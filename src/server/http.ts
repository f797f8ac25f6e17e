/**
 * The HTTP server: the health check and the REST surface's OpenAPI document (open), the GraphQL API at /graphql (yoga
 * over HTTP and SSE, with GraphiQL in the browser; graphql-ws over WebSocket on the same path), export downloads at
 * /exports/<id>/file, the FOCUS Cost and Usage REST contract under /focus/v1 and the Spot Billing Engine contract
 * under /billingEngine and /costIntelligence; everything that serves data needs an API key.
 */
import { createServer, type Server } from 'node:http';
import { GraphQLError } from 'graphql';
import { createYoga } from 'graphql-yoga';
import { AUTHENTICATE_CHALLENGE, authenticate, presentedKey, UnauthenticatedError } from '../auth/credentials.ts';
import type { Viewer } from '../auth/keys.ts';
import { createContext, type GatewayServices } from '../graphql/context.ts';
import { schema } from '../graphql/schema.ts';
import { FOCUS_API } from '../rest/focus-api.ts';
import { openApiDocument } from '../rest/openapi.ts';
import { restRouter } from '../rest/routes.ts';
import { SPOT_API } from '../rest/spot-api.ts';
import { EXPORT_FILE_PATH, serveExportFile } from './downloads.ts';
import { attachGraphQLWebSocket } from './websocket.ts';

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

export function createGraphQLHandler(services: GatewayServices) {
  return createYoga({
    schema,
    graphqlEndpoint: GRAPHQL_PATH,
    // A new context per request: loaders batch within one operation and never serve another request's rows. Building
    // it authenticates the request, so no operation runs without a valid key (GraphiQL's page itself is open).
    context: async ({ request }) => createContext(services, await requestViewer(services, request), new URL(request.url).origin),
    graphiql: { title: 'FOCUS Gateway' },
    logging: false,
  });
}

export function createGatewayServer(services: GatewayServices): Server {
  const { db } = services;
  const graphql = createGraphQLHandler(services);
  const rest = restRouter(services, REST_APIS);
  const openApi = JSON.stringify(openApiDocument(REST_APIS));
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (url.pathname === GRAPHQL_PATH) {
      void graphql(request, response);
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
  const websocket = attachGraphQLWebSocket(server, GRAPHQL_PATH, services);
  // Upgraded sockets are no longer the HTTP server's connections: closing the server must end them itself, or it
  // would wait for every subscriber to leave.
  const closeHttp = server.close.bind(server);
  server.close = (callback) => {
    websocket.close();
    return closeHttp(callback);
  };
  return server;
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
