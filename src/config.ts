/** Settings from the environment, checked once at start so a typo fails loudly instead of being ignored. */
import { DEFAULT_DATABASE_URL } from './db/url.ts';

export interface GatewayConfig {
  databaseUrl: string;
  /** True when DATABASE_URL is unset: the embedded SQLite file, which is seeded with demo data when empty. */
  embeddedDefault: boolean;
  port: number;
  host: string;
}

export class ConfigError extends Error {}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  const port = env.PORT === undefined || env.PORT === '' ? 4000 : Number(env.PORT);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigError(`PORT must be a whole number from 0 to 65535 (got "${env.PORT}")`);
  const databaseUrl = env.DATABASE_URL || DEFAULT_DATABASE_URL;
  return { databaseUrl, embeddedDefault: !env.DATABASE_URL, port, host: env.HOST || '127.0.0.1' };
}
