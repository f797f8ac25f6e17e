/**
 * The FOCUS Cost and Usage REST API (test/fixtures/specs/focus-cost-and-usage-api.openapi.yml) under /focus/v1: thin
 * handlers that parse and check parameters, call the same services as GraphQL, and shape the spec's JSON. Every
 * operation needs an API key (bearer or X-API-Key); errors are the spec's `{code, message, details}`.
 */
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AUTHENTICATE_CHALLENGE, authenticate, presentedKey, UnauthenticatedError } from '../auth/credentials.ts';
import type { Viewer } from '../auth/keys.ts';
import { columnsOf, FOCUS_VERSION, type DatasetId, type FocusColumn } from '../focus/columns.ts';
import type { ExportFormat, ExportJob, ExportStatus } from '../exports/params.ts';
import type { GatewayServices } from '../graphql/context.ts';
import { commitmentOrder, commitmentSelection, DEFAULT_COMMITMENT_SORT, type CommitmentFilter } from '../query/commitments.ts';
import { compileCostRecordFilter, type CostRecordFilter } from '../query/cost-record-filter.ts';
import { COST_RECORD_ALIAS, costRecordPage, type StoredCostRecord } from '../query/cost-records.ts';
import { PAGE_SIZE, QueryInputError, type Page } from '../query/keyset.ts';
import { tableCount, tablePage, type KeyRow } from '../query/table-pages.ts';
import { contractCommitmentRecord, costAndUsageRecord } from './records.ts';
import { commitmentRowsById, dataCompleteness, matchingCostRecords } from './sql.ts';

export const FOCUS_API_PREFIX = '/focus/v1/';

export const REST_PAGE_SIZE = { default: 1000, max: 10_000 } as const;

const packageJson = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { name: string; version: string };

class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: string | null = null,
    /** Response headers the status calls for (Allow on 405, Retry-After on 429). */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'content-type': 'application/json', ...headers });
  response.end(JSON.stringify(body));
}

function sendError(response: ServerResponse, error: ApiError, headers: Record<string, string> = {}): void {
  sendJson(response, error.status, { code: error.code, message: error.message, details: error.details }, { ...error.headers, ...headers });
}

interface RequestContext {
  services: GatewayServices;
  viewer: Viewer;
  url: URL;
  request: IncomingMessage;
}

type Handler = (context: RequestContext) => Promise<{ status: number; body: unknown }>;

// ---- parameters --------------------------------------------------------------------------------------------------

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

function dateTimeValue(value: unknown, name: string): Date {
  const date = typeof value === 'string' && RFC3339.test(value) ? new Date(value) : null;
  if (!date || Number.isNaN(date.getTime())) throw new ApiError(400, 'BAD_USER_INPUT', `${name} must be an RFC 3339 date-time`, `got ${JSON.stringify(value)}`);
  return date;
}

function queryDateTime(url: URL, name: string): Date | null {
  const value = url.searchParams.get(name);
  return value === null ? null : dateTimeValue(value, name);
}

function queryString(url: URL, name: string): string | null {
  const value = url.searchParams.get(name);
  if (value === '') throw new ApiError(400, 'BAD_USER_INPUT', `${name} must not be empty`);
  return value;
}

function pageSizeParameter(url: URL): number {
  const value = url.searchParams.get('pageSize');
  if (value === null) return REST_PAGE_SIZE.default;
  const size = /^\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(size) || size < 1 || size > REST_PAGE_SIZE.max) {
    throw new ApiError(400, 'BAD_USER_INPUT', `pageSize must be an integer from 1 to ${REST_PAGE_SIZE.max}`, `got ${JSON.stringify(value)}`);
  }
  return size;
}

function checkKnownParameters(url: URL, known: readonly string[]): void {
  for (const name of url.searchParams.keys()) {
    if (!known.includes(name)) throw new ApiError(400, 'BAD_USER_INPUT', `unknown query parameter ${name}`, `expected ${known.join(', ')}`);
  }
}

/**
 * Up to `size` rows after `pageToken`, read in keyset pages of the cursor module's largest size: the REST page may be
 * larger than one keyset page, and its token is the cursor of the last row returned.
 */
async function collectPage<Row>(size: number, pageToken: string | null, read: (first: number, after: string | null) => Promise<Page<Row>>) {
  const rows: Row[] = [];
  let after = pageToken;
  let more = true;
  while (rows.length < size && more) {
    const page = await read(Math.min(PAGE_SIZE.max, size - rows.length), after);
    rows.push(...page.edges.map((edge) => edge.node));
    more = (await page.pageInfo.hasNextPage) && page.pageInfo.endCursor !== null;
    after = page.pageInfo.endCursor ?? after;
  }
  return { rows, nextPageToken: more ? after : null };
}

// ---- schema ------------------------------------------------------------------------------------------------------

const DATASETS: readonly DatasetId[] = ['CostAndUsage', 'ContractCommitment'];

const DATA_TYPES = { string: 'String', decimal: 'Number', datetime: 'DateTime', json: 'JSON' } as const;
// The spec's Must/Recommended/Optional: Conditional columns are required only where their feature applies.
const REQUIREMENTS = { Mandatory: 'Must', Recommended: 'Recommended', Conditional: 'Optional' } as const;

function columnDefinition(column: FocusColumn) {
  return {
    columnName: column.name,
    dataType: DATA_TYPES[column.type],
    requirement: REQUIREMENTS[column.featureLevel],
    nullable: column.nullable,
    description: column.description,
    category: column.type === 'decimal' ? 'Metric' : 'Dimension',
  };
}

const getSchema: Handler = async () => ({
  status: 200,
  body: {
    focusVersion: FOCUS_VERSION,
    dataGeneratorName: packageJson.name,
    dataGeneratorVersion: packageJson.version,
    columns: columnsOf('CostAndUsage').map(columnDefinition),
    datasets: DATASETS,
  },
});

// ---- cost and usage ----------------------------------------------------------------------------------------------

const CHARGE_CATEGORIES = ['Usage', 'Purchase', 'Tax', 'Credit', 'Adjustment'];

/** Query parameter to filter field, for the exact-match filters. */
const COST_FILTER_PARAMETERS: Readonly<Record<string, string>> = {
  chargeCategory: 'chargeCategory',
  providerName: 'serviceProviderName',
  serviceName: 'serviceName',
  serviceCategory: 'serviceCategory',
  region: 'regionId',
  resourceId: 'resourceId',
  subAccountId: 'subAccountId',
  billingCurrency: 'billingCurrency',
};

const COST_PARAMETERS = ['billingPeriodStart', 'billingPeriodEnd', ...Object.keys(COST_FILTER_PARAMETERS), 'pageSize', 'pageToken'];

/**
 * The filter of the query parameters. The billing period parameters select rows whose billing period overlaps
 * [billingPeriodStart, billingPeriodEnd), as exports do.
 */
function costAndUsageFilter(url: URL): { filter: CostRecordFilter; start: Date | null; end: Date | null } {
  const start = queryDateTime(url, 'billingPeriodStart');
  const end = queryDateTime(url, 'billingPeriodEnd');
  if (start && end && start.getTime() >= end.getTime()) throw new ApiError(400, 'BAD_USER_INPUT', 'billingPeriodEnd must be after billingPeriodStart');
  const chargeCategory = url.searchParams.get('chargeCategory');
  if (chargeCategory !== null && !CHARGE_CATEGORIES.includes(chargeCategory)) {
    throw new ApiError(400, 'BAD_USER_INPUT', `chargeCategory must be one of ${CHARGE_CATEGORIES.join(', ')}`, `got ${JSON.stringify(chargeCategory)}`);
  }
  const filter: CostRecordFilter = {};
  if (start) filter.billingPeriodEnd = { gt: start };
  if (end) filter.billingPeriodStart = { lt: end };
  for (const [parameter, field] of Object.entries(COST_FILTER_PARAMETERS)) {
    const value = queryString(url, parameter);
    if (value !== null) filter[field] = { eq: value };
  }
  return { filter, start, end };
}

const listCostAndUsage: Handler = async ({ services, url }) => {
  checkKnownParameters(url, COST_PARAMETERS);
  const { filter, start, end } = costAndUsageFilter(url);
  const size = pageSizeParameter(url);
  const where = compileCostRecordFilter(filter, COST_RECORD_ALIAS);
  const { rows, nextPageToken } = await collectPage<StoredCostRecord>(size, url.searchParams.get('pageToken'), (first, after) =>
    costRecordPage(services.db, { where, page: { first, after } }),
  );
  const matching = matchingCostRecords(services.db, where);
  return {
    status: 200,
    body: {
      data: rows.map(costAndUsageRecord),
      nextPageToken,
      totalRecords: matching.count,
      ...(matching.lastUpdated ? { dataLastUpdated: matching.lastUpdated.toISOString() } : {}),
      dataCompleteness: dataCompleteness(services.db, matching, { start, end }),
    },
  };
};

// ---- exports -----------------------------------------------------------------------------------------------------

const EXPORT_FORMATS: Readonly<Record<string, ExportFormat>> = { csv: 'CSV', parquet: 'PARQUET', json: 'JSON' };

/** The spec has four statuses: a cancelled job failed to produce a file, and an expired one no longer has it. */
const STATUS_NAMES: Readonly<Record<ExportStatus, string>> = {
  PENDING: 'Pending',
  PROCESSING: 'Processing',
  COMPLETE: 'Complete',
  FAILED: 'Failed',
  CANCELLED: 'Failed',
  EXPIRED: 'Failed',
};

function exportJobResponse(job: ExportJob, origin: string) {
  const error = job.status === 'CANCELLED' ? 'the export was cancelled' : job.status === 'EXPIRED' ? 'the export file expired and was removed' : job.error;
  return {
    jobId: job.id,
    status: STATUS_NAMES[job.status],
    createdAt: job.createdAt.toISOString(),
    completedAt: job.completedAt?.toISOString() ?? null,
    downloadUrl: job.status === 'COMPLETE' ? `${origin}/exports/${encodeURIComponent(job.id)}/file` : null,
    recordCount: job.recordCount,
    error: error ?? null,
  };
}

async function readJsonBody(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of request) {
    length += (chunk as Buffer).length;
    if (length > 1_000_000) throw new ApiError(400, 'BAD_USER_INPUT', 'the request body is too large');
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch (error) {
    throw new ApiError(400, 'BAD_USER_INPUT', 'the request body must be a JSON object', (error as Error).message);
  }
}

function requestOrigin(request: IncomingMessage): string {
  return `http://${request.headers.host ?? 'localhost'}`;
}

const EXPORT_REQUEST_FIELDS = ['billingPeriodStart', 'billingPeriodEnd', 'format', 'includeContractCommitments'];

const startExport: Handler = async ({ services, viewer, request }) => {
  const body = await readJsonBody(request);
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new ApiError(400, 'BAD_USER_INPUT', 'the request body must be a JSON object');
  const input = body as Record<string, unknown>;
  const unknown = Object.keys(input).find((name) => !EXPORT_REQUEST_FIELDS.includes(name));
  if (unknown !== undefined) throw new ApiError(400, 'BAD_USER_INPUT', `unknown field ${unknown}`, `expected ${EXPORT_REQUEST_FIELDS.join(', ')}`);
  const format = EXPORT_FORMATS[String(input.format ?? 'csv')];
  if (!format) throw new ApiError(400, 'BAD_USER_INPUT', `format must be one of ${Object.keys(EXPORT_FORMATS).join(', ')}`, `got ${JSON.stringify(input.format)}`);
  const include = input.includeContractCommitments ?? false;
  if (typeof include !== 'boolean') throw new ApiError(400, 'BAD_USER_INPUT', 'includeContractCommitments must be a boolean');
  const job = await services.exports.start(
    {
      billingPeriodStart: dateTimeValue(input.billingPeriodStart, 'billingPeriodStart'),
      billingPeriodEnd: dateTimeValue(input.billingPeriodEnd, 'billingPeriodEnd'),
      format,
      includeContractCommitments: include,
    },
    viewer.keyId,
  );
  return { status: 202, body: exportJobResponse(job, requestOrigin(request)) };
};

function exportStatus(jobId: string): Handler {
  return async ({ services, viewer, request }) => {
    const job = await services.exports.get(jobId);
    // Another key's job is reported as missing, as downloads do: its existence is not this key's business.
    if (!job || (viewer.role !== 'admin' && job.ownerKeyId !== viewer.keyId)) throw new ApiError(404, 'NOT_FOUND', `no export job ${jobId}`);
    return { status: 200, body: exportJobResponse(job, requestOrigin(request)) };
  };
}

// ---- contract commitments ----------------------------------------------------------------------------------------

const COMMITMENT_PARAMETERS = ['commitmentDiscountId', 'billingAccountId', 'pageSize', 'pageToken'];

const listContractCommitments: Handler = async ({ services, url }) => {
  checkKnownParameters(url, COMMITMENT_PARAMETERS);
  const filter: CommitmentFilter = {};
  const commitmentId = queryString(url, 'commitmentDiscountId');
  const billingAccountId = queryString(url, 'billingAccountId');
  if (commitmentId !== null) filter.contractCommitmentId = [commitmentId];
  if (billingAccountId !== null) filter.billingAccountId = [billingAccountId];
  const size = pageSizeParameter(url);
  const selection = commitmentSelection(filter);
  const order = commitmentOrder(DEFAULT_COMMITMENT_SORT);
  const { rows, nextPageToken } = await collectPage<KeyRow>(size, url.searchParams.get('pageToken'), (first, after) =>
    tablePage(services.db, selection, order, { first, after }),
  );
  const records = commitmentRowsById(
    services.db,
    rows.map((row) => row.id as number),
  ).map(contractCommitmentRecord);
  return { status: 200, body: { data: records, nextPageToken, totalRecords: tableCount(services.db, selection) } };
};

// ---- routing -----------------------------------------------------------------------------------------------------

/** The operations of the contract: a path pattern (after the prefix) and the handler of each method it allows. */
const ROUTES: { path: RegExp; methods: Record<string, (match: RegExpExecArray) => Handler> }[] = [
  { path: /^schema$/, methods: { GET: () => getSchema } },
  { path: /^cost-and-usage$/, methods: { GET: () => listCostAndUsage } },
  { path: /^cost-and-usage\/export$/, methods: { POST: () => startExport } },
  { path: /^cost-and-usage\/export\/([^/]+)$/, methods: { GET: (match) => exportStatus(decodeURIComponent(match[1])) } },
  { path: /^contract-commitments$/, methods: { GET: () => listContractCommitments } },
];

/** The handler for a request; 404 for a path the contract does not have, 405 for a method its path does not allow. */
function route(method: string, path: string): Handler {
  for (const candidate of ROUTES) {
    const match = candidate.path.exec(path);
    if (!match) continue;
    const handler = candidate.methods[method];
    if (!handler) throw new ApiError(405, 'METHOD_NOT_ALLOWED', `${method} is not allowed on this path; use ${Object.keys(candidate.methods).join(' or ')}`, null, { allow: Object.keys(candidate.methods).join(', ') });
    return handler(match);
  }
  throw new ApiError(404, 'NOT_FOUND', `no route for ${method} /focus/v1/${path}`);
}

/** Serves one request whose path starts with FOCUS_API_PREFIX. */
export async function serveFocusApi(services: GatewayServices, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const url = new URL(request.url ?? '/', 'http://localhost');
  const method = request.method ?? 'GET';
  try {
    let viewer: Viewer;
    try {
      viewer = await authenticate(services.prisma, presentedKey(request.headers));
    } catch (error) {
      if (!(error instanceof UnauthenticatedError)) throw error;
      sendError(response, new ApiError(401, 'UNAUTHENTICATED', error.message), AUTHENTICATE_CHALLENGE);
      return;
    }
    const handler = route(method, url.pathname.slice(FOCUS_API_PREFIX.length));
    const retryAfter = services.rateLimiter.take(viewer.keyId);
    if (retryAfter > 0) {
      throw new ApiError(429, 'RATE_LIMITED', `too many requests for this API key; retry in ${retryAfter} s`, null, { 'retry-after': String(retryAfter) });
    }
    const { status, body } = await handler({ services, viewer, url, request });
    sendJson(response, status, body);
  } catch (error) {
    if (error instanceof ApiError) sendError(response, error);
    else if (error instanceof QueryInputError) sendError(response, new ApiError(400, 'BAD_USER_INPUT', error.message));
    else {
      // The cause stays in the server log: internal messages are not the client's to read.
      process.stderr.write(`focus-gateway: ${method} ${url.pathname} failed: ${(error as Error).stack ?? String(error)}\n`);
      if (!response.headersSent) sendError(response, new ApiError(500, 'INTERNAL', 'the request failed; the server log has the cause'));
      else response.destroy();
    }
  }
}
