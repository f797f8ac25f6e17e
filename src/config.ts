/** Settings from the environment, checked once at start so a typo fails loudly instead of being ignored. */
import { DEFAULT_DATABASE_URL } from './db/url.ts';

export interface GatewayConfig {
  databaseUrl: string;
  /** True when DATABASE_URL is unset: the embedded SQLite file, which is seeded with demo data when empty. */
  embeddedDefault: boolean;
  port: number;
  host: string;
  /** Requests per API key on the REST routes. */
  rateLimit: { perMinute: number; burst: number };
  exports: {
    /** Where export files go; unset: `exports/` beside the database file. */
    dir: string | undefined;
    /** How long a finished export file is kept. */
    retentionMs: number;
    /** Export jobs run at once. */
    concurrency: number;
  };
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

export function loadConfig(env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  const port = wholeNumber(env, 'PORT', 4000, 0, 65535);
  const databaseUrl = env.DATABASE_URL || DEFAULT_DATABASE_URL;
  return {
    databaseUrl,
    embeddedDefault: !env.DATABASE_URL,
    port,
    host: env.HOST || '127.0.0.1',
    rateLimit: { perMinute: wholeNumber(env, 'RATE_LIMIT_PER_MINUTE', 1200, 1, 10_000_000), burst: wholeNumber(env, 'RATE_LIMIT_BURST', 200, 1, 1_000_000) },
    exports: {
      dir: env.EXPORT_DIR || undefined,
      retentionMs: wholeNumber(env, 'EXPORT_RETENTION_DAYS', 7, 1, 3650) * 24 * 3600_000,
      concurrency: wholeNumber(env, 'EXPORT_CONCURRENCY', 2, 1, 64),
    },
  };
}
