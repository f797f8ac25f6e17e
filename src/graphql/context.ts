/** What every resolver receives: the two database handles, the caller, and per-request loaders. */
import type { Viewer } from '../auth/keys.ts';
import { databaseForScope } from '../auth/scope.ts';
import type { PrismaClient } from '../db/client.ts';
import type { SqliteDatabase } from '../db/sqlite.ts';
import type { ExportService } from '../exports/service.ts';
import type { RateLimiter } from '../server/rate-limit.ts';
import { gatewayError } from './errors.ts';

export type { Viewer };

export interface GatewayServices {
  /** Raw connection for the hand-written SQL modules (keyset pages, aggregates). */
  db: SqliteDatabase;
  prisma: PrismaClient;
  /** Export jobs of this server process. */
  exports: ExportService;
  /** Requests per API key, on GraphQL and REST alike. */
  rateLimiter: RateLimiter;
}

export interface GraphQLContext extends GatewayServices {
  /** Every operation is authenticated before it runs (src/server/http.ts), so there is always a caller. */
  viewer: Viewer;
  /** Scheme, host and port the client reached the server at, for the links the API hands out (download URLs). */
  origin: string;
  /**
   * Per-operation memo for DataLoaders, created lazily by `loader()` in loaders.ts. A new context per HTTP request,
   * and per message on a long-lived WebSocket subscription, so cached rows never go stale.
   */
  loaders: Map<unknown, unknown>;
}

/** A scoped key's operations read through its scoped connection (src/auth/scope.ts), so every query sees its rows only. */
export function createContext(services: GatewayServices, viewer: Viewer, origin: string): GraphQLContext {
  return { ...services, db: databaseForScope(services.db, viewer.scope), viewer, origin, loaders: new Map() };
}

/** Changes to shared data (families) are for admin keys; reader keys may read and export. */
export function requireAdmin(context: GraphQLContext): void {
  if (context.viewer.role !== 'admin') throw gatewayError('FORBIDDEN', `this needs an admin key; the key "${context.viewer.name}" is a reader key`);
}
