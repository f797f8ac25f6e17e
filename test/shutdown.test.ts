import { request as httpRequest } from 'node:http';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createApiKey } from '../src/auth/keys.ts';
import { openMigratedDatabase } from '../src/db/bootstrap.ts';
import { createPrismaClient } from '../src/db/client.ts';
import { openSqlite } from '../src/db/sqlite.ts';
import { loadDemoData } from '../src/demo/load.ts';
import { postGraphQL, serveProcess, tempDir } from './helpers.ts';

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((cleanup) => cleanup()));

/** Starts `focus-gateway serve` and resolves once it prints where it listens. */
const serve = (env: Record<string, string>) => serveProcess(process.cwd(), env, (child) => cleanups.push(() => child.kill('SIGKILL')));

const START = 'mutation { startExport(input: { billingPeriodStart: "2026-01-01T00:00:00Z", billingPeriodEnd: "2026-04-01T00:00:00Z", format: CSV }) { id status } }';
const UPDATED = 'subscription ($id: ID!) { exportJobUpdated(id: $id) { status } }';

describe('graceful shutdown of focus-gateway serve', () => {
  it('on SIGTERM finishes the request in flight, closes sockets with 1001, ends SSE streams, parks exports, exits 0; the restart finishes them', async () => {
    const { dir, remove } = tempDir();
    cleanups.push(remove);
    const url = `file:${path.join(dir, 'focus.db')}`;
    const { db } = await openMigratedDatabase(url);
    const prisma = createPrismaClient(url);
    const { key } = await createApiKey(prisma, { name: 'shutdown test', role: 'admin' });
    await loadDemoData(db, prisma, { rows: 5_000, seed: 7 });
    await prisma.$disconnect();
    db.close();

    // One export at a time: the second job waits PENDING behind the first, so the shutdown finds work unfinished.
    const env = { DATABASE_URL: url, EXPORT_CONCURRENCY: '1', SHUTDOWN_GRACE_MS: '10000' };
    const first = await serve(env);
    const jobs: string[] = [];
    for (let i = 0; i < 2; i++) {
      const started = await postGraphQL<{ startExport: { id: string } }>(first.baseUrl, key, START);
      expect(started.errors).toBeUndefined();
      jobs.push(started.data!.startExport.id);
    }

    // A graphql-ws subscription to the second job, open when the signal comes.
    const socket = new WebSocket(`${first.baseUrl.replace('http', 'ws')}/graphql`, 'graphql-transport-ws');
    const socketMessages: unknown[] = [];
    const socketClosed = new Promise<number>((resolve) => socket.once('close', resolve));
    await new Promise((resolve) => socket.once('open', resolve));
    socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${key}` } }));
    await new Promise((resolve) => socket.once('message', resolve));
    socket.on('message', (data) => socketMessages.push(JSON.parse(String(data))));
    socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: UPDATED, variables: { id: jobs[1] } } }));
    // The same over server-sent events.
    const sse = await fetch(`${first.baseUrl}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${key}` },
      body: JSON.stringify({ query: UPDATED, variables: { id: jobs[1] } }),
    });
    const sseText = sse.text();

    // A request in flight: its headers and half its body are sent, the rest only after the signal.
    const body = JSON.stringify({ query: '{ costRecords(first: 3) { totalCount edges { node { billedCost } } } }' });
    const inFlight = httpRequest(`${first.baseUrl}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), authorization: `Bearer ${key}` },
    });
    const answered = new Promise<{ status: number; connection: string | undefined; text: string }>((resolve, reject) => {
      inFlight.on('response', (response) => {
        let text = '';
        response.on('data', (chunk) => (text += chunk));
        response.on('end', () => resolve({ status: response.statusCode!, connection: response.headers.connection, text }));
      });
      inFlight.on('error', reject);
    });
    inFlight.write(body.slice(0, 20));
    await expect.poll(() => socketMessages, { timeout: 5_000 }).toEqual([{ id: '1', type: 'next', payload: { data: { exportJobUpdated: { status: 'PENDING' } } } }]);
    // Time for the server to take in the request's headers.
    await sleep(200);

    first.child.kill('SIGTERM');
    await expect.poll(() => first.output(), { timeout: 5_000 }).toMatch(/SIGTERM: shutting down/);
    // New connections are refused from now on.
    await expect(fetch(`${first.baseUrl}/healthz`)).rejects.toThrow();
    inFlight.end(body.slice(20));

    const response = await answered;
    expect(response.status).toBe(200);
    expect(response.connection).toBe('close');
    expect(JSON.parse(response.text)).toMatchObject({ data: { costRecords: { totalCount: 5_000 } } });
    expect(await socketClosed).toBe(1001);
    expect(await sseText).toMatch(/event: complete/);
    expect(await first.exited).toBe(0);
    expect(first.output()).toMatch(/\nstopped\n/);

    const stopped = openSqlite(url);
    expect(stopped.prepare('PRAGMA integrity_check').pluck().get()).toBe('ok');
    const statuses = () => (stopped.prepare('SELECT status FROM export_jobs ORDER BY created_at').pluck().all() as string[]).sort();
    // Nothing is left half done: jobs are complete or waiting for the next start (the second one always is).
    expect(statuses().every((status) => status === 'COMPLETE' || status === 'PENDING')).toBe(true);
    expect(statuses()).toContain('PENDING');

    const second = await serve(env);
    await expect.poll(statuses, { timeout: 30_000, interval: 200 }).toEqual(['COMPLETE', 'COMPLETE']);
    expect(stopped.prepare('PRAGMA integrity_check').pluck().get()).toBe('ok');
    stopped.close();
    second.child.kill('SIGINT');
    expect(await second.exited).toBe(0);
  }, 60_000);
});
