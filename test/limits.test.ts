import { request as httpRequest } from 'node:http';
import { createClient, type Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createApiKey } from '../src/auth/keys.ts';
import { ConfigError, loadConfig, type GraphQLLimits } from '../src/config.ts';
import { createPrismaClient } from '../src/db/client.ts';
import { ExportService } from '../src/exports/service.ts';
import { familyIdFromInput } from '../src/graphql/cost-records.ts';
import { fileSource, ingest } from '../src/ingest/service.ts';
import { createGatewayServer, listen } from '../src/server/http.ts';
import { RateLimiter, type RateLimit } from '../src/server/rate-limit.ts';
import { AWS_COST_SAMPLE, postGraphQL, tempDatabase, type GraphQLResponse } from './helpers.ts';

const DEFAULT_LIMITS = loadConfig({}).graphql;
const NO_RATE_LIMIT: RateLimit = { perMinute: 10_000_000, burst: 1_000_000 };

let database: Awaited<ReturnType<typeof tempDatabase>>;
const closers: (() => Promise<void>)[] = [];
beforeAll(async () => {
  database = await tempDatabase();
  await ingest(database.db, fileSource(AWS_COST_SAMPLE));
});
afterAll(async () => {
  for (const close of closers.splice(0).reverse()) await close();
  database.close();
});

/** A real gateway over the shared database with the given limits, and a fresh admin key (its own rate limit bucket). */
async function gatewayWith(limits: Partial<GraphQLLimits> = {}, rateLimit: RateLimit = NO_RATE_LIMIT) {
  const prisma = createPrismaClient(database.url);
  const exports = new ExportService({ db: database.db, filterOptions: { familyId: familyIdFromInput } });
  const server = createGatewayServer({ db: database.db, prisma, exports, rateLimiter: new RateLimiter(rateLimit) }, { ...DEFAULT_LIMITS, ...limits });
  const { port } = await listen(server, 0, '127.0.0.1');
  const baseUrl = `http://127.0.0.1:${port}`;
  const clients: Client[] = [];
  closers.push(async () => {
    await Promise.all(clients.map((client) => client.dispose()));
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
    await exports.close();
    await prisma.$disconnect();
  });
  const newKey = async () => (await createApiKey(prisma, { name: `limits ${Math.random()}`, role: 'admin' })).key;
  const key = await newKey();
  return {
    baseUrl,
    key,
    newKey,
    graphql: <T = Record<string, any>>(query: string, variables?: Record<string, unknown>, as = key) => postGraphQL<T>(baseUrl, as, query, variables),
    post: (body: string, headers: Record<string, string> = {}) =>
      fetch(`${baseUrl}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}`, ...headers }, body }),
    /** A graphql-ws client; `run` resolves with an operation's one result, or rejects with its errors. */
    webSocket(as = key) {
      const closed: number[] = [];
      const client = createClient({
        url: `${baseUrl.replace('http', 'ws')}/graphql`,
        webSocketImpl: WebSocket,
        connectionParams: { authorization: `Bearer ${as}` },
        retryAttempts: 0,
        lazy: false,
        on: { closed: (event) => closed.push((event as CloseEvent).code) },
      });
      clients.push(client);
      const run = (query: string) =>
        new Promise<GraphQLResponse>((resolve, reject) => {
          let result: GraphQLResponse;
          client.subscribe({ query }, { next: (value) => (result = value as GraphQLResponse), error: reject, complete: () => resolve(result) });
        });
      return { run, closed };
    },
  };
}

const aliases = (count: number) => `{ ${Array.from({ length: count }, (_, i) => `v${i}: focusVersion`).join(' ')} }`;

describe('rate limit on GraphQL', () => {
  it('refuses an operation over the key’s limit with 429, Retry-After and RATE_LIMITED, sharing the REST bucket', async () => {
    const gateway = await gatewayWith({}, { perMinute: 6, burst: 3 });
    expect((await gateway.post(JSON.stringify({ query: '{ focusVersion }' }))).status).toBe(200);
    expect((await fetch(`${gateway.baseUrl}/focus/v1/schema`, { headers: { authorization: `Bearer ${gateway.key}` } })).status).toBe(200);
    expect((await gateway.post(JSON.stringify({ query: '{ focusVersion }' }))).status).toBe(200);
    const refused = await gateway.post(JSON.stringify({ query: '{ focusVersion }' }));
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBe(10);
    const body = (await refused.json()) as GraphQLResponse;
    expect(body.errors![0].extensions).toEqual({ code: 'RATE_LIMITED', retryAfterSeconds: 10 });
    expect(body.errors![0].message).toMatch(/too many requests for this API key; retry in 10 s/);
    // Another key has its own bucket.
    expect((await gateway.graphql('{ focusVersion }', undefined, await gateway.newKey())).data).toEqual({ focusVersion: '1.3' });
  });

  it('counts each graphql-ws subscribe message, refusing the one over the limit with an error message', async () => {
    const gateway = await gatewayWith({}, { perMinute: 1, burst: 2 });
    const socket = gateway.webSocket();
    expect(await socket.run('{ focusVersion }')).toEqual({ data: { focusVersion: '1.3' } });
    expect(await socket.run('{ focusVersion }')).toEqual({ data: { focusVersion: '1.3' } });
    const errors = (await socket.run('{ focusVersion }').catch((caught) => caught)) as GraphQLResponse['errors'];
    expect(errors).toEqual([{ message: 'too many requests for this API key; retry in 60 s', extensions: { code: 'RATE_LIMITED', retryAfterSeconds: 60 } }]);
    expect(socket.closed).toEqual([]);
  });
});

describe('request size', () => {
  it('refuses a /graphql body over the limit with 413 before reading it, and takes one under it', async () => {
    const gateway = await gatewayWith({ maxBodyBytes: 2_000 });
    const padded = (bytes: number) => JSON.stringify({ query: `{ focusVersion }${' '.repeat(bytes - 40)}` });
    expect(padded(1_990).length).toBeLessThanOrEqual(2_000);
    expect(await (await gateway.post(padded(1_990))).json()).toEqual({ data: { focusVersion: '1.3' } });
    const refused = await gateway.post(padded(2_100));
    expect(refused.status).toBe(413);
    expect(refused.headers.get('connection')).toBe('close');
    expect(await refused.json()).toEqual({
      errors: [{ message: `the request body is ${padded(2_100).length} bytes; the limit is 2000`, extensions: { code: 'PAYLOAD_TOO_LARGE', limit: 2_000 } }],
    });
  });

  it('refuses over 1 MB by default, and a chunked body (no Content-Length) with 411', async () => {
    const gateway = await gatewayWith();
    const refused = await gateway.post(JSON.stringify({ query: `{ focusVersion }${' '.repeat(1_000_001)}` }));
    expect(refused.status).toBe(413);
    const chunked = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const request = httpRequest(`${gateway.baseUrl}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${gateway.key}` } }, (response) => {
        let body = '';
        response.on('data', (chunk) => (body += chunk));
        response.on('end', () => resolve({ status: response.statusCode!, body }));
      });
      request.on('error', reject);
      request.write('{"query":');
      request.end('"{ focusVersion }"}');
    });
    expect(chunked.status).toBe(411);
    expect(JSON.parse(chunked.body).errors[0].extensions.code).toBe('LENGTH_REQUIRED');
  });

  it('closes a graphql-ws socket that sends a message over the limit with 1009 (Message Too Big)', async () => {
    const gateway = await gatewayWith({ maxBodyBytes: 2_000 });
    const socket = new WebSocket(`${gateway.baseUrl.replace('http', 'ws')}/graphql`, 'graphql-transport-ws');
    await new Promise((resolve) => socket.once('open', resolve));
    socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${gateway.key}` } }));
    await new Promise((resolve) => socket.once('message', resolve));
    socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: `{ focusVersion }${' '.repeat(3_000)}` } }));
    expect(await new Promise((resolve) => socket.once('close', resolve))).toBe(1009);
  });

  it('stops parsing a document over the token limit (QUERY_TOO_COMPLEX, tokens) and parses one under it', async () => {
    const gateway = await gatewayWith({ maxTokens: 200, maxAliases: 1_000 });
    const response = await gateway.post(JSON.stringify({ query: aliases(70) }), { accept: 'application/graphql-response+json' });
    expect(response.status).toBe(400);
    const body = (await response.json()) as GraphQLResponse;
    expect(body.errors).toEqual([
      { message: 'document too large: it has more than 200 tokens, the limit', extensions: { code: 'QUERY_TOO_COMPLEX', measure: 'tokens', value: 201, limit: 200 } },
    ]);
    expect((await gateway.graphql(aliases(60))).data).toHaveProperty('v59', '1.3');
    const overWebSocket = await gateway.webSocket().run(aliases(70)).catch((caught) => caught);
    expect(overWebSocket[0].extensions).toEqual({ code: 'QUERY_TOO_COMPLEX', measure: 'tokens', value: 201, limit: 200 });
  });
});

describe('nesting', () => {
  it('refuses a document nested too deeply for the parser with QUERY_TOO_COMPLEX (depth), not a 500', async () => {
    const gateway = await gatewayWith({});
    const deep = `{${' a {'.repeat(2_000)} id${' }'.repeat(2_000)} }`;
    const response = await gateway.post(JSON.stringify({ query: deep }), { accept: 'application/graphql-response+json' });
    expect(response.status).toBe(400);
    const body = (await response.json()) as GraphQLResponse;
    expect(body.errors![0]).toMatchObject({ message: expect.stringMatching(/nested too deeply/), extensions: { code: 'QUERY_TOO_COMPLEX', measure: 'depth' } });
  });
});

describe('aliases', () => {
  it('allows 30 aliases by default and refuses 31 with QUERY_TOO_COMPLEX (aliases), over HTTP and graphql-ws', async () => {
    const gateway = await gatewayWith();
    expect((await gateway.graphql(aliases(30))).data).toHaveProperty('v29', '1.3');
    const refused = await gateway.graphql(aliases(31));
    expect(refused.data ?? null).toBeNull();
    expect(refused.errors).toMatchObject([{ message: 'query too aliased: 31 aliases exceed the limit of 30', extensions: { code: 'QUERY_TOO_COMPLEX', measure: 'aliases', value: 31, limit: 30 } }]);
    const overWebSocket = await gateway.webSocket().run(aliases(31)).catch((caught) => caught);
    expect(overWebSocket[0].extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', measure: 'aliases' });
  });

  it('counts a fragment’s aliases every time it is spread, and survives a fragment cycle', async () => {
    const gateway = await gatewayWith({ maxAliases: 10 });
    const fragment = `fragment Six on Query { ${Array.from({ length: 6 }, (_, i) => `f${i}: focusVersion`).join(' ')} }`;
    expect((await gateway.graphql(`{ ...Six } ${fragment}`)).data).toHaveProperty('f5', '1.3');
    const twice = await gateway.graphql(`{ ...Six ... on Query { ...Six } } ${fragment}`);
    expect(twice.errors![0].extensions).toMatchObject({ measure: 'aliases', value: 12, limit: 10 });
    const cycle = await gateway.graphql('{ ...A } fragment A on Query { a: focusVersion ...B } fragment B on Query { b: focusVersion ...A }');
    expect(cycle.errors!.map((error) => error.message).join(' ')).toMatch(/Cannot spread fragment "A" within itself/);
  });
});

describe('execution timeout', () => {
  // A page with nested links, then an aggregate: well over a millisecond of work on any machine.
  const PAGE =
    '{ costRecords(first: 100) { edges { node { id billedCost serviceName billingAccount { name } family { name } commitments { id } } } } costSummary(groupBy: ["serviceName"], granularity: DAY, metrics: [BILLED_COST]) { rows { billedCost } } }';

  it('stops an operation that runs past GRAPHQL_TIMEOUT_MS with one TIMEOUT error and 504; the default lets it finish', async () => {
    const hasty = await gatewayWith({ timeoutMs: 1 });
    const response = await hasty.post(JSON.stringify({ query: PAGE }), { accept: 'application/graphql-response+json' });
    expect(response.status).toBe(504);
    expect(await response.json()).toEqual({ data: null, errors: [{ message: 'the operation took longer than 1 ms and was stopped', extensions: { code: 'TIMEOUT', limitMs: 1 } }] });
    const overWebSocket = await hasty.webSocket().run(PAGE);
    expect(overWebSocket.errors).toEqual([{ message: 'the operation took longer than 1 ms and was stopped', extensions: { code: 'TIMEOUT', limitMs: 1 } }]);
    const patient = await gatewayWith();
    expect((await patient.graphql(PAGE)).data!.costRecords.edges).toHaveLength(100);
  });
});

describe('introspection', () => {
  const SCHEMA = '{ __schema { queryType { name } } }';

  it('is on by default', async () => {
    expect((await (await gatewayWith()).graphql(SCHEMA)).data).toEqual({ __schema: { queryType: { name: 'Query' } } });
  });

  it('is refused with INTROSPECTION_DISABLED when turned off, over HTTP and graphql-ws; __typename still works', async () => {
    const gateway = await gatewayWith({ introspection: false });
    for (const query of [SCHEMA, '{ __type(name: "CostRecord") { name } }']) {
      const refused = await gateway.graphql(query);
      expect(refused.errors![0].extensions).toEqual({ code: 'INTROSPECTION_DISABLED' });
    }
    const overWebSocket = await gateway.webSocket().run(SCHEMA).catch((caught) => caught);
    expect(overWebSocket[0].extensions).toEqual({ code: 'INTROSPECTION_DISABLED' });
    expect((await gateway.graphql('{ __typename focusVersion }')).data).toEqual({ __typename: 'Query', focusVersion: '1.3' });
  });
});

describe('CSRF prevention', () => {
  it('refuses a request a browser could send from another site without a preflight, and takes the ones it could not', async () => {
    const gateway = await gatewayWith();
    const url = `${gateway.baseUrl}/graphql`;
    const query = encodeURIComponent('{ focusVersion }');
    // A form or text/plain POST and a bare GET: what a hostile page can make a browser send.
    for (const simple of [
      fetch(url, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: JSON.stringify({ query: '{ focusVersion }' }) }),
      fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `query=${query}` }),
      fetch(`${url}?query=${query}`, { headers: { accept: 'application/json' } }),
    ]) {
      const response = await simple;
      expect(response.status).toBe(403);
      expect(((await response.json()) as GraphQLResponse).errors![0].extensions).toEqual({ code: 'CSRF_PREVENTED' });
    }
    // JSON, an API key header, or yoga's CSRF header make a request non-simple.
    const get = (headers: Record<string, string>) => fetch(`${url}?query=${query}`, { headers: { accept: 'application/json', ...headers } });
    expect(await (await get({ authorization: `Bearer ${gateway.key}` })).json()).toEqual({ data: { focusVersion: '1.3' } });
    expect(await (await get({ 'x-api-key': gateway.key })).json()).toEqual({ data: { focusVersion: '1.3' } });
    expect((await get({ 'x-graphql-yoga-csrf': '1' })).status).toBe(401);
    expect((await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"{ focusVersion }"}' })).status).toBe(401);
    expect((await fetch(url, { headers: { accept: 'text/html' } })).status).toBe(200);
  });
});

describe('configuration', () => {
  it('reads the limits from the environment, with defaults, and refuses bad values', () => {
    expect(loadConfig({}).graphql).toEqual({ maxBodyBytes: 1_000_000, maxTokens: 5_000, maxAliases: 30, timeoutMs: 15_000, introspection: true });
    expect(loadConfig({}).shutdownGraceMs).toBe(10_000);
    const env = { GRAPHQL_MAX_BODY_BYTES: '5000', GRAPHQL_MAX_TOKENS: '800', GRAPHQL_MAX_ALIASES: '0', GRAPHQL_TIMEOUT_MS: '2500', GRAPHQL_INTROSPECTION: 'false', SHUTDOWN_GRACE_MS: '0' };
    expect(loadConfig(env).graphql).toEqual({ maxBodyBytes: 5_000, maxTokens: 800, maxAliases: 0, timeoutMs: 2_500, introspection: false });
    expect(loadConfig(env).shutdownGraceMs).toBe(0);
    expect(() => loadConfig({ GRAPHQL_INTROSPECTION: 'no' })).toThrow(new ConfigError('GRAPHQL_INTROSPECTION must be true or false (got "no")'));
    expect(() => loadConfig({ GRAPHQL_TIMEOUT_MS: '0' })).toThrow(/GRAPHQL_TIMEOUT_MS must be a whole number from 1 to 3600000 \(got "0"\)/);
    expect(() => loadConfig({ GRAPHQL_MAX_BODY_BYTES: '1MB' })).toThrow(/GRAPHQL_MAX_BODY_BYTES must be a whole number/);
  });
});
