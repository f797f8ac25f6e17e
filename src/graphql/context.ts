/** What every resolver receives: the two database handles, the caller, and per-request loaders. */
import type { PrismaClient } from '../db/client.ts';
import type { SqliteDatabase } from '../db/sqlite.ts';

/** The authenticated caller, from its API key. */
export interface Viewer {
  keyId: string;
  name: string;
  role: 'admin' | 'reader';
}

export interface GatewayServices {
  /** Raw connection for the hand-written SQL modules (keyset pages, aggregates). */
  db: SqliteDatabase;
  prisma: PrismaClient;
}

export interface GraphQLContext extends GatewayServices {
  viewer: Viewer | null;
  /**
   * Per-operation memo for DataLoaders, created lazily by `loader()` in loaders.ts. A new context per HTTP request,
   * and per message on a long-lived WebSocket subscription, so cached rows never go stale.
   */
  loaders: Map<unknown, unknown>;
}

export function createContext(services: GatewayServices, viewer: Viewer | null): GraphQLContext {
  return { ...services, viewer, loaders: new Map() };
}
