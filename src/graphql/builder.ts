/**
 * The Pothos schema builder: plugins, scalars and limits, and no types. Each domain module (cost-records.ts,
 * commitments.ts, ...) adds its types and root fields to this builder; schema.ts imports them all.
 */
import SchemaBuilder, { BasePlugin, type SchemaTypes } from '@pothos/core';
import ComplexityPlugin from '@pothos/plugin-complexity';
import RelayPlugin, { decodeGlobalID } from '@pothos/plugin-relay';
import { GraphQLError, GraphQLScalarType, Kind, type GraphQLFieldResolver, type ValueNode } from 'graphql';
import type { GraphQLContext } from './context.ts';

/** Query limits: a connection's `first`/`last` multiplies the cost of what it selects. */
export const QUERY_LIMITS = { depth: 12, breadth: 300, complexity: 250_000 } as const;

/**
 * When each running query or mutation must stop, by its context object: set by the server's execution timeout
 * (src/server/graphql-limits.ts), read before every field resolves.
 */
export const operationDeadlines = new WeakMap<object, { at: number; timeoutMs: number }>();

export const operationTimedOut = (timeoutMs: number) =>
  new GraphQLError(`the operation took longer than ${timeoutMs} ms and was stopped`, { extensions: { code: 'TIMEOUT', limitMs: timeoutMs, http: { status: 504 } } });

/**
 * Fails every field that starts after its operation's deadline. Checked in the resolvers, not by a timer alone:
 * resolvers here are mostly synchronous SQL, and a run of them never yields to the event loop, so no timer could
 * fire until the operation had finished anyway.
 */
class OperationDeadlinePlugin<Types extends SchemaTypes> extends BasePlugin<Types> {
  override wrapResolve(resolver: GraphQLFieldResolver<unknown, Types['Context'], object>): GraphQLFieldResolver<unknown, Types['Context'], object> {
    return (parent, args, context, info) => {
      const deadline = operationDeadlines.get(context as object);
      if (deadline !== undefined && performance.now() >= deadline.at) throw operationTimedOut(deadline.timeoutMs);
      return resolver(parent, args, context, info);
    };
  }
}

declare global {
  export namespace PothosSchemaTypes {
    interface Plugins<Types extends SchemaTypes> {
      operationDeadline: OperationDeadlinePlugin<Types>;
    }
  }
}

SchemaBuilder.registerPlugin('operationDeadline', OperationDeadlinePlugin);

export const builder = new SchemaBuilder<{
  Context: GraphQLContext;
  Scalars: {
    DateTime: { Input: Date; Output: Date | number };
    JSON: { Input: unknown; Output: unknown };
    Decimal: { Input: string; Output: string };
  };
  DefaultEdgesNullability: false;
  DefaultNodeNullability: false;
}>({
  plugins: [RelayPlugin, ComplexityPlugin, 'operationDeadline'],
  relay: {
    clientMutationId: 'omit',
    cursorType: 'String',
    idFieldOptions: { description: 'Global id: opaque, stable, and accepted by node(id:).' },
    nodeTypeOptions: { description: 'An object with a global id, which node(id:) and nodes(ids:) find again.' },
    nodeQueryOptions: {
      description: 'The object with this global id, of any type; null when there is none.',
      args: { id: { description: 'A global id, as an `id` field returned it.' } },
    },
    nodesQueryOptions: {
      description: 'The objects with these global ids, in the same order (null where there is none).',
      args: { ids: { description: 'Global ids, as `id` fields returned them.' } },
    },
    pageInfoTypeOptions: { description: 'Where a page of a connection sits: cursors of its ends and whether there is more.' },
    hasNextPageFieldOptions: { description: 'Whether more edges follow this page.' },
    hasPreviousPageFieldOptions: { description: 'Whether more edges precede this page.' },
    startCursorFieldOptions: { description: 'Cursor of the first edge of the page, for `before`.' },
    endCursorFieldOptions: { description: 'Cursor of the last edge of the page, for `after`.' },
    cursorFieldOptions: { description: 'Opaque position of this edge, for `after` and `before`.' },
    pageInfoFieldOptions: { description: 'Where this page sits in the connection.' },
    edgesFieldOptions: { nullable: false, description: 'The edges of this page, in order.' },
    nodeFieldOptions: { nullable: false, description: 'The object at this edge.' },
    firstArgOptions: { description: 'Return at most this many edges from the start, or from after `after` (default 100, at most 1,000).' },
    lastArgOptions: { description: 'Return at most this many edges from the end, or from before `before` (at most 1,000).' },
    afterArgOptions: { description: 'Start after this cursor, taken from a previous page (`pageInfo.endCursor`).' },
    beforeArgOptions: { description: 'End before this cursor, taken from a previous page (`pageInfo.startCursor`).' },
    // The plugin's own decoder fails without an error code on a malformed id.
    decodeGlobalID: (globalID) => {
      try {
        return decodeGlobalID(globalID);
      } catch {
        throw new GraphQLError(`${JSON.stringify(globalID)} is not a node id`, { extensions: { code: 'BAD_USER_INPUT' } });
      }
    },
  },
  complexity: {
    defaultComplexity: 1,
    defaultListMultiplier: 10,
    limit: { ...QUERY_LIMITS },
    complexityError: (kind, result) => {
      const measure = kind.toLowerCase() as 'depth' | 'breadth' | 'complexity';
      const limit = result[`max${kind}` as 'maxDepth' | 'maxBreadth' | 'maxComplexity'];
      const adjective = { depth: 'deep', breadth: 'broad', complexity: 'complex' }[measure];
      return new GraphQLError(`query too ${adjective}: ${measure} ${result[measure]} exceeds the limit of ${limit}`, {
        extensions: { code: 'QUERY_TOO_COMPLEX', measure, value: result[measure], limit },
      });
    },
  },
});

const badInput = (message: string) => new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT' } });

/** RFC 3339 date-times in UTC. Stored values are epoch milliseconds. */
function parseDateTime(value: unknown): Date {
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/i.test(value)) {
    throw badInput(`DateTime must be an RFC 3339 date-time with a time zone, such as 2025-01-01T00:00:00Z; got ${JSON.stringify(value)}`);
  }
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) throw badInput(`DateTime ${JSON.stringify(value)} is not a real date`);
  return date;
}

builder.addScalarType(
  'DateTime',
  new GraphQLScalarType({
    name: 'DateTime',
    description: 'An RFC 3339 date-time in UTC, such as 2025-01-01T00:00:00Z.',
    serialize: (value) => new Date(value as Date | number).toISOString().replace('.000Z', 'Z'),
    parseValue: parseDateTime,
    parseLiteral: (ast) => parseDateTime(ast.kind === Kind.STRING ? ast.value : undefined),
  }),
);

function literalValue(ast: ValueNode): unknown {
  switch (ast.kind) {
    case Kind.STRING:
    case Kind.BOOLEAN:
      return ast.value;
    case Kind.INT:
    case Kind.FLOAT:
      return Number(ast.value);
    case Kind.OBJECT:
      return Object.fromEntries(ast.fields.map((field) => [field.name.value, literalValue(field.value)]));
    case Kind.LIST:
      return ast.values.map(literalValue);
    case Kind.NULL:
      return null;
    default:
      throw badInput('JSON literals cannot hold variables');
  }
}

builder.addScalarType(
  'JSON',
  new GraphQLScalarType({
    name: 'JSON',
    description: 'A JSON value, as the provider wrote it (FOCUS key-value and JSON columns).',
    serialize: (value) => value,
    parseValue: (value) => value,
    parseLiteral: literalValue,
  }),
);

const DECIMAL = /^-?\d+(\.\d+)?$/;
function parseDecimalText(value: unknown): string {
  const text = typeof value === 'number' && Number.isFinite(value) ? String(value) : value;
  if (typeof text !== 'string' || !DECIMAL.test(text)) throw badInput(`Decimal must be a decimal number such as "12.3400"; got ${JSON.stringify(value)}`);
  return text;
}

builder.addScalarType(
  'Decimal',
  new GraphQLScalarType({
    name: 'Decimal',
    description: 'An exact decimal number, as a string (money totals are never rounded).',
    serialize: (value) => String(value),
    parseValue: parseDecimalText,
    parseLiteral: (ast) => parseDecimalText(ast.kind === Kind.STRING || ast.kind === Kind.INT || ast.kind === Kind.FLOAT ? ast.value : undefined),
  }),
);
