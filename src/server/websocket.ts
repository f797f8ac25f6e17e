/**
 * GraphQL over WebSocket (graphql-ws) on the HTTP server's port and /graphql path. HTTP requests are authenticated
 * from their headers; a socket is authenticated once, from the key in its `connectionParams`, because browsers cannot
 * set headers on a WebSocket and yoga's HTTP hooks never see one.
 */
import type { Server } from 'node:http';
import { CloseCode } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import { authenticate, presentedKeyFromConnectionParams, UnauthenticatedError } from '../auth/credentials.ts';
import type { Viewer } from '../auth/keys.ts';
import { createContext, type GatewayServices } from '../graphql/context.ts';
import { schema } from '../graphql/schema.ts';

/** WebSocket close reasons are limited to 123 bytes. */
const closeReason = (message: string) => (Buffer.byteLength(message) <= 123 ? message : `${Buffer.from(message).subarray(0, 120).toString()}...`);

export function attachGraphQLWebSocket(server: Server, path: string, services: GatewayServices): { close(): void } {
  const sockets = new WebSocketServer({ server, path });
  const viewers = new WeakMap<object, Viewer>();
  const graphqlWs = useServer(
    {
      schema,
      async onConnect(ctx) {
        try {
          viewers.set(ctx.extra.socket, await authenticate(services.prisma, presentedKeyFromConnectionParams(ctx.connectionParams)));
          return true;
        } catch (error) {
          if (!(error instanceof UnauthenticatedError)) throw error;
          // The protocol's Forbidden close, with the reason a client can show (no key, or a wrong one).
          ctx.extra.socket.close(CloseCode.Forbidden, closeReason(error.message));
          return false;
        }
      },
      // One context per operation: its loaders batch within the operation and do not outlive it.
      context: (ctx) => createContext(services, viewers.get(ctx.extra.socket)!, `http://${ctx.extra.request.headers.host ?? 'localhost'}`),
    },
    sockets,
  );
  return {
    /** Ends every operation and socket now. */
    close() {
      void graphqlWs.dispose();
      for (const socket of sockets.clients) socket.terminate();
      sockets.close();
    },
  };
}
