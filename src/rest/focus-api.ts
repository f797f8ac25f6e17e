/**
 * The FOCUS Cost and Usage REST API (src/rest/contracts/focus-cost-and-usage-api.openapi.yml) under /focus/v1: route
 * definitions whose handlers call the same services as GraphQL and shape the spec's JSON. Every operation needs an API
 * key (bearer or X-API-Key); errors are the spec's `{code, message, details}`.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { columnsOf, FOCUS_VERSION, type DatasetId, type FocusColumn } from '../focus/columns.ts';
import type { ExportFormat, ExportJob, ExportStatus } from '../exports/params.ts';
import { commitmentOrder, commitmentSelection, DEFAULT_COMMITMENT_SORT, type CommitmentFilter } from '../query/commitments.ts';
import { compileCostRecordFilter, type CostRecordFilter } from '../query/cost-record-filter.ts';
import { COST_RECORD_ALIAS, costRecordPage, type StoredCostRecord } from '../query/cost-records.ts';
import { PAGE_SIZE, type Page } from '../query/keyset.ts';
import { tableCount, tablePage, type KeyRow } from '../query/table-pages.ts';
import { contractCommitmentRecord, costAndUsageRecord } from './records.ts';
import { ApiError, defineRoute, type RestApi } from './routes.ts';
import { commitmentRowsById, dataCompleteness, matchingCostRecords } from './sql.ts';

export const FOCUS_API_BASE_PATH = '/focus/v1';

export const REST_PAGE_SIZE = { default: 1000, max: 10_000 } as const;

const packageJson = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { name: string; version: string };

// ---- parameters --------------------------------------------------------------------------------------------------

/** RFC 3339 with a Z or an offset, read as the instant it names. */
const dateTime = (description: string) =>
  z.iso
    .datetime({ offset: true })
    .describe(description)
    .transform((text) => new Date(text));

const filterValue = (description: string) => z.string().min(1, 'must not be empty').describe(description).optional();

const pageSize = z.coerce
  .number()
  .int()
  .min(1)
  .max(REST_PAGE_SIZE.max)
  .default(REST_PAGE_SIZE.default)
  .describe('Number of records to return per page.');

const pageToken = z.string().min(1).optional().describe('Token for retrieving the next page of results (the nextPageToken of the page before).');

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

/** The spec's own component schemas, which /openapi.json carries over from the contract. */
const contract = (name: string) => ({ $ref: `#/components/schemas/${name}` });

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

const schemaRoute = defineRoute({
  method: 'GET',
  path: '/schema',
  operationId: 'getSchemaMetadata',
  summary: 'FOCUS schema metadata: version, data generator, the Cost and Usage columns and the datasets served',
  tags: ['Schema Metadata'],
  responses: { 200: { description: 'FOCUS schema metadata.', schema: contract('SchemaMetadata') } },
  handle: async () => ({
    status: 200,
    body: {
      focusVersion: FOCUS_VERSION,
      dataGeneratorName: packageJson.name,
      dataGeneratorVersion: packageJson.version,
      columns: columnsOf('CostAndUsage').map(columnDefinition),
      datasets: DATASETS,
    },
  }),
});

// ---- cost and usage ----------------------------------------------------------------------------------------------

const CHARGE_CATEGORIES = ['Usage', 'Purchase', 'Tax', 'Credit', 'Adjustment'] as const;

/** Query parameter to filter field, for the exact-match filters. */
const COST_FILTER_PARAMETERS = {
  providerName: 'serviceProviderName',
  serviceName: 'serviceName',
  serviceCategory: 'serviceCategory',
  region: 'regionId',
  resourceId: 'resourceId',
  subAccountId: 'subAccountId',
  billingCurrency: 'billingCurrency',
} as const;

const costAndUsageQuery = z
  .object({
    billingPeriodStart: dateTime('Rows whose billing period ends after this instant (RFC 3339).').optional(),
    billingPeriodEnd: dateTime('Rows whose billing period starts before this instant (RFC 3339).').optional(),
    chargeCategory: z.enum(CHARGE_CATEGORIES).optional().describe('Only rows of this ChargeCategory.'),
    providerName: filterValue('Only rows of this provider (ServiceProviderName; ProviderName before FOCUS 1.3).'),
    serviceName: filterValue('Only rows of this ServiceName.'),
    serviceCategory: filterValue('Only rows of this ServiceCategory.'),
    region: filterValue('Only rows of this region (RegionId).'),
    resourceId: filterValue('Only rows of this ResourceId.'),
    subAccountId: filterValue('Only rows of this SubAccountId.'),
    billingCurrency: filterValue('Only rows billed in this currency (ISO 4217).'),
    pageSize,
    pageToken,
  })
  .strict()
  .refine((query) => !query.billingPeriodStart || !query.billingPeriodEnd || query.billingPeriodStart < query.billingPeriodEnd, {
    message: 'billingPeriodEnd must be after billingPeriodStart',
    path: ['billingPeriodEnd'],
  });

const costAndUsageRoute = defineRoute({
  method: 'GET',
  path: '/cost-and-usage',
  operationId: 'listCostAndUsage',
  summary: 'FOCUS Cost and Usage rows, filtered, in pages; the billing period parameters select rows whose billing period overlaps [start, end), as exports do',
  tags: ['Cost and Usage'],
  query: costAndUsageQuery,
  responses: { 200: { description: 'A page of FOCUS cost and usage records.', schema: contract('CostAndUsageResponse') } },
  errors: [400],
  handle: async ({ query }, { services }) => {
    const filter: CostRecordFilter = {};
    if (query.billingPeriodStart) filter.billingPeriodEnd = { gt: query.billingPeriodStart };
    if (query.billingPeriodEnd) filter.billingPeriodStart = { lt: query.billingPeriodEnd };
    if (query.chargeCategory) filter.chargeCategory = { eq: query.chargeCategory };
    for (const [parameter, field] of Object.entries(COST_FILTER_PARAMETERS)) {
      const value = query[parameter as keyof typeof COST_FILTER_PARAMETERS];
      if (value !== undefined) filter[field] = { eq: value };
    }
    const where = compileCostRecordFilter(filter, COST_RECORD_ALIAS);
    const { rows, nextPageToken } = await collectPage<StoredCostRecord>(query.pageSize, query.pageToken ?? null, (first, after) =>
      costRecordPage(services.db, { where, page: { first, after } }),
    );
    const matching = matchingCostRecords(services.db, filter);
    return {
      status: 200,
      body: {
        data: rows.map(costAndUsageRecord),
        nextPageToken,
        totalRecords: matching.count,
        ...(matching.lastUpdated ? { dataLastUpdated: matching.lastUpdated.toISOString() } : {}),
        dataCompleteness: dataCompleteness(services.db, matching, { start: query.billingPeriodStart ?? null, end: query.billingPeriodEnd ?? null }),
      },
    };
  },
});

// ---- exports -----------------------------------------------------------------------------------------------------

const EXPORT_FORMATS: Readonly<Record<'csv' | 'parquet' | 'json', ExportFormat>> = { csv: 'CSV', parquet: 'PARQUET', json: 'JSON' };

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

const exportRequest = z
  .object({
    billingPeriodStart: dateTime('The inclusive start of the billing period to export.'),
    billingPeriodEnd: dateTime('The exclusive end of the billing period to export.'),
    format: z.enum(['csv', 'parquet', 'json']).default('csv').describe('The output format.'),
    includeContractCommitments: z.boolean().default(false).describe('Whether the Contract Commitment rows go alongside (a tar bundle).'),
  })
  .strict();

const startExportRoute = defineRoute({
  method: 'POST',
  path: '/cost-and-usage/export',
  operationId: 'exportCostAndUsage',
  summary: 'Starts an export job (the same jobs as the GraphQL startExport); the file is downloaded from its downloadUrl',
  tags: ['Cost and Usage'],
  body: exportRequest,
  responses: { 202: { description: 'Export job accepted.', schema: contract('ExportJobResponse') } },
  errors: [400, 429],
  handle: async ({ body }, { services, viewer, origin }) => {
    const job = await services.exports.start(
      {
        billingPeriodStart: body.billingPeriodStart,
        billingPeriodEnd: body.billingPeriodEnd,
        format: EXPORT_FORMATS[body.format],
        includeContractCommitments: body.includeContractCommitments,
      },
      viewer.keyId,
    );
    return { status: 202, body: exportJobResponse(job, origin) };
  },
});

const exportStatusRoute = defineRoute({
  method: 'GET',
  path: '/cost-and-usage/export/{jobId}',
  operationId: 'getCostAndUsageExportStatus',
  summary: 'The status of an export job this key started (any job, for an admin key)',
  tags: ['Cost and Usage'],
  pathParameters: z.object({ jobId: z.string().describe('The export job id.') }),
  responses: { 200: { description: 'Export job status.', schema: contract('ExportJobResponse') } },
  errors: [404],
  handle: async ({ path }, { services, viewer, origin }) => {
    const job = await services.exports.get(path.jobId);
    // Another key's job is reported as missing, as downloads do: its existence is not this key's business.
    if (!job || (viewer.role !== 'admin' && job.ownerKeyId !== viewer.keyId)) throw new ApiError(404, 'NOT_FOUND', `no export job ${path.jobId}`);
    return { status: 200, body: exportJobResponse(job, origin) };
  },
});

// ---- contract commitments ----------------------------------------------------------------------------------------

const contractCommitmentsRoute = defineRoute({
  method: 'GET',
  path: '/contract-commitments',
  operationId: 'listContractCommitments',
  summary: 'FOCUS 1.3 Contract Commitment rows under the API\'s CommitmentDiscount* names, in pages',
  tags: ['Contract Commitments'],
  query: z
    .object({
      commitmentDiscountId: filterValue('Only this commitment (ContractCommitmentId).'),
      billingAccountId: filterValue('Only commitments of this billing account.'),
      pageSize,
      pageToken,
    })
    .strict(),
  responses: { 200: { description: 'A page of contract commitment records.', schema: contract('ContractCommitmentResponse') } },
  errors: [400],
  handle: async ({ query }, { services }) => {
    const filter: CommitmentFilter = {};
    if (query.commitmentDiscountId !== undefined) filter.contractCommitmentId = [query.commitmentDiscountId];
    if (query.billingAccountId !== undefined) filter.billingAccountId = [query.billingAccountId];
    const selection = commitmentSelection(filter);
    const order = commitmentOrder(DEFAULT_COMMITMENT_SORT);
    const { rows, nextPageToken } = await collectPage<KeyRow>(query.pageSize, query.pageToken ?? null, (first, after) =>
      tablePage(services.db, selection, order, { first, after }),
    );
    const records = commitmentRowsById(
      services.db,
      rows.map((row) => row.id as number),
    ).map(contractCommitmentRecord);
    return { status: 200, body: { data: records, nextPageToken, totalRecords: tableCount(services.db, selection) } };
  },
});

const errorSchema = { type: 'object', properties: { code: { type: 'string' }, message: { type: 'string' }, details: { type: ['string', 'null'] } }, required: ['code', 'message'] };

export const FOCUS_API: RestApi = {
  title: 'FOCUS Cost and Usage API',
  version: '1.3.0',
  description: 'FOCUS 1.3 Cost and Usage and Contract Commitment data, matching the FOCUS Cost and Usage API contract.',
  basePath: FOCUS_API_BASE_PATH,
  prefixes: [''],
  tags: [
    { name: 'Cost and Usage', description: 'FOCUS Cost and Usage rows and their export jobs.' },
    { name: 'Contract Commitments', description: 'The FOCUS 1.3 Contract Commitment dataset.' },
    { name: 'Schema Metadata', description: 'The columns and version of the data served.' },
  ],
  routes: [costAndUsageRoute, startExportRoute, exportStatusRoute, contractCommitmentsRoute, schemaRoute],
  success: (result) => result.body,
  failure: (error) => ({ code: error.code, message: error.message, details: error.details }),
  successSchema: (_route, schema) => schema ?? {},
  errorSchema,
};
