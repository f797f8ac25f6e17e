/**
 * What a GraphQL request may ask of the server, enforced as one yoga plugin so HTTP, SSE and graphql-ws (which runs
 * through the same enveloped parse, validate and execute) apply the same limits: document size in tokens, aliases
 * per operation, execution time, and introspection. Depth, breadth and complexity are the Pothos complexity
 * plugin's (QUERY_LIMITS in src/graphql/builder.ts); body and message sizes are checked before any of this
 * (src/server/http.ts, src/server/websocket.ts). Also here: CSRF prevention for the HTTP endpoint.
 */
import { useCSRFPrevention } from '@graphql-yoga/plugin-csrf-prevention';
import {
  getNamedType,
  GraphQLError,
  isIntrospectionType,
  Kind,
  parse,
  type ASTVisitor,
  type ExecutionArgs,
  type ExecutionResult,
  type SelectionSetNode,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { GraphQLLimits } from '../config.ts';
import { operationDeadlines, operationTimedOut, QUERY_LIMITS } from '../graphql/builder.ts';

const tooComplex = (message: string, measure: string, value: number, limit: number, extra: Record<string, unknown> = {}) =>
  new GraphQLError(message, { ...extra, extensions: { code: 'QUERY_TOO_COMPLEX', measure, value, limit } });

/**
 * graphql's parser stops at `maxTokens` with a syntax error; that error is turned into the gateway's
 * QUERY_TOO_COMPLEX. The parser's own wording is the only way to tell it from other syntax errors.
 */
const TOKEN_LIMIT_MESSAGE = /Document contains more tha[nt] \d+ tokens/;

function parseWithTokenLimit(source: string, maxTokens: number, options: Parameters<typeof parse>[1] = {}) {
  try {
    return parse(source, { ...options, maxTokens });
  } catch (error) {
    if (error instanceof GraphQLError && TOKEN_LIMIT_MESSAGE.test(error.message)) {
      const tooBig = tooComplex(`document too large: it has more than ${maxTokens} tokens, the limit`, 'tokens', maxTokens + 1, maxTokens);
      tooBig.extensions.http = { status: 400 };
      throw tooBig;
    }
    // Nesting a few thousand levels deep overflows graphql-js's recursive parser before the token limit is reached.
    if (error instanceof RangeError) {
      const tooDeep = new GraphQLError(`document nested too deeply to parse (queries may nest ${QUERY_LIMITS.depth} levels)`, {
        extensions: { code: 'QUERY_TOO_COMPLEX', measure: 'depth', limit: QUERY_LIMITS.depth, http: { status: 400 } },
      });
      throw tooDeep;
    }
    throw error;
  }
}

/**
 * At most `maxAliases` aliased fields per operation, a fragment's aliases counted each time it is spread: aliases
 * are how one request asks for the same expensive field many times over, which depth and breadth do not see.
 */
function aliasLimitRule(maxAliases: number): ValidationRule {
  return (context: ValidationContext): ASTVisitor => {
    const perFragment = new Map<string, number>();
    const aliasesIn = (selectionSet: SelectionSetNode, spreading: Set<string>): number => {
      let count = 0;
      for (const selection of selectionSet.selections) {
        if (selection.kind === Kind.FIELD) {
          if (selection.alias) count += 1;
          if (selection.selectionSet) count += aliasesIn(selection.selectionSet, spreading);
        } else if (selection.kind === Kind.INLINE_FRAGMENT) {
          count += aliasesIn(selection.selectionSet, spreading);
        } else {
          const name = selection.name.value;
          // A cycle is NoFragmentCyclesRule's to report; an unknown fragment KnownFragmentNamesRule's.
          const fragment = context.getFragment(name);
          if (spreading.has(name) || !fragment) continue;
          if (!perFragment.has(name)) perFragment.set(name, aliasesIn(fragment.selectionSet, new Set([...spreading, name])));
          count += perFragment.get(name)!;
        }
      }
      return count;
    };
    return {
      OperationDefinition(operation) {
        const count = aliasesIn(operation.selectionSet, new Set());
        if (count > maxAliases) {
          context.reportError(tooComplex(`query too aliased: ${count} aliases exceed the limit of ${maxAliases}`, 'aliases', count, maxAliases, { nodes: operation }));
        }
      },
    };
  };
}

/** graphql's NoSchemaIntrospectionCustomRule, with an error code clients can branch on. */
const introspectionDisabledRule: ValidationRule = (context) => ({
  Field(node) {
    const type = getNamedType(context.getType());
    if (type && isIntrospectionType(type)) {
      context.reportError(
        new GraphQLError(`introspection is disabled on this server (GRAPHQL_INTROSPECTION=false); the query asks for "${node.name.value}"`, {
          nodes: node,
          extensions: { code: 'INTROSPECTION_DISABLED' },
        }),
      );
    }
  },
});

/**
 * Runs one query or mutation with a deadline. Every field that starts after it fails (operationDeadlines, read by
 * the resolvers' wrapper in src/graphql/builder.ts), and a timer answers at the deadline if a resolver is still
 * awaiting then. What cannot be cut short: a SQL statement already running (better-sqlite3 is synchronous and has
 * no interrupt) and a resolver that has begun, such as one mutation.
 */
async function executeWithDeadline(execute: (args: ExecutionArgs) => unknown, args: ExecutionArgs, timeoutMs: number): Promise<ExecutionResult> {
  const timedOut: ExecutionResult = { data: null, errors: [operationTimedOut(timeoutMs)] };
  operationDeadlines.set(args.contextValue as object, { at: performance.now() + timeoutMs, timeoutMs });
  const execution = Promise.resolve(execute(args) as ExecutionResult | Promise<ExecutionResult>);
  let timer: NodeJS.Timeout | undefined;
  const atDeadline = new Promise<ExecutionResult>((resolve) => (timer = setTimeout(() => resolve(timedOut), timeoutMs)));
  try {
    const result = await Promise.race([execution, atDeadline]);
    if (result === timedOut) {
      // The answer is given; what the abandoned execution still does ends at its next field, and has no one to tell.
      execution.catch(() => {});
      return timedOut;
    }
    // Each field that met the deadline reports it: one error says it better than a scatter of partial nulls.
    return result.errors?.some((error) => error.extensions?.code === 'TIMEOUT') ? timedOut : result;
  } finally {
    clearTimeout(timer);
  }
}

export function useGraphQLLimits(limits: GraphQLLimits): Plugin {
  const rules = [aliasLimitRule(limits.maxAliases), ...(limits.introspection ? [] : [introspectionDisabledRule])];
  return {
    onParse({ setParseFn }) {
      setParseFn((source, options) => parseWithTokenLimit(typeof source === 'string' ? source : source.body, limits.maxTokens, options));
    },
    onValidate({ addValidationRule }) {
      for (const rule of rules) addValidationRule(rule);
    },
    // Subscriptions go through onSubscribe, not here: they are long-lived by design.
    onExecute({ executeFn, setExecuteFn }) {
      setExecuteFn((args) => executeWithDeadline(executeFn as (args: ExecutionArgs) => unknown, args, limits.timeoutMs));
    },
  };
}

/**
 * Headers that make a request "non-simple", so a browser sends it cross-origin only after a CORS preflight. Besides
 * yoga's own, the API key headers: the gateway authenticates by header, which a browser never adds on its own, so
 * any request carrying a key already had to pass a preflight.
 */
const CSRF_HEADERS = ['x-graphql-yoga-csrf', 'authorization', 'x-api-key'];

/**
 * yoga's CSRF prevention (a request must have a non-simple content type such as application/json, or one of
 * CSRF_HEADERS), answering 403 with a code and a message that says what to send.
 */
export function useCsrfPrevention(): Plugin {
  const csrf = useCSRFPrevention({ requestHeaders: CSRF_HEADERS });
  return {
    onRequestParse(payload) {
      try {
        return csrf.onRequestParse!(payload);
      } catch (error) {
        if (!(error instanceof GraphQLError)) throw error;
        throw new GraphQLError(
          'a request that a browser could send from another site without asking (no API key, a form or text content type) is refused: send `Content-Type: application/json`, the API key header, or `X-GraphQL-Yoga-CSRF: 1`',
          { extensions: { code: 'CSRF_PREVENTED', http: { status: 403 } } },
        );
      }
    },
  };
}
