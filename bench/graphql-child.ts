// Serves a loaded database over real HTTP and times the GraphQL queries issue 3 names: a page of 100 cost records with
// nested account and family names (the first page and the last), and costSummary by service and month over
// every row. Prints {name: {p50, p95, min, runs}} in milliseconds as JSON.
import { createApiKey } from '../src/auth/keys.ts';
import { openMigratedDatabase } from '../src/db/bootstrap.ts';
import { createPrismaClient } from '../src/db/client.ts';
import { ExportService } from '../src/exports/service.ts';
import { loadConfig } from '../src/config.ts';
import { createGatewayServer, listen } from '../src/server/http.ts';
import { RateLimiter } from '../src/server/rate-limit.ts';

const [databaseUrl] = process.argv.slice(2);
const { db } = await openMigratedDatabase(databaseUrl);
const prisma = createPrismaClient(databaseUrl);
const { key } = await createApiKey(prisma, { name: 'bench', role: 'reader' });
const exports = new ExportService({ db });
const server = createGatewayServer({ db, prisma, exports, rateLimiter: new RateLimiter(loadConfig({}).rateLimit) });
const { port } = await listen(server, 0, '127.0.0.1');

async function graphql(query: string, variables: Record<string, unknown> = {}): Promise<Record<string, any>> {
  const response = await fetch(`http://127.0.0.1:${port}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: Record<string, any>; errors?: unknown[] };
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data!;
}

async function timed(runs: number, run: () => Promise<unknown>) {
  await run();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    await run();
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  const at = (q: number) => Number(times[Math.min(times.length - 1, Math.floor(q * times.length))].toFixed(1));
  return { p50: at(0.5), p95: at(0.95), min: Number(times[0].toFixed(1)), runs };
}

const PAGE = `{
  costRecords(first: 100) {
    edges { node { id chargePeriodStart serviceName billedCost effectiveCost billingAccount { name } family { name } } }
    pageInfo { endCursor hasNextPage }
  }
}`;
// The last page of a million rows is page 10,000: keyset pagination makes it cost what the first does.
const LAST_PAGE = PAGE.replace('first: 100', 'last: 100');
const SUMMARY = '{ costSummary(groupBy: ["serviceName"], granularity: MONTH, metrics: [BILLED_COST, EFFECTIVE_COST, ROW_COUNT], limit: 10000) { totalGroups } }';

const result = {
  rows: (db.prepare('SELECT COUNT(*) AS n FROM cost_records').get() as { n: number }).n,
  firstPage: await timed(50, () => graphql(PAGE)),
  lastPage: await timed(50, () => graphql(LAST_PAGE)),
  costSummaryByServiceAndMonth: await timed(7, () => graphql(SUMMARY)),
};
server.close();
server.closeAllConnections();
await exports.close();
await prisma.$disconnect();
db.close();
console.log(JSON.stringify(result));
