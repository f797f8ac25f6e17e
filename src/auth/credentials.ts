/**
 * Where a request carries its API key: `Authorization: Bearer <key>` or `X-API-Key: <key>` on HTTP, the same in a
 * graphql-ws `connectionParams` object for subscriptions. Authentication fails closed: a header that is there but
 * malformed is an error of its own, never treated as "no key".
 */
import type { IncomingHttpHeaders } from 'node:http';
import { verifyApiKey, type ApiKeyStore, type Viewer } from './keys.ts';

const HOW_TO_SEND = 'send it as `Authorization: Bearer <key>` or `X-API-Key: <key>`';

export type UnauthenticatedReason = 'missing' | 'malformed' | 'invalid';

/** The request could not be tied to a valid API key. HTTP maps it to 401, GraphQL to extensions.code UNAUTHENTICATED. */
/** The challenge every 401 carries (RFC 9110): which scheme to answer with. */
export const AUTHENTICATE_CHALLENGE = { 'www-authenticate': 'Bearer realm="focus-gateway"' } as const;

export class UnauthenticatedError extends Error {
  readonly code = 'UNAUTHENTICATED';
  readonly status = 401;
  constructor(
    readonly reason: UnauthenticatedReason,
    message: string,
  ) {
    super(message);
    this.name = 'UnauthenticatedError';
  }

  static missing(): UnauthenticatedError {
    return new UnauthenticatedError('missing', `no API key given: ${HOW_TO_SEND}`);
  }

  static invalid(): UnauthenticatedError {
    return new UnauthenticatedError('invalid', 'the API key is not valid or has been revoked');
  }
}

const malformed = (message: string) => new UnauthenticatedError('malformed', message);

function single(name: string, value: string | string[] | undefined | null): string | null {
  if (value === undefined || value === null) return null;
  if (Array.isArray(value)) {
    if (value.length > 1) throw malformed(`${name} was given more than once`);
    return single(name, value[0]);
  }
  return value;
}

/** Names of the two forms, as the error messages call them. */
interface FormNames {
  authorization: string;
  apiKey: string;
}
const HEADER_NAMES: FormNames = { authorization: 'the Authorization header', apiKey: 'the X-API-Key header' };
const CONNECTION_PARAM_NAMES: FormNames = { authorization: 'the authorization connection parameter', apiKey: 'the apiKey connection parameter' };

function fromAuthorization(name: string, value: string): string {
  const [scheme, ...rest] = value.trim().split(/\s+/);
  if (scheme.toLowerCase() !== 'bearer') {
    // A lone token is most likely the key itself, sent without "Bearer": never echo it back.
    const got = rest.length === 0 ? '"Bearer " is missing' : /^[A-Za-z][A-Za-z0-9-]{0,19}$/.test(scheme) ? `got the "${scheme}" scheme` : 'got another scheme';
    throw malformed(`${name} must be \`Bearer <key>\` (${got})`);
  }
  if (rest.length === 0) throw malformed(`${name} has no key after \`Bearer\``);
  return rest.join(' ');
}

function fromApiKey(name: string, value: string): string {
  const key = value.trim();
  if (!key) throw malformed(`${name} is empty`);
  return key;
}

/** Picks the one key a request presents, from either form; both forms with different keys is ambiguous. */
function choose(authorization: string | null, apiKey: string | null, names: FormNames): string | null {
  const fromBearer = authorization === null ? null : fromAuthorization(names.authorization, authorization);
  const fromHeader = apiKey === null ? null : fromApiKey(names.apiKey, apiKey);
  if (fromBearer !== null && fromHeader !== null && fromBearer !== fromHeader) throw malformed(`${names.authorization} and ${names.apiKey} carry different keys: send one`);
  return fromBearer ?? fromHeader;
}

/**
 * The API key a request presents, or null when it presents none.
 * @throws UnauthenticatedError (reason `malformed`) when a key header is there but unusable.
 */
export function presentedKey(headers: Headers | IncomingHttpHeaders): string | null {
  // A Fetch API Headers object, from Node or from the server adapter's own implementation (yoga's requests).
  if (typeof headers.get === 'function') {
    const fetchHeaders = headers as Headers;
    return choose(fetchHeaders.get('authorization'), fetchHeaders.get('x-api-key'), HEADER_NAMES);
  }
  const incoming = headers as IncomingHttpHeaders;
  return choose(single(HEADER_NAMES.authorization, incoming.authorization), single(HEADER_NAMES.apiKey, incoming['x-api-key']), HEADER_NAMES);
}

/** One connection parameter of a kind (all spellings of its name); more than one different value is ambiguous. */
function connectionParam(entries: [string, unknown][], names: readonly string[], label: string): string | null {
  const values = new Set<string>();
  for (const [name, value] of entries) {
    if (!names.includes(name.toLowerCase().replace(/[-_]/g, ''))) continue;
    if (typeof value !== 'string') throw malformed(`connection parameter ${name} must be a string`);
    values.add(value);
  }
  if (values.size > 1) throw malformed(`connection parameters carry more than one ${label}: send one`);
  return values.size === 1 ? [...values][0] : null;
}

/**
 * The API key in graphql-ws connection parameters: `authorization` (`Bearer <key>`), `apiKey` or `x-api-key`, in any
 * letter case, at the top level or under `headers` (as some clients send them). Null when there is none.
 * @throws UnauthenticatedError (reason `malformed`) when a key parameter is there but unusable.
 */
export function presentedKeyFromConnectionParams(params: unknown): string | null {
  if (typeof params !== 'object' || params === null) return null;
  const entries = Object.entries(params);
  const headers = entries.find(([name]) => name.toLowerCase() === 'headers')?.[1];
  if (typeof headers === 'object' && headers !== null) entries.push(...Object.entries(headers));
  return choose(connectionParam(entries, ['authorization'], 'authorization'), connectionParam(entries, ['apikey', 'xapikey'], 'API key'), CONNECTION_PARAM_NAMES);
}

/**
 * The viewer for a presented key (from `presentedKey` or `presentedKeyFromConnectionParams`).
 * @throws UnauthenticatedError when no key was presented, or the key is unknown or revoked.
 */
export async function authenticate(prisma: ApiKeyStore, key: string | null): Promise<Viewer> {
  if (key === null) throw UnauthenticatedError.missing();
  const viewer = await verifyApiKey(prisma, key);
  if (!viewer) throw UnauthenticatedError.invalid();
  return viewer;
}
