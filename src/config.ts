/** Settings from the environment, checked once at start so a typo fails loudly instead of being ignored. */
import { WRITE_WAIT_MS } from './db/busy.ts';
import { DEFAULT_DATABASE_URL } from './db/url.ts';
import { DEFAULT_MAX_ACTIVE_EXPORTS_PER_KEY } from './exports/service.ts';

export interface GatewayConfig {
  databaseUrl: string;
  /** True when DATABASE_URL is unset: the embedded SQLite file, which is seeded with demo data when empty. */
  embeddedDefault: boolean;
  port: number;
  host: string;
  /** Requests per API key: REST requests and GraphQL operations (HTTP, SSE, each graphql-ws subscribe message). */
  rateLimit: { perMinute: number; burst: number };
  /** Limits on GraphQL requests, over HTTP and graphql-ws alike. */
  graphql: GraphQLLimits;
  /** How long `serve` waits on SIGTERM or SIGINT for requests in flight before it closes their connections. */
  shutdownGraceMs: number;
  /** How long a request's write waits for another process's write lock (an ingest) before DATABASE_BUSY. */
  writeWaitMs: number;
  exports: {
    /** Where export files go; unset: `exports/` beside the database file. */
    dir: string | undefined;
    /** How long a finished export file is kept. */
    retentionMs: number;
    /** Export jobs run at once. */
    concurrency: number;
    /** Exports one API key may have pending or processing at once. */
    maxActivePerKey: number;
  };
}

export interface GraphQLLimits {
  /** Largest request body on /graphql, and largest graphql-ws message. */
  maxBodyBytes: number;
  /** Most lexical tokens in a document: parsing stops there, before a huge document costs memory and time. */
  maxTokens: number;
  /** Most aliased fields in an operation (fragments counted where they are spread). */
  maxAliases: number;
  /** Longest a query or mutation may execute; subscriptions are long-lived by design and have no such limit. */
  timeoutMs: number;
  /** Whether the schema may be introspected (__schema, __type). */
  introspection: boolean;
}

export class ConfigError extends Error {}

/** A whole number from `min` to `max` from the environment, or `fallback` when the variable is unset or empty. */
function wholeNumber(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const text = env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < min || value > max) throw new ConfigError(`${name} must be a whole number from ${min} to ${max} (got "${text}")`);
  return value;
}

function yesOrNo(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const text = env[name];
  if (text === undefined || text === '') return fallback;
  if (text === 'true') return true;
  if (text === 'false') return false;
  throw new ConfigError(`${name} must be true or false (got "${text}")`);
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  const port = wholeNumber(env, 'PORT', 4000, 0, 65535);
  const databaseUrl = env.DATABASE_URL || DEFAULT_DATABASE_URL;
  return {
    databaseUrl,
    embeddedDefault: !env.DATABASE_URL,
    port,
    host: env.HOST || '127.0.0.1',
    rateLimit: { perMinute: wholeNumber(env, 'RATE_LIMIT_PER_MINUTE', 1200, 1, 10_000_000), burst: wholeNumber(env, 'RATE_LIMIT_BURST', 200, 1, 1_000_000) },
    graphql: {
      maxBodyBytes: wholeNumber(env, 'GRAPHQL_MAX_BODY_BYTES', 1_000_000, 1_000, 100_000_000),
      maxTokens: wholeNumber(env, 'GRAPHQL_MAX_TOKENS', 5_000, 100, 1_000_000),
      maxAliases: wholeNumber(env, 'GRAPHQL_MAX_ALIASES', 30, 0, 10_000),
      timeoutMs: wholeNumber(env, 'GRAPHQL_TIMEOUT_MS', 15_000, 1, 3_600_000),
      introspection: yesOrNo(env, 'GRAPHQL_INTROSPECTION', true),
    },
    shutdownGraceMs: wholeNumber(env, 'SHUTDOWN_GRACE_MS', 10_000, 0, 600_000),
    writeWaitMs: wholeNumber(env, 'DATABASE_WRITE_WAIT_MS', WRITE_WAIT_MS, 0, 600_000),
    exports: {
      dir: env.EXPORT_DIR || undefined,
      retentionMs: wholeNumber(env, 'EXPORT_RETENTION_DAYS', 7, 1, 3650) * 24 * 3600_000,
      concurrency: wholeNumber(env, 'EXPORT_CONCURRENCY', 2, 1, 64),
      maxActivePerKey: wholeNumber(env, 'EXPORT_MAX_ACTIVE_PER_KEY', DEFAULT_MAX_ACTIVE_EXPORTS_PER_KEY, 1, 10_000),
    },
  };
}
