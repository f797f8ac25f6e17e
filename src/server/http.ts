/** The HTTP server: the health check, and the GraphQL API (yoga) at /graphql with GraphiQL in the browser. */
import { createServer, type Server } from 'node:http';
import { createYoga } from 'graphql-yoga';
import { createContext, type GatewayServices } from '../graphql/context.ts';
import { schema } from '../graphql/schema.ts';

export const GRAPHQL_PATH = '/graphql';

export function createGraphQLHandler(services: GatewayServices) {
  return createYoga({
    schema,
    graphqlEndpoint: GRAPHQL_PATH,
    // A new context per request: loaders batch within one operation and never serve another request's rows.
    context: () => createContext(services, null),
    graphiql: { title: 'FOCUS Gateway' },
    logging: false,
  });
}

export function createGatewayServer(services: GatewayServices): Server {
  const { db } = services;
  const graphql = createGraphQLHandler(services);
  return createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (url.pathname === GRAPHQL_PATH) {
      void graphql(request, response);
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
