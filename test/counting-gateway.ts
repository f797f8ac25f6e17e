/**
 * A gateway whose SQL statements can be counted, for the N+1 tests: statements run through the test's own
 * better-sqlite3 connection (by wrapping `prepare` and the statements it returns) and Prisma's statements through
 * its query log events.
 */
import { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3';
import { sqliteFilePath } from '../src/db/url.ts';
import type { SqliteDatabase } from '../src/db/sqlite.ts';
import { PrismaClient } from '../src/generated/prisma/client.ts';
import { ExportService } from '../src/exports/service.ts';
import { loadConfig } from '../src/config.ts';
import { createGatewayServer, listen } from '../src/server/http.ts';
import { RateLimiter } from '../src/server/rate-limit.ts';
import { createApiKey } from '../src/auth/keys.ts';
import { postGraphQL, type GraphQLResponse } from './helpers.ts';

export interface StatementLog {
  raw: string[];
  prisma: string[];
}

export async function startCountingGateway(db: SqliteDatabase, databaseUrl: string) {
  // The same construction as createPrismaClient, plus query events.
  const prisma = new PrismaClient({
    adapter: new PrismaBetterSqlite3({ url: sqliteFilePath(databaseUrl) }, { timestampFormat: 'unixepoch-ms' }),
    log: [{ emit: 'event', level: 'query' }],
  });
  let log: StatementLog | null = null;
  // Checking the request's API key is one statement per request, not part of the operation's work.
  prisma.$on('query', (event) => {
    if (!event.query.includes('api_keys')) log?.prisma.push(event.query);
  });
  // Query modules may keep prepared statements between requests, so runs are counted, not prepares.
  const prepare = db.prepare.bind(db);
  db.prepare = ((sql: string) => {
    const statement = prepare(sql);
    for (const method of ['all', 'get', 'run', 'iterate'] as const) {
      const run = statement[method].bind(statement) as (...args: unknown[]) => unknown;
      Object.defineProperty(statement, method, {
        value: (...args: unknown[]) => {
          log?.raw.push(sql);
          return run(...args);
        },
      });
    }
    return statement;
  }) as typeof db.prepare;

  const exports = new ExportService({ db });
  const server = createGatewayServer({ db, prisma, exports, rateLimiter: new RateLimiter(loadConfig({}).rateLimit) });
  const { port } = await listen(server, 0, '127.0.0.1');
  const baseUrl = `http://127.0.0.1:${port}`;
  const { key } = await createApiKey(prisma, { name: 'counting test', role: 'admin' });
  const graphql = <T = Record<string, any>>(query: string, variables?: Record<string, unknown>): Promise<GraphQLResponse<T>> =>
    postGraphQL<T>(baseUrl, key, query, variables);
  return {
    baseUrl,
    prisma,
    graphql,
    /** Runs the query and returns its response with every SQL statement it ran. */
    async counted<T = Record<string, any>>(query: string, variables?: Record<string, unknown>): Promise<{ response: GraphQLResponse<T>; statements: StatementLog }> {
      const statements: StatementLog = { raw: [], prisma: [] };
      log = statements;
      try {
        return { response: await graphql<T>(query, variables), statements };
      } finally {
        log = null;
      }
    },
    async close() {
      db.prepare = prepare;
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await exports.close();
      await prisma.$disconnect();
    },
  };
}
