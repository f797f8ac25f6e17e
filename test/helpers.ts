import { spawn, type ChildProcess } from 'node:child_process';
import { expect } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Papa from 'papaparse';
import { Decimal as BaseDecimal } from 'decimal.js';
import { openMigratedDatabase } from '../src/db/bootstrap.ts';
import { createApiKey } from '../src/auth/keys.ts';
import { createPrismaClient, type PrismaClient } from '../src/db/client.ts';
import { ExportService, type ExportServiceOptions } from '../src/exports/service.ts';
import { familyIdFromInput } from '../src/graphql/cost-records.ts';
import { createGatewayServer, listen } from '../src/server/http.ts';
import { RateLimiter, type RateLimit } from '../src/server/rate-limit.ts';
import type { SqliteDatabase } from '../src/db/sqlite.ts';
import { closeScopedDatabases } from '../src/auth/scope.ts';

export const FIXTURES = path.resolve(import.meta.dirname, 'fixtures');
export const SAMPLES = path.join(FIXTURES, 'focus-sample-data');
export const AWS_COST_SAMPLE = path.join(SAMPLES, 'community_focus-data-toolkit_1.3/aws_1_3_cost_and_usage_rows100_seed42.csv');
export const AWS_COMMITMENT_SAMPLE = path.join(SAMPLES, 'community_focus-data-toolkit_1.3/aws_1_3_contract_commitment_rows100_seed42.csv');
export const MULTI_PROVIDER_SAMPLE = path.join(SAMPLES, 'community_focus-data-toolkit_1.3/consolidated_multi_provider_1_3.csv');
const Decimal = BaseDecimal.clone({ precision: 200 });
export const PROJECT_ROOT = path.resolve(import.meta.dirname, '..');

export function tempDir(): { dir: string; remove(): void } {
  const dir = mkdtempSync(path.join(tmpdir(), 'focus-gateway-test-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export async function tempDatabase(): Promise<{ db: SqliteDatabase; url: string; dir: string; close(): void }> {
  const { dir, remove } = tempDir();
  const url = `file:${path.join(dir, 'focus.db')}`;
  const { db } = await openMigratedDatabase(url);
  return {
    db,
    url,
    dir,
    close() {
      db.close();
      remove();
    },
  };
}

/** Rows of a CSV file as objects, read by papaparse rather than the gateway's own reader. */
export function readCsvObjects(file: string): Record<string, string>[] {
  const text = readFileSync(file, 'utf8').replace(/^\uFEFF/, '');
  return Papa.parse<Record<string, string>>(text, { header: true, skipEmptyLines: true }).data;
}

/** The exact decimal sum of a column per key, computed from the file's text. */
export function exactTotals(rows: Record<string, string>[], keyColumn: string, valueColumn: string): Map<string, string> {
  const totals = new Map<string, BaseDecimal>();
  for (const row of rows) {
    const key = row[keyColumn];
    totals.set(key, (totals.get(key) ?? new Decimal(0)).plus(row[valueColumn]));
  }
  return new Map([...totals].map(([key, total]) => [key, total.toFixed()]));
}

export function tableCounts(db: SqliteDatabase): Record<string, number> {
  const tables = ['cost_records', 'contract_applications', 'commitments', 'ingest_batches', 'conformance_findings', 'billing_accounts', 'sub_accounts'];
  return Object.fromEntries(tables.map((table) => [table, (db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n]));
}

export interface GraphQLResponse<T = Record<string, any>> {
  data?: T | null;
  errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, any> }[];
}

type GraphQLClient = { graphql<T = Record<string, any>>(query: string, variables?: Record<string, unknown>): Promise<GraphQLResponse<T>> };

/** The data of an operation that must succeed. */
export async function dataOf(client: GraphQLClient, query: string, variables?: Record<string, unknown>): Promise<Record<string, any>> {
  const response = await client.graphql(query, variables);
  expect(response.errors).toBeUndefined();
  return response.data!;
}

/** The one error of an operation that must fail. */
export async function failureOf(client: GraphQLClient, query: string, variables?: Record<string, unknown>) {
  const response = await client.graphql(query, variables);
  expect(response.errors).toHaveLength(1);
  return response.errors![0];
}

/** API keys made for a test gateway, one of each role. */
export interface TestKeys {
  admin: string;
  reader: string;
}

async function createTestKeys(prisma: PrismaClient): Promise<TestKeys> {
  return {
    admin: (await createApiKey(prisma, { name: 'test admin', role: 'admin' })).key,
    reader: (await createApiKey(prisma, { name: 'test reader', role: 'reader' })).key,
  };
}

/** POSTs a GraphQL operation; sends the given key as a bearer token unless `headers` says otherwise. */
export async function postGraphQL<T>(baseUrl: string, key: string | null, query: string, variables?: Record<string, unknown>, headers: Record<string, string> = {}): Promise<GraphQLResponse<T>> {
  const response = await fetch(`${baseUrl}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', ...(key === null ? {} : { authorization: `Bearer ${key}` }), ...headers },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as GraphQLResponse<T>;
}

const UNLIMITED_RATE: RateLimit = { perMinute: 10_000_000, burst: 1_000_000 };

/**
 * A real gateway HTTP server on a free port over the given database, with a small GraphQL client that sends an admin
 * key (`keys.reader` is there for tests of what readers may not do).
 */
export async function startGateway(
  db: SqliteDatabase,
  databaseUrl: string,
  exportOptions: Omit<ExportServiceOptions, 'db'> = {},
  // Tests send requests far faster than any client may: only the rate-limit tests pass a real limit.
  rateLimit: RateLimit = UNLIMITED_RATE,
) {
  const prisma = createPrismaClient(databaseUrl);
  const keys = await createTestKeys(prisma);
  const exports = new ExportService({ db, filterOptions: { familyId: familyIdFromInput }, ...exportOptions });
  const server = createGatewayServer({ db, prisma, exports, rateLimiter: new RateLimiter(rateLimit) });
  const { port } = await listen(server, 0, '127.0.0.1');
  const baseUrl = `http://127.0.0.1:${port}`;
  return {
    baseUrl,
    prisma,
    keys,
    exports,
    graphql: <T = Record<string, any>>(query: string, variables?: Record<string, unknown>, headers: Record<string, string> = {}) =>
      postGraphQL<T>(baseUrl, keys.admin, query, variables, headers),
    /** The same, with another key, or none (null). */
    graphqlAs: <T = Record<string, any>>(key: string | null, query: string, variables?: Record<string, unknown>, headers: Record<string, string> = {}) =>
      postGraphQL<T>(baseUrl, key, query, variables, headers),
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await exports.close();
      closeScopedDatabases(db);
      await prisma.$disconnect();
    },
  };
}

/** The command line, as `npx focus-gateway` runs it. */
export const CLI = path.join(PROJECT_ROOT, 'bin/focus-gateway.js');

export interface ServeProcess {
  child: ChildProcess;
  baseUrl: string;
  /** Everything it printed so far, stdout and stderr. */
  output(): string;
  /** Its exit code (null when a signal ended it). */
  exited: Promise<number | null>;
}

/**
 * Starts `focus-gateway serve` in `cwd` (on a free port unless `env` says otherwise) and resolves once it prints where
 * it listens; `onStart` gets the child at once, so a test can register its cleanup before anything can fail.
 */
export function serveProcess(cwd: string, env: Record<string, string | undefined>, onStart: (child: ChildProcess) => void): Promise<ServeProcess> {
  const child = spawn(process.execPath, [CLI, 'serve'], { cwd, env: { ...process.env, PORT: '0', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  onStart(child);
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (chunk) => {
      output += chunk;
      const match = /listening on (http:\/\/[^\s]+)/.exec(output);
      if (match) resolve({ child, baseUrl: match[1], output: () => output, exited });
    });
    child.stderr!.on('data', (chunk) => (output += chunk));
    void exited.then((code) => reject(new Error(`serve exited with ${code}: ${output}`)));
  });
}
