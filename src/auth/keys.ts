/**
 * API keys: created, listed, revoked and verified here, for the HTTP server, GraphQL and the CLI alike.
 *
 * A key is `fgw_` and 32 random bytes in base64url. Only its SHA-256 is stored: a slow password hash buys nothing for
 * a 256-bit random secret, and a fast one lets every request be checked by a unique-index lookup of the hash, whose
 * timing says nothing about the secret.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { ApiKey, PrismaClient } from '../generated/prisma/client.ts';
import { KeyScopeError, keyScopeText, parseKeyScope, type KeyScope } from './scope.ts';

export const API_KEY_ROLES = ['admin', 'reader'] as const;
export type ApiKeyRole = (typeof API_KEY_ROLES)[number];

/** Who is calling: the key a request presented, as resolvers and handlers see it. */
export interface Viewer {
  keyId: string;
  name: string;
  role: ApiKeyRole;
  /** The accounts and families the key is limited to; null when it sees everything. */
  scope: KeyScope | null;
}

/** A stored key as it may be shown: everything but the hash. */
export type ApiKeyInfo = Omit<ApiKey, 'hash' | 'role' | 'scope'> & { role: ApiKeyRole; scope: KeyScope | null };

/** The part of a Prisma client (or of an interactive transaction) the key service uses. */
export type ApiKeyStore = Pick<PrismaClient, 'apiKey'>;

export const API_KEY_PREFIX = 'fgw_';
const SECRET_BYTES = 32;
/** base64url of 32 bytes, unpadded. */
const SECRET_LENGTH = 43;
const DISPLAY_PREFIX_LENGTH = 8;
const KEY_SHAPE = new RegExp(`^${API_KEY_PREFIX}[A-Za-z0-9_-]{${SECRET_LENGTH}}$`);
/** lastUsedAt is a hint for people cleaning up keys; a minute's precision is plenty and spares a write per request. */
const LAST_USED_PRECISION_MS = 60_000;

const INFO_FIELDS = { id: true, name: true, role: true, displayPrefix: true, createdAt: true, lastUsedAt: true, revokedAt: true, scope: true } as const;

export class ApiKeyInputError extends Error {
  readonly code = 'BAD_USER_INPUT';
}

export class ApiKeyNotFoundError extends Error {
  readonly code = 'NOT_FOUND';
  constructor(readonly idOrPrefix: string) {
    super(`no API key with id or prefix "${idOrPrefix}" (see \`focus-gateway keys list\`)`);
  }
}

export function isApiKeyRole(value: unknown): value is ApiKeyRole {
  return (API_KEY_ROLES as readonly unknown[]).includes(value);
}

function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** How a key is shown in listings and messages: its prefix, never the secret. */
export function displayApiKey(apiKey: Pick<ApiKeyInfo, 'displayPrefix'>): string {
  return `${API_KEY_PREFIX}${apiKey.displayPrefix}…`;
}

function toInfo(row: Omit<ApiKey, 'hash'>): ApiKeyInfo {
  if (!isApiKeyRole(row.role)) throw new Error(`API key ${row.id} has an unknown role "${row.role}"`);
  return { ...row, role: row.role, scope: parseKeyScope(row.scope) };
}

/** Creates a key. The returned `key` is the only copy of the secret: it cannot be recovered later. */
export async function createApiKey(prisma: ApiKeyStore, options: { name: string; role?: string; scope?: KeyScope }): Promise<{ key: string; apiKey: ApiKeyInfo }> {
  const name = options.name.trim();
  if (!name) throw new ApiKeyInputError('an API key needs a name (who or what uses it)');
  const role = options.role ?? 'reader';
  if (!isApiKeyRole(role)) throw new ApiKeyInputError(`role must be one of ${API_KEY_ROLES.join(', ')} (got "${role}")`);
  if (options.scope) {
    // An admin manages families, setups and keys for everyone: a limited admin would be a contradiction.
    if (role === 'admin') throw new KeyScopeError('only reader keys can be scoped; an admin key sees everything');
    if (options.scope.accountIds.length + options.scope.familyIds.length === 0) throw new KeyScopeError('a scope names at least one account or family');
    if ([...options.scope.accountIds, ...options.scope.familyIds].some((id) => id.trim() === '')) throw new KeyScopeError('a scope cannot name an empty id');
  }
  const secret = randomBytes(SECRET_BYTES).toString('base64url');
  const key = `${API_KEY_PREFIX}${secret}`;
  const row = await prisma.apiKey.create({
    data: { name, role, hash: hashApiKey(key), displayPrefix: secret.slice(0, DISPLAY_PREFIX_LENGTH), scope: options.scope ? keyScopeText(options.scope) : null },
    select: INFO_FIELDS,
  });
  return { key, apiKey: toInfo(row) };
}

/** All keys, revoked ones included, oldest first. */
export async function listApiKeys(prisma: ApiKeyStore): Promise<ApiKeyInfo[]> {
  const rows = await prisma.apiKey.findMany({ select: INFO_FIELDS, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] });
  return rows.map(toInfo);
}

export async function countApiKeys(prisma: ApiKeyStore): Promise<number> {
  return prisma.apiKey.count();
}

/**
 * Revokes a key given its id or its display prefix (with or without `fgw_` and the trailing `…`, as `keys list`
 * shows it). Revoking a revoked key changes nothing and returns it with its original revocation time.
 */
export async function revokeApiKey(prisma: ApiKeyStore, idOrPrefix: string): Promise<{ apiKey: ApiKeyInfo; alreadyRevoked: boolean }> {
  const wanted = idOrPrefix.trim();
  const prefix = wanted.replace(/(…|\.\.\.)$/, '').replace(new RegExp(`^${API_KEY_PREFIX}`), '');
  const matches = wanted
    ? await prisma.apiKey.findMany({ where: { OR: [{ id: wanted }, { displayPrefix: prefix }] }, select: INFO_FIELDS, take: 2 })
    : [];
  if (matches.length === 0) throw new ApiKeyNotFoundError(idOrPrefix);
  if (matches.length > 1) throw new ApiKeyInputError(`more than one API key has the prefix "${prefix}": revoke it by id (see \`focus-gateway keys list\`)`);
  const [match] = matches;
  if (match.revokedAt) return { apiKey: toInfo(match), alreadyRevoked: true };
  const revoked = await prisma.apiKey.update({ where: { id: match.id }, data: { revokedAt: new Date() }, select: INFO_FIELDS });
  return { apiKey: toInfo(revoked), alreadyRevoked: false };
}

/** When this process last tried to record each key's use: bounds the attempts while the write cannot get through. */
const lastUseAttempts = new Map<string, number>();

/**
 * Best effort: while an ingest holds SQLite's write lock the update waits out the busy timeout and fails, and a
 * request must not fail for bookkeeping. The attempt is remembered, so that costs one wait per key per minute.
 */
async function recordUse(prisma: ApiKeyStore, key: { id: string; lastUsedAt: Date | null }, now: Date): Promise<void> {
  const due = now.getTime() - LAST_USED_PRECISION_MS;
  if ((key.lastUsedAt && key.lastUsedAt.getTime() > due) || (lastUseAttempts.get(key.id) ?? -Infinity) > due) return;
  lastUseAttempts.set(key.id, now.getTime());
  try {
    // Conditional, so that processes and concurrent requests that saw the same stale value write once.
    await prisma.apiKey.updateMany({ where: { id: key.id, OR: [{ lastUsedAt: null }, { lastUsedAt: { lte: new Date(due) } }] }, data: { lastUsedAt: now } });
  } catch {
    // Left for the next attempt, a minute later.
  }
}

/** The viewer a presented key stands for; null when the key is unknown or revoked. */
export async function verifyApiKey(prisma: ApiKeyStore, presentedKey: string, now = new Date()): Promise<Viewer | null> {
  // The shape is public, so refusing a malformed key early reveals nothing and spares a lookup.
  if (!KEY_SHAPE.test(presentedKey)) return null;
  const row = await prisma.apiKey.findUnique({ where: { hash: hashApiKey(presentedKey) }, select: { id: true, name: true, role: true, lastUsedAt: true, revokedAt: true, scope: true } });
  if (!row || row.revokedAt || !isApiKeyRole(row.role)) return null;
  await recordUse(prisma, row, now);
  return { keyId: row.id, name: row.name, role: row.role, scope: parseKeyScope(row.scope) };
}
