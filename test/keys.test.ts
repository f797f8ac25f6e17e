import { spawnSync, type ChildProcess } from 'node:child_process';
import { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import type { IncomingHttpHeaders } from 'node:http';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { authenticate, presentedKey, presentedKeyFromConnectionParams, UnauthenticatedError } from '../src/auth/credentials.ts';
import { ensureFirstAdminKey } from '../src/auth/first-start.ts';
import { createApiKey, listApiKeys, revokeApiKey, verifyApiKey, ApiKeyInputError, ApiKeyNotFoundError } from '../src/auth/keys.ts';
import { openMigratedDatabase } from '../src/db/bootstrap.ts';
import { createPrismaClient } from '../src/db/client.ts';
import { PrismaClient } from '../src/generated/prisma/client.ts';
import { openSqlite } from '../src/db/sqlite.ts';
import { fileSource, ingest } from '../src/ingest/service.ts';
import { AWS_COST_SAMPLE, CLI, serveProcess, tempDatabase, tempDir } from './helpers.ts';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function keyDatabase() {
  const database = await tempDatabase();
  const prisma = createPrismaClient(database.url);
  cleanups.push(() => database.close(), () => prisma.$disconnect());
  return { ...database, prisma };
}

/** Everything SQLite has written for the database: the file and its write-ahead log. */
function databaseBytes(file: string): string {
  return [file, `${file}-wal`]
    .filter((f) => existsSync(f))
    .map((f) => readFileSync(f).toString('latin1'))
    .join('');
}

const rejection = (run: () => unknown) => {
  try {
    run();
  } catch (error) {
    return error as UnauthenticatedError;
  }
  throw new Error('expected an UnauthenticatedError');
};

describe('API key service', () => {
  it('creates keys that verify as their viewer, stores only their hash, and lists them without it', async () => {
    const { prisma, db, dir } = await keyDatabase();
    const { key, apiKey } = await createApiKey(prisma, { name: 'ci', role: 'admin' });
    expect(key).toMatch(/^fgw_[A-Za-z0-9_-]{43}$/);
    expect(apiKey).toMatchObject({ name: 'ci', role: 'admin', displayPrefix: key.slice(4, 12), lastUsedAt: null, revokedAt: null });
    expect(apiKey).not.toHaveProperty('hash');
    const reader = await createApiKey(prisma, { name: 'dashboard' });
    expect(reader.apiKey.role).toBe('reader');
    expect(reader.key).not.toBe(key);

    expect(await verifyApiKey(prisma, key)).toEqual({ keyId: apiKey.id, name: 'ci', role: 'admin', scope: null });
    expect(await verifyApiKey(prisma, reader.key)).toEqual({ keyId: reader.apiKey.id, name: 'dashboard', role: 'reader', scope: null });
    const flipped = key.slice(0, -1) + (key.endsWith('A') ? 'B' : 'A');
    for (const wrong of [flipped, '', 'fgw_', key.slice(4), `${key} `, 'Bearer x']) expect(await verifyApiKey(prisma, wrong), wrong).toBeNull();

    const stored = db.prepare('SELECT id, hash, display_prefix FROM api_keys ORDER BY created_at, id').all() as { id: string; hash: string; display_prefix: string }[];
    expect(stored.find((row) => row.id === apiKey.id)?.hash).toBe(createHash('sha256').update(key).digest('hex'));
    const listed = await listApiKeys(prisma);
    expect(listed.map((k) => k.name).sort()).toEqual(['ci', 'dashboard']);
    for (const entry of listed) expect(Object.keys(entry).sort()).toEqual(['createdAt', 'displayPrefix', 'id', 'lastUsedAt', 'name', 'revokedAt', 'role', 'scope']);

    await prisma.$disconnect();
    db.pragma('wal_checkpoint(TRUNCATE)');
    const bytes = databaseBytes(path.join(dir, 'focus.db'));
    expect(bytes).toContain(stored[0].hash);
    for (const secret of [key, reader.key]) expect(bytes).not.toContain(secret.slice(4));
  });

  it('records the last use at most once a minute', async () => {
    const { prisma } = await keyDatabase();
    const { key, apiKey } = await createApiKey(prisma, { name: 'poller' });
    const lastUsed = async () => (await prisma.apiKey.findUniqueOrThrow({ where: { id: apiKey.id } })).lastUsedAt?.getTime();
    const start = Date.parse('2026-05-01T10:00:00Z');
    await verifyApiKey(prisma, key, new Date(start));
    expect(await lastUsed()).toBe(start);
    await verifyApiKey(prisma, key, new Date(start + 59_000));
    expect(await lastUsed()).toBe(start);
    await verifyApiKey(prisma, key, new Date(start + 61_000));
    expect(await lastUsed()).toBe(start + 61_000);
  });

  it('still verifies keys while another connection holds the write lock, and retries recording the use a minute later', async () => {
    const { prisma, url, dir } = await keyDatabase();
    const { key, apiKey } = await createApiKey(prisma, { name: 'during ingest' });
    // A short busy timeout keeps the test fast; the gateway's client waits longer, with the same outcome.
    const impatient = new PrismaClient({ adapter: new PrismaBetterSqlite3({ url: path.join(dir, 'focus.db'), timeout: 50 }, { timestampFormat: 'unixepoch-ms' }) });
    cleanups.push(() => impatient.$disconnect());
    const writer = openSqlite(url);
    cleanups.push(() => writer.close());
    const start = Date.parse('2026-05-01T10:00:00Z');
    writer.exec('BEGIN IMMEDIATE');
    expect(await verifyApiKey(impatient, key, new Date(start))).toMatchObject({ keyId: apiKey.id });
    writer.exec('COMMIT');
    const lastUsed = async () => (await prisma.apiKey.findUniqueOrThrow({ where: { id: apiKey.id } })).lastUsedAt?.getTime() ?? null;
    expect(await lastUsed()).toBeNull();
    await verifyApiKey(impatient, key, new Date(start + 30_000));
    expect(await lastUsed()).toBeNull();
    await verifyApiKey(impatient, key, new Date(start + 60_000));
    expect(await lastUsed()).toBe(start + 60_000);
  });

  it('revokes by id or by listed prefix; a revoked key no longer verifies; unknown ids and bad input are clear errors', async () => {
    const { prisma } = await keyDatabase();
    const first = await createApiKey(prisma, { name: 'first' });
    const second = await createApiKey(prisma, { name: 'second' });
    const revoked = await revokeApiKey(prisma, first.apiKey.id);
    expect(revoked.alreadyRevoked).toBe(false);
    expect(revoked.apiKey.revokedAt).toBeInstanceOf(Date);
    expect(await verifyApiKey(prisma, first.key)).toBeNull();
    expect(await verifyApiKey(prisma, second.key)).not.toBeNull();
    const again = await revokeApiKey(prisma, first.apiKey.id);
    expect(again).toMatchObject({ alreadyRevoked: true, apiKey: { revokedAt: revoked.apiKey.revokedAt } });

    expect((await revokeApiKey(prisma, `fgw_${second.apiKey.displayPrefix}…`)).apiKey.id).toBe(second.apiKey.id);
    expect(await verifyApiKey(prisma, second.key)).toBeNull();

    await expect(revokeApiKey(prisma, 'no-such-key')).rejects.toThrow(ApiKeyNotFoundError);
    await expect(revokeApiKey(prisma, 'no-such-key')).rejects.toThrow('no API key with id or prefix "no-such-key"');
    await expect(revokeApiKey(prisma, '')).rejects.toThrow(ApiKeyNotFoundError);
    await expect(createApiKey(prisma, { name: 'x', role: 'owner' })).rejects.toThrow(new ApiKeyInputError('role must be one of admin, reader (got "owner")'));
    await expect(createApiKey(prisma, { name: '  ' })).rejects.toThrow(ApiKeyInputError);
  });

  it('authenticate says whether the key was missing or not valid', async () => {
    const { prisma } = await keyDatabase();
    const { key, apiKey } = await createApiKey(prisma, { name: 'app' });
    expect(await authenticate(prisma, key)).toEqual({ keyId: apiKey.id, name: 'app', role: 'reader', scope: null });
    await expect(authenticate(prisma, null)).rejects.toMatchObject({ code: 'UNAUTHENTICATED', status: 401, reason: 'missing', message: expect.stringMatching(/^no API key given/) });
    await revokeApiKey(prisma, apiKey.id);
    await expect(authenticate(prisma, key)).rejects.toMatchObject({ code: 'UNAUTHENTICATED', status: 401, reason: 'invalid', message: 'the API key is not valid or has been revoked' });
  });

  it('first start creates one admin key, saved with mode 0600, and never a second', async () => {
    const { prisma, dir } = await keyDatabase();
    const file = path.join(dir, 'admin.key');
    writeFileSync(file, 'a key from an older database\n', { mode: 0o644 });
    const first = await ensureFirstAdminKey(prisma, dir);
    expect(first).toMatchObject({ file, apiKey: { name: 'admin (first start)', role: 'admin' } });
    expect(readFileSync(file, 'utf8')).toBe(`${first!.key}\n`);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(await verifyApiKey(prisma, first!.key)).toMatchObject({ role: 'admin' });
    await revokeApiKey(prisma, first!.apiKey.id);
    expect(await ensureFirstAdminKey(prisma, dir)).toBeNull();
    expect(readFileSync(file, 'utf8')).toBe(`${first!.key}\n`);
    expect(await listApiKeys(prisma)).toHaveLength(1);
  });
});

describe('presented credentials', () => {
  const key = `fgw_${'a'.repeat(43)}`;

  it('reads Authorization: Bearer and X-API-Key from fetch Headers and from Node request headers', () => {
    expect(presentedKey(new Headers({ Authorization: `Bearer ${key}` }))).toBe(key);
    expect(presentedKey(new Headers({ authorization: `bearer   ${key}  ` }))).toBe(key);
    expect(presentedKey(new Headers({ 'X-API-Key': key }))).toBe(key);
    expect(presentedKey(new Headers({ Authorization: `Bearer ${key}`, 'X-API-Key': key }))).toBe(key);
    expect(presentedKey(new Headers({ accept: 'application/json' }))).toBeNull();
    const node: IncomingHttpHeaders = { authorization: `Bearer ${key}` };
    expect(presentedKey(node)).toBe(key);
    expect(presentedKey({ 'x-api-key': key })).toBe(key);
    expect(presentedKey({ 'x-api-key': [key] })).toBe(key);
    expect(presentedKey({ host: 'localhost' })).toBeNull();
  });

  it('refuses a key header that is there but unusable, saying why', () => {
    const cases: [Headers | IncomingHttpHeaders, RegExp][] = [
      [new Headers({ Authorization: `Basic ${key}` }), /^the Authorization header must be `Bearer <key>` \(got the "Basic" scheme\)$/],
      [new Headers({ Authorization: key }), /^the Authorization header must be `Bearer <key>` \("Bearer " is missing\)$/],
      [new Headers({ Authorization: `${key} ${key}` }), /^the Authorization header must be `Bearer <key>` \(got another scheme\)$/],
      [new Headers({ Authorization: 'Bearer' }), /no key after `Bearer`/],
      [new Headers({ Authorization: 'Bearer    ' }), /no key after `Bearer`/],
      [new Headers({ 'X-API-Key': ' ' }), /X-API-Key header is empty/],
      [new Headers({ Authorization: `Bearer ${key}`, 'X-API-Key': 'other' }), /carry different keys/],
      [{ 'x-api-key': [key, 'other'] }, /X-API-Key header was given more than once/],
    ];
    for (const [headers, message] of cases) {
      const error = rejection(() => presentedKey(headers));
      expect(error).toBeInstanceOf(UnauthenticatedError);
      expect(error).toMatchObject({ code: 'UNAUTHENTICATED', status: 401, reason: 'malformed' });
      expect(error.message).toMatch(message);
      expect(error.message).not.toContain(key.slice(4));
    }
  });

  it('reads graphql-ws connection parameters in the spellings clients use', () => {
    for (const params of [
      { authorization: `Bearer ${key}` },
      { Authorization: `Bearer ${key}` },
      { apiKey: key },
      { 'x-api-key': key },
      { 'X-API-Key': key },
      { headers: { Authorization: `Bearer ${key}` } },
      { apiKey: key, headers: { 'x-api-key': key } },
    ]) {
      expect(presentedKeyFromConnectionParams(params), JSON.stringify(params)).toBe(key);
    }
    for (const params of [undefined, null, 'text', {}, { other: 1 }]) expect(presentedKeyFromConnectionParams(params)).toBeNull();
    expect(rejection(() => presentedKeyFromConnectionParams({ apiKey: 42 })).message).toMatch(/apiKey must be a string/);
    expect(rejection(() => presentedKeyFromConnectionParams({ apiKey: key, 'x-api-key': 'other' })).message).toMatch(/more than one API key/);
    expect(rejection(() => presentedKeyFromConnectionParams({ authorization: key })).message).toBe('the authorization connection parameter must be `Bearer <key>` ("Bearer " is missing)');
  });
});

describe('focus-gateway keys', () => {
  function workspace() {
    const { dir, remove } = tempDir();
    cleanups.push(remove);
    const url = `file:${path.join(dir, 'focus.db')}`;
    const run = (...args: string[]) => spawnSync(process.execPath, [CLI, 'keys', ...args], { cwd: dir, env: { ...process.env, DATABASE_URL: url }, encoding: 'utf8' });
    return { dir, url, run };
  }

  // The CLI runs migrations first, and Prisma's schema engine locks the database exclusively to do so: no connection
  // of this process may be open on it while a command runs.
  it('create prints the key alone, list never shows it, revoke works, bad values are errors', async () => {
    const { url, run } = workspace();
    const created = run('create', '--name', 'ci');
    expect(created.status, created.stderr).toBe(0);
    expect(created.stdout).toMatch(/^fgw_[A-Za-z0-9_-]{43}\n$/);
    const key = created.stdout.trim();
    expect(created.stderr).toMatch(/created reader key "ci"/);
    expect(created.stderr).not.toContain(key.slice(4));
    const admin = run('create', '--name', 'ops', '--role', 'admin');
    expect(admin.status, admin.stderr).toBe(0);
    const adminKey = admin.stdout.trim();

    const list = run('list');
    expect(list.status, list.stderr).toBe(0);
    const [header, ...rows] = list.stdout.trimEnd().split('\n');
    expect(header).toBe('id\tname\trole\tscope\tprefix\tcreated\tlast used\trevoked');
    expect(rows.map((row) => row.split('\t').slice(1))).toEqual([
      ['ci', 'reader', 'all', `${key.slice(0, 12)}…`, expect.stringMatching(/^\d{4}-\d\d-\d\dT[\d:.]+Z$/), '-', '-'],
      ['ops', 'admin', 'all', `${adminKey.slice(0, 12)}…`, expect.stringMatching(/^\d{4}-/), '-', '-'],
    ]);
    for (const secret of [key, adminKey]) expect(list.stdout).not.toContain(secret.slice(4));

    const revoked = run('revoke', rows[0].split('\t')[0]);
    expect(revoked.status, revoked.stderr).toBe(0);
    expect(revoked.stdout).toMatch(/^revoked key "ci"/);
    const unknown = run('revoke', 'no-such-id');
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toBe('focus-gateway: no API key with id or prefix "no-such-id" (see `focus-gateway keys list`)\n');
    const badRole = run('create', '--name', 'x', '--role', 'owner');
    expect(badRole.status).toBe(1);
    expect(badRole.stdout).toBe('');
    expect(badRole.stderr).toMatch(/argument 'owner' is invalid. Allowed choices are admin, reader/);
    expect(run('create', '--help').stdout).toMatch(/--role <role>[\s\S]*default:\s+"reader"[\s\S]*--scope-account <id>/);

    const prisma = createPrismaClient(url);
    cleanups.push(() => prisma.$disconnect());
    expect(await verifyApiKey(prisma, key)).toBeNull();
    expect(await verifyApiKey(prisma, adminKey)).toMatchObject({ name: 'ops', role: 'admin' });
    expect(await listApiKeys(prisma)).toHaveLength(2);
  });

  it('creates reader keys scoped to accounts and families (by id or name), and refuses scoped admins and unknown families', async () => {
    const { url, run } = workspace();
    (await openMigratedDatabase(url)).db.close();
    const prisma = createPrismaClient(url);
    cleanups.push(() => prisma.$disconnect());
    const family = await prisma.family.create({ data: { name: 'Payments' } });
    await prisma.$disconnect();

    const scoped = run('create', '--name', 'team', '--scope-account', 'BA-1', '--scope-account', 'sub-7', '--scope-family', 'Payments');
    expect(scoped.status, scoped.stderr).toBe(0);
    expect(scoped.stderr).toContain(`scope account:BA-1,account:sub-7,family:${family.id}`);
    const list = run('list');
    expect(list.stdout.split('\n')[1].split('\t')[3]).toBe(`account:BA-1,account:sub-7,family:${family.id}`);
    expect(await verifyApiKey(prisma, scoped.stdout.trim())).toMatchObject({ scope: { accountIds: ['BA-1', 'sub-7'], familyIds: [family.id] } });

    const admin = run('create', '--name', 'ops', '--role', 'admin', '--scope-account', 'BA-1');
    expect(admin.status).toBe(1);
    expect(admin.stderr).toBe('focus-gateway: only reader keys can be scoped; an admin key sees everything\n');
    const unknown = run('create', '--name', 'x', '--scope-family', 'Nope');
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toMatch(/no family with id or name "Nope"/);
    expect(await listApiKeys(prisma)).toHaveLength(1);
  });
});

describe('first start of serve', () => {
  /** Starts `focus-gateway serve` and resolves, with what it printed, once it prints where it listens. */
  async function serve(cwd: string, env: Record<string, string | undefined>): Promise<{ child: ChildProcess; output: string }> {
    const started = await serveProcess(cwd, env, (child) => cleanups.push(() => child.kill('SIGKILL')));
    return { child: started.child, output: started.output() };
  }

  async function stop(child: ChildProcess) {
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
  }

  it('on the embedded default writes data/admin.key (mode 0600) and prints it once; a restart creates no other key', async () => {
    const { dir, remove } = tempDir();
    cleanups.push(remove);
    // A database that already holds data, so serve skips the 50,000-row demo load.
    const url = `file:${path.join(dir, 'data/focus.db')}`;
    const seeded = await openMigratedDatabase(url);
    await ingest(seeded.db, fileSource(AWS_COST_SAMPLE));
    seeded.db.close();

    const first = await serve(dir, { DATABASE_URL: '' });
    const file = path.join(dir, 'data/admin.key');
    const key = readFileSync(file, 'utf8').trim();
    expect(key).toMatch(/^fgw_[A-Za-z0-9_-]{43}$/);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(first.output.split(key)).toHaveLength(2);
    expect(first.output).toContain(`saved to ${file}`);
    expect(first.output).toContain('Authorization: Bearer <key>');
    expect(first.output).not.toMatch(/demo data/);
    await stop(first.child);

    const second = await serve(dir, { DATABASE_URL: '' });
    expect(second.output).not.toMatch(/fgw_|admin API key/);
    await stop(second.child);
    expect(readFileSync(file, 'utf8').trim()).toBe(key);
    const db = openSqlite(url);
    expect(db.prepare('SELECT name, role FROM api_keys').all()).toEqual([{ name: 'admin (first start)', role: 'admin' }]);
    db.close();
  });

  it('never creates a key when DATABASE_URL is set, and says no request will be accepted yet', async () => {
    const { dir, remove } = tempDir();
    cleanups.push(remove);
    const url = `file:${path.join(dir, 'mine.db')}`;
    const { child, output } = await serve(dir, { DATABASE_URL: url });
    expect(output).toMatch(/no API keys yet: every API request is refused until you create one with `focus-gateway keys create/);
    await stop(child);
    expect(existsSync(path.join(dir, 'admin.key'))).toBe(false);
    const { db } = await openMigratedDatabase(url);
    expect((db.prepare('SELECT COUNT(*) AS n FROM api_keys').get() as { n: number }).n).toBe(0);
    db.close();
  });
});
