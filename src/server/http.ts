/** The HTTP server. For now it answers the health check; the GraphQL API mounts here next. */
import { createServer, type Server } from 'node:http';
import type { SqliteDatabase } from '../db/sqlite.ts';

export function createGatewayServer(db: SqliteDatabase): Server {
  return createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
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
