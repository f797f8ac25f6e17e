/**
 * Shared pieces of the fuzz suites (fuzz-*.test.ts) and the SQL injection test: fast-check settings, hostile strings,
 * a database fingerprint to prove that hostile input changed nothing, and a raw HTTP client that sends exactly the
 * bytes it is given (fetch would normalise paths and reuse connections a refused upload left in a bad state).
 */
import { createHash } from 'node:crypto';
import { request } from 'node:http';
import fc from 'fast-check';
import { expect } from 'vitest';
import type { SqliteDatabase } from '../src/db/sqlite.ts';

/**
 * Every property runs with this seed: FUZZ_SEED reproduces a run (fast-check prints the seed and path of a failure);
 * without it each run explores new cases. FUZZ_RUNS multiplies the number of cases, for a longer hunt than CI's.
 */
export const FUZZ_SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : Math.floor(Math.random() * 0x7fffffff);
const scale = process.env.FUZZ_RUNS ? Number(process.env.FUZZ_RUNS) : 1;

export function fuzzParameters<T>(numRuns: number): fc.Parameters<T> {
  return { seed: FUZZ_SEED, numRuns: Math.max(1, Math.round(numRuns * scale)) };
}

/** What an attacker types into a filter or a parameter to reach the SQL behind it. */
export const INJECTION_PAYLOADS: readonly string[] = [
  "' OR 1=1 --",
  "' OR '1'='1",
  '" OR ""="',
  '"; DROP TABLE cost_records; --',
  "'; DROP TABLE cost_records; --",
  "x') UNION SELECT name, sql FROM sqlite_master --",
  "x\") UNION SELECT id FROM api_keys --",
  '1; DELETE FROM cost_records',
  "') OR ('a'='a",
  '*/ OR 1=1 /*',
  "' AND randomblob(1000000000) --",
  "'; ATTACH DATABASE '/tmp/fuzz-attach.db' AS x; --",
  "' || (SELECT group_concat(name) FROM sqlite_master) || '",
  '\\',
  "\\'",
  "%' OR 1=1 --",
  '%',
  '_',
  '?',
  '?1',
  ':name',
  '@p',
  '$1',
  '`',
  ']',
  '$."a"',
  'json_each',
  'NULL',
  'null',
  '',
  ' ',
  '\u0000',
  "\u0000' OR 1=1 --",
  'x\u0000y',
  '\ud800',
  '\u202e',
  'A'.repeat(10_000),
];

/** Strings of every kind: hostile, random (any code point, lone surrogates included), long, and the `known` ones. */
export function anyText(known: readonly string[] = []): fc.Arbitrary<string> {
  return fc.oneof(
    ...(known.length > 0 ? [{ weight: 3, arbitrary: fc.constantFrom(...known) }] : []),
    { weight: 3, arbitrary: fc.constantFrom(...INJECTION_PAYLOADS) },
    { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 24 }) },
    { weight: 2, arbitrary: fc.string({ maxLength: 12 }) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary-ascii', minLength: 200, maxLength: 3000 }) },
  );
}

/** Text as a URL component; lone surrogates, which have no UTF-8 form, as U+FFFD. */
export function urlComponent(value: string): string {
  return encodeURIComponent(value.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd'));
}

/** Content of every table (row count and a hash of the rows), and of the schema itself. */
export function databaseFingerprint(db: SqliteDatabase, except: readonly string[] = []): Record<string, string> {
  const master = db.prepare("SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name").raw(true).all();
  const fingerprint: Record<string, string> = { '(schema)': createHash('sha256').update(JSON.stringify(master)).digest('hex') };
  const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").pluck().all() as string[];
  for (const table of tables) {
    if (except.includes(table)) continue;
    const hash = createHash('sha256');
    let count = 0;
    for (const row of db.prepare(`SELECT * FROM "${table}" ORDER BY rowid`).raw(true).iterate()) {
      hash.update(JSON.stringify(row, (_key, value) => (typeof value === 'bigint' ? value.toString() : value)));
      count++;
    }
    fingerprint[table] = `${count} rows, ${hash.digest('hex').slice(0, 16)}`;
  }
  return fingerprint;
}

export function expectIntactDatabase(db: SqliteDatabase): void {
  expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
  expect(db.pragma('foreign_key_check')).toEqual([]);
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/**
 * One HTTP request on a connection of its own, with the path and body sent as given. Resolves with the response even
 * when the server answers before it has read the whole body (a 413) and then drops the connection.
 */
export function rawRequest(baseUrl: string, options: { method: string; path: string; headers?: Record<string, string>; body?: string | Buffer }): Promise<RawResponse> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    let answered = false;
    const headers = { ...options.headers, ...(options.body === undefined ? {} : { 'content-length': String(Buffer.byteLength(options.body)) }) };
    const outgoing = request({ host: hostname, port, method: options.method, path: options.path, headers, agent: false }, (response) => {
      answered = true;
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, text: Buffer.concat(chunks).toString('utf8') }));
      response.on('error', reject);
    });
    outgoing.on('error', (error) => {
      if (!answered) reject(error);
    });
    outgoing.end(options.body);
  });
}

/** A JSON body, or a failed expectation that shows what came instead. */
export function jsonOf(response: RawResponse): any {
  expect(String(response.headers['content-type']), `status ${response.status}: ${response.text.slice(0, 300)}`).toMatch(/json/);
  try {
    return JSON.parse(response.text);
  } catch {
    throw new Error(`status ${response.status} with a body that is not JSON: ${response.text.slice(0, 300)}`);
  }
}
