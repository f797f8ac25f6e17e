// `node bin/run-ts.js bench/load.ts [--rows 100000] [--ingest-rows 200000] [--duration 120] [--connections 32]
//  [--subscribers 100]`: a load test against the real server. It loads N demo rows into a fresh database, starts
// `focus-gateway serve` on it as a child process, and for `duration` seconds drives it with autocannon (a mix of
// GraphQL pages with nested links, costSummary aggregates, KPIs, REST FOCUS pages and Spot cost totals) while an
// ingest of another file runs in a second process and graphql-ws clients watch export jobs (starting them again after
// Retry-After when the server refuses with DATABASE_BUSY while the ingest holds the write lock). It then checks that no
// request failed, that every subscriber saw its job complete, and that no row was lost (the row count is the sum of
// both loads), and reports requests per second, latency percentiles and the server's peak RSS.
// Results go to bench/results/<date>-load.json.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { createApiKey } from '../src/auth/keys.ts';
import { openMigratedDatabase } from '../src/db/bootstrap.ts';
import { createPrismaClient } from '../src/db/client.ts';
import { loadDemoData, writeDemoFiles } from '../src/demo/load.ts';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '100000' },
    'ingest-rows': { type: 'string', default: '200000' },
    duration: { type: 'string', default: '120' },
    connections: { type: 'string', default: '32' },
    subscribers: { type: 'string', default: '100' },
  },
});
const root = path.resolve(import.meta.dirname, '..');
const work = mkdtempSync(path.join(os.tmpdir(), 'focus-load-'));
const databaseUrl = `file:${path.join(work, 'load.db')}`;
const cli = path.join(root, 'bin/focus-gateway.js');

function run(args: string[], env: Record<string, string> = {}): ChildProcess {
  return spawn(process.execPath, [cli, ...args], { env: { ...process.env, DATABASE_URL: databaseUrl, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
}

const rssMb = (pid: number) => {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)![1]) / 1024;
};

console.error(`loading ${values.rows} demo rows into ${databaseUrl}`);
const { db } = await openMigratedDatabase(databaseUrl);
const prisma = createPrismaClient(databaseUrl);
await loadDemoData(db, prisma, { rows: Number(values.rows), seed: 1 });
const { key } = await createApiKey(prisma, { name: 'load test', role: 'admin' });
const rowsBefore = (db.prepare('SELECT COUNT(*) AS n FROM cost_records').get() as { n: number }).n;
const account = (db.prepare('SELECT id FROM billing_accounts ORDER BY id LIMIT 1').get() as { id: string }).id;
db.close();
await prisma.$disconnect();
const ingestFile = path.join(work, 'more.csv');
// Another seed and start month, so the second file's rows are new rows rather than a copy of the first.
const { costFile, rows: ingestRows } = await writeDemoFiles(ingestFile, { rows: Number(values['ingest-rows']), seed: 2, start: new Date(Date.UTC(2027, 0, 1)) });

// One key drives everything here, so its per-key limits are lifted: this measures the server, not the limits.
const server = run(['serve'], { PORT: '0', RATE_LIMIT_PER_MINUTE: '10000000', RATE_LIMIT_BURST: '1000000', EXPORT_MAX_ACTIVE_PER_KEY: '10000' });
const baseUrl = await new Promise<string>((resolve, reject) => {
  let output = '';
  server.stdout!.on('data', (chunk) => {
    output += chunk;
    const match = /listening on (http:\/\/[^\s]+)/.exec(output);
    if (match) resolve(match[1]);
  });
  server.stderr!.on('data', (chunk) => process.stderr.write(chunk));
  server.once('exit', (code) => reject(new Error(`serve exited with ${code}`)));
});
const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
const graphql = (query: string, variables: Record<string, unknown> = {}) => ({ method: 'POST' as const, path: '/graphql', headers, body: JSON.stringify({ query, variables }) });

const requests = [
  graphql('{ costRecords(first: 100) { edges { node { id billedCost serviceName billingAccount { name } family { name } } } pageInfo { endCursor } } }'),
  graphql('{ costSummary(groupBy: ["serviceName"], granularity: MONTH, metrics: [EFFECTIVE_COST, BILLED_COST]) { rows { keys { value } periodStart effectiveCost } } }'),
  graphql('{ costSummary(groupBy: ["family"], granularity: MONTH, metrics: [EFFECTIVE_COST]) { rows { keys { value name } effectiveCost } } }'),
  graphql(`{ billingAccountByAccountId(accountId: "${account}") { name costSummary(groupBy: ["regionId"], metrics: [EFFECTIVE_COST]) { rows { effectiveCost } } } }`),
  { method: 'GET' as const, path: '/focus/v1/cost-and-usage?pageSize=100', headers },
  { method: 'GET' as const, path: '/billingEngine/cost?groupBy=service', headers },
  { method: 'GET' as const, path: '/billingEngine/family', headers },
];

// Memory of the server, sampled while everything runs.
let peakRss = 0;
const rssSamples: number[] = [];
const sampler = setInterval(() => {
  const rss = rssMb(server.pid!);
  peakRss = Math.max(peakRss, rss);
  rssSamples.push(rss);
}, 1000);

/** Mutations refused with DATABASE_BUSY (503) while the ingest held the write lock, and retried after Retry-After. */
let busyRetries = 0;

// Subscribers: each starts an export of one day and watches it over graphql-ws until it completes.
async function subscriber(index: number): Promise<boolean> {
  const day = String((index % 28) + 1).padStart(2, '0');
  const body = JSON.stringify({
    query: 'mutation ($input: StartExportInput!) { startExport(input: $input) { id } }',
    variables: { input: { billingPeriodStart: '2026-01-01T00:00:00Z', billingPeriodEnd: '2026-02-01T00:00:00Z', format: 'CSV', filter: { chargePeriodStart: { gte: `2026-01-${day}T00:00:00Z`, lt: `2026-01-${day}T01:00:00Z` } } } },
  });
  let start = await fetch(`${baseUrl}/graphql`, { method: 'POST', headers, body });
  // As a client should: a write refused while another process holds the lock is tried again when the server says.
  while (start.status === 503) {
    busyRetries++;
    await new Promise((resolve) => setTimeout(resolve, Number(start.headers.get('retry-after') ?? 1) * 1000));
    start = await fetch(`${baseUrl}/graphql`, { method: 'POST', headers, body });
  }
  const started = (await start.json()) as { data?: { startExport: { id: string } }; errors?: unknown[] };
  if (!started.data) throw new Error(`startExport failed: ${JSON.stringify(started.errors)}`);
  const id = started.data.startExport.id;
  const client = createClient({ url: `${baseUrl.replace('http', 'ws')}/graphql`, webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${key}` }, retryAttempts: 0 });
  try {
    return await new Promise<boolean>((resolve, reject) => {
      let last = '';
      client.subscribe<{ exportJobUpdated: { status: string } }>(
        { query: 'subscription ($id: ID!) { exportJobUpdated(id: $id) { status } }', variables: { id } },
        { next: (message) => (last = message.data?.exportJobUpdated.status ?? last), error: reject, complete: () => resolve(last === 'COMPLETE') },
      );
    });
  } finally {
    await client.dispose();
  }
}

console.error(`driving ${baseUrl} for ${values.duration} s with ${values.connections} connections, an ingest of ${ingestRows} rows and ${values.subscribers} export subscribers`);
const ingest = run(['ingest', costFile]);
const ingestDone = new Promise<number>((resolve) => ingest.once('exit', (code) => resolve(code ?? -1)));
// A subscriber that fails is counted with its reason (a socket closed by the server has a close code), not fatal.
const failures: string[] = [];
const subscribers = Promise.all(
  Array.from({ length: Number(values.subscribers) }, (_, index) =>
    subscriber(index).catch((error: unknown) => {
      const event = error as { code?: number; reason?: string; message?: string };
      failures.push(event.code !== undefined ? `closed ${event.code} ${event.reason ?? ''}`.trim() : String(event.message ?? error));
      return false;
    }),
  ),
);
const result = await autocannon({ url: baseUrl, connections: Number(values.connections), duration: Number(values.duration), requests });
const ingestExit = await ingestDone;
const subscriberResults = await subscribers;
clearInterval(sampler);

const health = await fetch(`${baseUrl}/graphql`, { method: 'POST', headers, body: JSON.stringify({ query: '{ costRecords(first: 1) { totalCount } }' }) });
const rowsAfter = ((await health.json()) as any).data.costRecords.totalCount as number;
server.kill('SIGTERM');
await new Promise((resolve) => server.once('exit', resolve));
rmSync(work, { recursive: true, force: true });

const report = {
  date: new Date().toISOString(),
  machine: { node: process.version, cpus: os.cpus().length },
  rows: rowsBefore,
  durationSeconds: Number(values.duration),
  connections: Number(values.connections),
  requests: { total: result.requests.total, perSecond: result.requests.average, errors: result.errors, timeouts: result.timeouts, non2xx: result.non2xx },
  latencyMs: { p50: result.latency.p50, p90: result.latency.p90, p99: result.latency.p99, max: result.latency.max },
  ingest: { rows: ingestRows, exitCode: ingestExit, rowsBefore, rowsAfter, lost: rowsBefore + ingestRows - rowsAfter },
  subscribers: { total: subscriberResults.length, sawComplete: subscriberResults.filter(Boolean).length, failures: [...new Set(failures)], busyRetries },
  serverRssMb: { peak: Math.round(peakRss), first: Math.round(rssSamples[0] ?? 0), last: Math.round(rssSamples.at(-1) ?? 0) },
};
mkdirSync(path.join(root, 'bench/results'), { recursive: true });
const file = path.join(root, 'bench/results', `${report.date.slice(0, 10)}-load.json`);
writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
console.log(`| measure | value |
|---|---|
| requests (${report.connections} connections, ${report.durationSeconds} s) | ${report.requests.total.toLocaleString('en-US')}, ${report.requests.perSecond.toFixed(0)}/s |
| errors / timeouts / non-2xx | ${report.requests.errors} / ${report.requests.timeouts} / ${report.requests.non2xx} |
| latency p50 / p90 / p99 / max | ${report.latencyMs.p50} / ${report.latencyMs.p90} / ${report.latencyMs.p99} / ${report.latencyMs.max} ms |
| concurrent ingest | ${ingestRows.toLocaleString('en-US')} rows, exit ${ingestExit}, rows lost: ${report.ingest.lost} |
| export subscribers that saw COMPLETE | ${report.subscribers.sawComplete} of ${report.subscribers.total}${failures.length ? ` (failures: ${report.subscribers.failures.join('; ')})` : ''}; startExport retried after DATABASE_BUSY: ${busyRetries} |
| server RSS first / last / peak | ${report.serverRssMb.first} / ${report.serverRssMb.last} / ${report.serverRssMb.peak} MB |
results: ${path.relative(root, file)}`);
const failed = report.requests.errors + report.requests.timeouts + report.requests.non2xx > 0 || ingestExit !== 0 || report.ingest.lost !== 0 || report.subscribers.sawComplete !== report.subscribers.total;
process.exitCode = failed ? 1 : 0;
