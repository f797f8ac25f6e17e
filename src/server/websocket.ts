/**
 * GraphQL over WebSocket (graphql-ws) on the HTTP server's port and /graphql path. HTTP requests are authenticated
 * from their headers; a socket is authenticated once, from the key in its `connectionParams`, because browsers cannot
 * set headers on a WebSocket and yoga's HTTP hooks never see one. Each subscribe message then runs through yoga's
 * enveloped parse, validate, context and execute, so it meets the same limits, rate limit and error masking as
 * HTTP; messages over the body size limit close the socket with 1009 (Message Too Big).
 */
import type { Server } from 'node:http';
import { GraphQLError, type ExecutionArgs } from 'graphql';
import { CloseCode } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import { authenticate, presentedKeyFromConnectionParams, UnauthenticatedError } from '../auth/credentials.ts';
import type { Viewer } from '../auth/keys.ts';
import type { GatewayServices } from '../graphql/context.ts';
import type { GraphQLHandler } from './http.ts';
import { settlesBy } from './shutdown.ts';

/** WebSocket close reasons are limited to 123 bytes. */
const closeReason = (message: string) => (Buffer.byteLength(message) <= 123 ? message : `${Buffer.from(message).subarray(0, 120).toString()}...`);

/** What yoga's context factory gets for an operation that came over a socket instead of an HTTP request. */
export interface WebSocketCaller {
  viewer: Viewer;
  origin: string;
}

type Enveloped = ReturnType<GraphQLHandler['getEnveloped']>;

/** Keys of error extensions that tell HTTP what status and headers to use; yoga drops them from HTTP bodies too. */
const HTTP_ONLY_EXTENSIONS = new Set(['http', 'unexpected']);

export interface GraphQLWebSocket {
  /** Ends every operation and socket now. */
  close(): void;
  /** Closes every socket with 1001 (Going Away) and waits for them to close, until the deadline (epoch ms). */
  closeGracefully(deadline: number): Promise<void>;
}

export function attachGraphQLWebSocket(server: Server, path: string, services: GatewayServices, graphql: GraphQLHandler, maxMessageBytes: number): GraphQLWebSocket {
  const sockets = new WebSocketServer({ server, path, maxPayload: maxMessageBytes });
  // ws itself closes a socket that sends an oversized message, with 1009, then emits the error; graphql-ws (whose
  // listener comes after this one) would log it as an internal error of the server, on every such message.
  sockets.on('connection', (socket) => {
    const emit = socket.emit.bind(socket);
    socket.emit = (event: string | symbol, ...args: unknown[]) =>
      event === 'error' && (args[0] as { code?: string }).code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH' ? true : emit(event, ...args);
  });
  const callers = new WeakMap<object, WebSocketCaller>();
  // The enveloped execute of each operation, by its context (graphql-ws hands execute only the arguments).
  const envelopedOf = new WeakMap<object, Enveloped>();
  const graphqlWs = useServer(
    {
      async onConnect(ctx) {
        try {
          const viewer = await authenticate(services.prisma, presentedKeyFromConnectionParams(ctx.connectionParams));
          callers.set(ctx.extra.socket, { viewer, origin: `http://${ctx.extra.request.headers.host ?? 'localhost'}` });
          return true;
        } catch (error) {
          if (!(error instanceof UnauthenticatedError)) throw error;
          // The protocol's Forbidden close, with the reason a client can show (no key, or a wrong one).
          ctx.extra.socket.close(CloseCode.Forbidden, closeReason(error.message));
          return false;
        }
      },
      // One context per operation: its loaders batch within the operation and do not outlive it.
      async onSubscribe(ctx, _id, payload) {
        const enveloped = graphql.getEnveloped({ websocket: callers.get(ctx.extra.socket)!, params: payload } as never);
        try {
          const document = enveloped.parse(payload.query);
          const errors = enveloped.validate(enveloped.schema, document);
          if (errors.length > 0) return errors;
          const contextValue = await enveloped.contextFactory();
          envelopedOf.set(contextValue, enveloped);
          return {
            schema: enveloped.schema,
            document,
            contextValue,
            variableValues: payload.variables,
            operationName: payload.operationName,
          };
        } catch (error) {
          // Over the token limit, or over the rate limit: an error message for this operation, not a closed socket.
          if (error instanceof GraphQLError) return [error];
          throw error;
        }
      },
      execute: (args: ExecutionArgs) => envelopedOf.get(args.contextValue as object)!.execute(args),
      subscribe: (args: ExecutionArgs) => envelopedOf.get(args.contextValue as object)!.subscribe(args),
      jsonMessageReplacer: (key, value) =>
        key === 'extensions' && value !== null && typeof value === 'object'
          ? Object.fromEntries(Object.entries(value).filter(([name]) => !HTTP_ONLY_EXTENSIONS.has(name)))
          : value,
    },
    sockets,
  );
  let disposed: Promise<void> | null = null;
  const dispose = () => (disposed ??= Promise.resolve(graphqlWs.dispose()));
  return {
    close() {
      void dispose();
      for (const socket of sockets.clients) socket.terminate();
    },
    async closeGracefully(deadline) {
      await settlesBy(dispose(), deadline);
      for (const socket of sockets.clients) socket.terminate();
    },
  };
}
