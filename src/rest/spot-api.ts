/**
 * The Spot Billing Engine API (src/rest/contracts/spot-billing-engine-api.openapi.yml) at the root: billing engine
 * accounts, Billing Engine and Cost Intelligence setup and validation, account families, and cost grouped by account,
 * service, region or family. Responses are in Spot's envelope, `{request: {id, url, method, timestamp}, response:
 * {status: {code, message}, kind, items, count}}`, errors as `response.errors: [{code, message}]`.
 *
 * Handlers only shape input and output: setups go through src/setup/service.ts, families through the same family
 * service as GraphQL, and cost through the costSummary service, so the totals equal GraphQL's for the same question.
 */
import { STATUS_CODES } from 'node:http';
import { z } from 'zod';
import { costSummary, SUM_METRICS } from '../analytics/summary.ts';
import type { SqliteDatabase } from '../db/sqlite.ts';
import {
  ACCOUNT_ID_MAX_LENGTH,
  createFamily,
  deleteFamily,
  familiesWithMembers,
  FAMILY_DESCRIPTION_MAX_LENGTH,
  FAMILY_NAME_MAX_LENGTH,
  updateFamily,
  type FamilyWithMembers,
} from '../families/service.ts';
import type { BillingAccount } from '../generated/prisma/client.ts';
import type { CostRecordFilter } from '../query/cost-record-filter.ts';
import {
  CLOUD_PROVIDERS,
  cloudProviderOf,
  listAccounts,
  setupBillingEngine,
  setupCostIntelligence,
  validateBillingEngine,
  validateCostIntelligence,
  type SetupStatus,
  type ValidationReport,
} from '../setup/service.ts';
import { ApiError, defineRoute, type RequestInfo, type RestApi, type Route } from './routes.ts';

const KIND = {
  account: 'billingEngine:account',
  validation: 'billingEngine:setup:validation',
  family: 'billingEngine:family',
  cost: 'billingEngine:cost',
  costIntelligence: 'costIntelligence:setup',
  costIntelligenceValidation: 'costIntelligence:setup:validation',
} as const;

/** Spot's three connection states, from the gateway's setup status. */
const CONNECTION: Record<SetupStatus, 'connected' | 'notConnected' | 'partiallyConnected'> = {
  NOT_CONFIGURED: 'notConnected',
  CONFIGURED: 'partiallyConnected',
  FAILED: 'partiallyConnected',
  VALIDATED: 'connected',
};

/** The providers the contract's BillingAccount names; others (OCI, SaaS) are shown by `provider` only. */
const CONTRACT_CLOUD_PROVIDERS = ['aws', 'azure', 'gcp'] as const;

const setupStatus = z.enum(['NOT_CONFIGURED', 'CONFIGURED', 'VALIDATED', 'FAILED']);

const accountItem = z.object({
  accountId: z.string().describe('The billing account id (the gateway registers accounts by their provider id).'),
  billingAccountId: z.string().describe('The provider\'s billing account id (BillingAccountId in the cost rows).'),
  cloudProvider: z.enum(CONTRACT_CLOUD_PROVIDERS).optional().describe('The cloud provider, when it is one the contract names.'),
  status: z.enum(['connected', 'notConnected', 'partiallyConnected']).describe('connected once a validation passed; partiallyConnected while set up but not (or not successfully) validated.'),
  name: z.string().nullable().describe('BillingAccountName of the newest rows.'),
  provider: z.string().nullable().describe('ServiceProviderName of the newest rows.'),
  dataSource: z.string().nullable().describe('Where the account\'s FOCUS exports land, as registered by setup.'),
  setupStatus: setupStatus.describe('Billing Engine setup: NOT_CONFIGURED, CONFIGURED, VALIDATED or FAILED.'),
  costIntelligenceStatus: setupStatus.describe('Cost Intelligence setup, in the same states.'),
  setupUpdatedAt: z.string().nullable().describe('When the Billing Engine setup last changed.'),
});

function accountResponse(account: BillingAccount): z.output<typeof accountItem> {
  const cloudProvider = account.cloudProvider ?? cloudProviderOf(account.provider);
  return {
    accountId: account.id,
    billingAccountId: account.id,
    ...((CONTRACT_CLOUD_PROVIDERS as readonly string[]).includes(cloudProvider ?? '') ? { cloudProvider: cloudProvider as (typeof CONTRACT_CLOUD_PROVIDERS)[number] } : {}),
    status: CONNECTION[account.setupStatus as SetupStatus],
    name: account.name,
    provider: account.provider,
    dataSource: account.dataSource,
    setupStatus: account.setupStatus as SetupStatus,
    costIntelligenceStatus: account.costIntelligenceStatus as SetupStatus,
    setupUpdatedAt: account.setupUpdatedAt?.toISOString() ?? null,
  };
}

const validationStep = z.object({
  id: z.string().describe('A stable name for the check.'),
  description: z.string(),
  status: z.enum(['success', 'failed', 'warning', 'skipped']),
  validationInfo: z.string().describe('What the check found.'),
});

const familyItem = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string().nullable(),
  accountIds: z.array(z.string()).describe('Billing or sub account ids; each account is in at most one family.'),
  createdAt: z.string(),
  updatedAt: z.string(),
});

function familyResponse(family: FamilyWithMembers): z.output<typeof familyItem> {
  return {
    id: family.id,
    name: family.name,
    description: family.description,
    accountIds: family.members.map((member) => member.accountId),
    createdAt: family.createdAt.toISOString(),
    updatedAt: family.updatedAt.toISOString(),
  };
}

const items = <T>(kind: string, list: T[], status = 200) => ({ status, body: { kind, items: list } });

const accountId = z.string().min(1).max(ACCOUNT_ID_MAX_LENGTH);
const cloudProvider = z.enum(CLOUD_PROVIDERS).describe('aws, azure, gcp, or (beyond the contract) oci.');

// ---- accounts and setup ------------------------------------------------------------------------------------------

const listAccountsRoute = defineRoute({
  method: 'GET',
  path: '/billingEngine/account',
  operationId: 'listBillingEngineAccounts',
  summary: 'The billing accounts the gateway knows (seen in the data or set up), with their setup status',
  tags: ['Billing Accounts'],
  query: z.object({ accountId: accountId.optional().describe('Only this account.') }).strict(),
  responses: { 200: { description: 'The accounts.', schema: accountItem } },
  handle: async ({ query }, { services }) => items(KIND.account, listAccounts(services.db, query.accountId).map(accountResponse)),
});

const setupBillingEngineRoute = defineRoute({
  method: 'POST',
  path: '/billingEngine/setup',
  operationId: 'setupBillingEngine',
  summary: 'Registers where a billing account\'s FOCUS exports land; the account is partiallyConnected until a validation passes',
  description:
    'bucketName is the data source: for this gateway an absolute local path or file: URL of a directory (or file) of FOCUS CSV, CSV.gz or Parquet exports. A bucket name is stored, but validation reports it unreadable from here. Admin keys only.',
  tags: ['Billing Engine Setup'],
  adminOnly: true,
  body: z.object({
    billingEngine: z.object({
      cloudProvider,
      billingAccountId: accountId.describe('The provider\'s billing account id.'),
      bucketName: z.string().min(1).describe('Where the FOCUS exports land: a local directory or file: URL.'),
    }),
  }),
  responses: { 200: { description: 'The account as registered.', schema: accountItem } },
  handle: async ({ body }, { services }) => {
    const setup = body.billingEngine;
    const account = await setupBillingEngine(services.prisma, { billingAccountId: setup.billingAccountId, cloudProvider: setup.cloudProvider, dataSource: setup.bucketName });
    return items(KIND.account, [accountResponse(account)]);
  },
});

/** The account a validation is about; the contract leaves cloudProvider free text here. */
const validationTarget = z.object({ cloudProvider: z.string().min(1).optional(), billingAccountId: accountId });

const validationResponse = (kind: string, report: ValidationReport) => items(kind, report.steps);

const validateBillingEngineRoute = defineRoute({
  method: 'POST',
  path: '/billingEngine/setup/validation',
  operationId: 'validateBillingEngineSetup',
  summary: 'Checks a Billing Engine setup and returns the steps; the account becomes connected when none failed',
  description:
    'Steps, in order (a failed step skips the rest): accountSetup, cloudProvider, sourceReadable, focusFiles, accountRows, conformance (the first 20,000 rows of each file), dataLoaded. Admin keys only, as it changes the account\'s status.',
  tags: ['Billing Engine Setup'],
  adminOnly: true,
  body: z.object({ billingEngine: validationTarget }),
  responses: { 200: { description: 'The validation steps.', schema: validationStep } },
  handle: async ({ body }, { services }) => validationResponse(KIND.validation, await validateBillingEngine(services.prisma, body.billingEngine)),
});

const setupCostIntelligenceRoute = defineRoute({
  method: 'POST',
  path: '/costIntelligence/setup',
  operationId: 'setupCostIntelligence',
  summary: 'Turns on Cost Intelligence for a billing account; Billing Engine must be set up for it first (400 otherwise)',
  tags: ['Cost Intelligence'],
  adminOnly: true,
  body: z.object({ costIntelligence: z.object({ cloudProvider, billingAccountId: accountId }) }),
  responses: { 200: { description: 'The account with its Cost Intelligence status.', schema: accountItem } },
  handle: async ({ body }, { services }) => items(KIND.costIntelligence, [accountResponse(await setupCostIntelligence(services.prisma, body.costIntelligence))]),
});

const validateCostIntelligenceRoute = defineRoute({
  method: 'POST',
  path: '/costIntelligence/setup/validation',
  operationId: 'validateCostIntelligenceSetup',
  summary: 'Checks a Cost Intelligence setup and returns the steps',
  description: 'Steps, in order (a failed step skips the rest): billingEngineSetup, costIntelligenceSetup, cloudProvider, costData, resourceDetail, tags. Admin keys only.',
  tags: ['Cost Intelligence'],
  adminOnly: true,
  body: z.object({ costIntelligence: validationTarget }),
  responses: { 200: { description: 'The validation steps.', schema: validationStep } },
  handle: async ({ body }, { services }) => validationResponse(KIND.costIntelligenceValidation, await validateCostIntelligence(services.prisma, body.costIntelligence)),
});

// ---- families ----------------------------------------------------------------------------------------------------

const familyFields = {
  name: z.string().min(1).max(FAMILY_NAME_MAX_LENGTH).describe('Unique, not blank.'),
  description: z.string().max(FAMILY_DESCRIPTION_MAX_LENGTH).nullable().describe('null clears it.'),
  accountIds: z.array(z.string()).describe('Billing or sub account ids. On update, the whole new membership.'),
};

const familyPath = z.object({ familyId: z.string().describe('The family id.') });

function existingFamily(db: SqliteDatabase, familyId: string): FamilyWithMembers {
  const [family] = familiesWithMembers(db, [familyId]);
  if (!family) throw new ApiError(404, 'NOT_FOUND', `no family with id ${familyId}`);
  return family;
}

const createFamilyRoute = defineRoute({
  method: 'POST',
  path: '/billingEngine/family',
  operationId: 'createAccountFamily',
  summary: 'Creates a family (the same families as GraphQL); 409 when a name is taken or an account is in another family',
  tags: ['Families'],
  adminOnly: true,
  body: z.object({ family: z.object({ name: familyFields.name, description: familyFields.description.optional(), accountIds: familyFields.accountIds.optional() }) }),
  responses: { 200: { description: 'The new family.', schema: familyItem } },
  errors: [409],
  handle: async ({ body }, { services }) => items(KIND.family, [familyResponse(await createFamily(services.prisma, body.family))]),
});

const listFamiliesRoute = defineRoute({
  method: 'GET',
  path: '/billingEngine/family',
  operationId: 'listAccountFamilies',
  summary: 'Every family, by name',
  tags: ['Families'],
  responses: { 200: { description: 'The families.', schema: familyItem } },
  handle: async (_input, { services }) => items(KIND.family, familiesWithMembers(services.db).map(familyResponse)),
});

const getFamilyRoute = defineRoute({
  method: 'GET',
  path: '/billingEngine/family/{familyId}',
  operationId: 'getAccountFamily',
  summary: 'One family',
  tags: ['Families'],
  pathParameters: familyPath,
  responses: { 200: { description: 'The family.', schema: familyItem } },
  errors: [404],
  handle: async ({ path }, { services }) => items(KIND.family, [familyResponse(existingFamily(services.db, path.familyId))]),
});

const updateFamilyRoute = defineRoute({
  method: 'PUT',
  path: '/billingEngine/family/{familyId}',
  operationId: 'updateAccountFamily',
  summary: 'Changes a family: the fields given replace what it had (accountIds the whole membership); fields left out stay',
  tags: ['Families'],
  adminOnly: true,
  pathParameters: familyPath,
  body: z.object({ family: z.object({ name: familyFields.name.optional(), description: familyFields.description.optional(), accountIds: familyFields.accountIds.optional() }) }),
  responses: { 200: { description: 'The family as changed.', schema: familyItem } },
  errors: [404, 409],
  handle: async ({ path, body }, { services }) => items(KIND.family, [familyResponse(await updateFamily(services.prisma, path.familyId, body.family))]),
});

const deleteFamilyRoute = defineRoute({
  method: 'DELETE',
  path: '/billingEngine/family/{familyId}',
  operationId: 'deleteAccountFamily',
  summary: 'Deletes a family; its accounts are then in no family. Returns the family as it was',
  tags: ['Families'],
  adminOnly: true,
  pathParameters: familyPath,
  responses: { 200: { description: 'The deleted family.', schema: familyItem } },
  errors: [404],
  handle: async ({ path }, { services }) => items(KIND.family, [familyResponse(await deleteFamily(services.prisma, path.familyId))]),
});

// ---- cost --------------------------------------------------------------------------------------------------------

/** Spot's groupBy names, as costSummary dimensions: an account is a sub account (AWS account, subscription, project). */
const COST_DIMENSIONS = { account: 'subAccountId', service: 'serviceName', region: 'regionId', family: 'family' } as const;

const DAY_MS = 86_400_000;

const costItem = z.object({
  groupBy: z.enum(['account', 'service', 'region', 'family']),
  key: z.string().nullable().describe('The group: a SubAccountId, ServiceName, RegionId or family id; null for rows without one.'),
  name: z.string().nullable().describe('The family\'s name when grouped by family; otherwise null.'),
  billingCurrency: z.string(),
  ...Object.fromEntries(SUM_METRICS.map((metric) => [metric, z.string().nullable().describe(`Exact decimal total of ${metric}.`)])),
  rowCount: z.number().int(),
});

const costRoute = defineRoute({
  method: 'GET',
  path: '/billingEngine/cost',
  operationId: 'getCostAnalysis',
  summary: 'Exact cost totals over charge periods from fromDate to toDate (both whole UTC days, inclusive), grouped; the same totals as GraphQL costSummary',
  tags: ['Cost Analysis'],
  query: z
    .object({
      accountId: accountId.optional().describe('Only rows of this billing account.'),
      fromDate: z.iso.date().optional().describe('Start date for the cost analysis period (rows charged from 00:00 UTC that day).'),
      toDate: z.iso.date().optional().describe('End date for the cost analysis period, inclusive.'),
      groupBy: z.enum(['account', 'service', 'region', 'family']).default('account').describe('Dimension to group costs by (account = SubAccountId).'),
    })
    .strict()
    .refine((query) => !query.fromDate || !query.toDate || query.fromDate <= query.toDate, { message: 'toDate must not be before fromDate', path: ['toDate'] }),
  responses: { 200: { description: 'One item per group and billing currency, largest effective cost first.', schema: costItem } },
  handle: async ({ query }, { services }) => {
    // Whole UTC days: the bounds are midnights, so the daily rollup answers (src/analytics/planner.ts).
    const filter: CostRecordFilter = {
      ...(query.accountId ? { billingAccountId: { eq: query.accountId } } : {}),
      ...(query.fromDate || query.toDate
        ? {
            chargePeriodStart: {
              ...(query.fromDate ? { gte: new Date(`${query.fromDate}T00:00:00Z`) } : {}),
              ...(query.toDate ? { lt: new Date(Date.parse(`${query.toDate}T00:00:00Z`) + DAY_MS) } : {}),
            },
          }
        : {}),
    };
    const summary = costSummary(services.db, {
      filter,
      groupBy: [COST_DIMENSIONS[query.groupBy]],
      metrics: [...SUM_METRICS, 'rowCount'],
      orderBy: [{ by: 'effectiveCost', direction: 'DESC' }],
      limit: 10_000,
    });
    return items(
      KIND.cost,
      summary.rows.map((row) => ({
        groupBy: query.groupBy,
        key: row.keys[0].value,
        name: row.keys[0].name ?? null,
        billingCurrency: row.billingCurrency,
        ...Object.fromEntries(SUM_METRICS.map((metric) => [metric, row.sums[metric] ?? null])),
        rowCount: row.rowCount,
      })),
    );
  },
});

// ---- the envelope ------------------------------------------------------------------------------------------------

const requestSchema = {
  type: 'object',
  properties: { id: { type: 'string' }, url: { type: 'string' }, method: { type: 'string' }, timestamp: { type: 'string', format: 'date-time' } },
  required: ['id', 'url', 'method', 'timestamp'],
};
const statusSchema = { type: 'object', properties: { code: { type: 'integer' }, message: { type: 'string' } }, required: ['code', 'message'] };

const statusOf = (code: number) => ({ code, message: STATUS_CODES[code] ?? 'Unknown' });

export const SPOT_API: RestApi = {
  title: 'Spot Billing Engine API',
  version: '2.0.0',
  description: 'Billing Engine accounts, setup and validation, account families, cost analysis and Cost Intelligence setup, in Spot\'s response envelope.',
  basePath: '',
  prefixes: ['/billingEngine', '/costIntelligence'],
  tags: [
    { name: 'Billing Accounts', description: 'Registered billing accounts and their status.' },
    { name: 'Billing Engine Setup', description: 'Register and validate where an account\'s FOCUS exports land.' },
    { name: 'Cost Analysis', description: 'Cost totals grouped by account, service, region or family.' },
    { name: 'Cost Intelligence', description: 'Cost Intelligence setup and validation.' },
    { name: 'Families', description: 'Account families for chargeback and showback.' },
  ],
  routes: [
    listAccountsRoute,
    setupBillingEngineRoute,
    validateBillingEngineRoute,
    createFamilyRoute,
    listFamiliesRoute,
    getFamilyRoute,
    updateFamilyRoute,
    deleteFamilyRoute,
    costRoute,
    setupCostIntelligenceRoute,
    validateCostIntelligenceRoute,
  ],
  success: (result, request: RequestInfo) => {
    const { kind, items: list } = result.body as { kind: string; items: unknown[] };
    return { request, response: { status: statusOf(result.status), kind, items: list, count: list.length } };
  },
  failure: (error, request) => ({
    request,
    response: { status: statusOf(error.status), errors: [{ code: error.code, message: error.message, ...(error.details ? { details: error.details } : {}) }] },
  }),
  successSchema: (_route: Route, schema) => ({
    type: 'object',
    properties: {
      request: requestSchema,
      response: {
        type: 'object',
        properties: { status: statusSchema, kind: { type: 'string' }, items: { type: 'array', items: schema ?? {} }, count: { type: 'integer' } },
        required: ['status', 'kind', 'items', 'count'],
      },
    },
    required: ['request', 'response'],
  }),
  errorSchema: {
    type: 'object',
    properties: {
      request: requestSchema,
      response: {
        type: 'object',
        properties: {
          status: statusSchema,
          errors: {
            type: 'array',
            items: { type: 'object', properties: { code: { type: 'string' }, message: { type: 'string' }, details: { type: 'string' } }, required: ['code', 'message'] },
          },
        },
        required: ['status', 'errors'],
      },
    },
    required: ['request', 'response'],
  },
};
