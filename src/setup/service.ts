/**
 * Account setup, as Spot's Billing Engine and Cost Intelligence know it. Billing Engine setup registers where a
 * billing account's FOCUS exports land (a local directory or file: URL for this gateway; a bucket name is kept but
 * cannot be read from here); Cost Intelligence builds on it. Validation runs real checks and reports them as steps,
 * and moves the account to VALIDATED when none failed, FAILED otherwise. REST (and later other surfaces) call these.
 */
import { retryWhileBusy } from '../db/busy.ts';
import type { PrismaClient } from '../db/client.ts';
import { modelRows } from '../db/model-rows.ts';
import type { SqliteDatabase } from '../db/sqlite.ts';
import { Prisma, type BillingAccount } from '../generated/prisma/client.ts';
import { inspectSource, INSPECTED_ROWS_PER_FILE, type InspectedFile } from './source-inspection.ts';

export const CLOUD_PROVIDERS = ['aws', 'azure', 'gcp', 'oci'] as const;
export type CloudProvider = (typeof CLOUD_PROVIDERS)[number];

export type SetupStatus = 'NOT_CONFIGURED' | 'CONFIGURED' | 'VALIDATED' | 'FAILED';

export const DATA_SOURCE_MAX_LENGTH = 2048;

/** The cloud provider of a FOCUS ServiceProviderName, for the providers Spot's API names; null for any other. */
export function cloudProviderOf(providerName: string | null): CloudProvider | null {
  if (providerName === null) return null;
  if (/amazon|aws/i.test(providerName)) return 'aws';
  if (/microsoft|azure/i.test(providerName)) return 'azure';
  if (/google|gcp/i.test(providerName)) return 'gcp';
  if (/oracle|oci/i.test(providerName)) return 'oci';
  return null;
}

/** A setup request the caller can correct; `code` is the REST/GraphQL error code it maps to. */
export class SetupError extends Error {
  constructor(
    readonly code: 'BAD_USER_INPUT' | 'NOT_FOUND' | 'FAILED_PRECONDITION',
    message: string,
  ) {
    super(message);
  }
}

export interface ValidationStep {
  id: string;
  description: string;
  status: 'success' | 'failed' | 'warning' | 'skipped';
  validationInfo: string;
}

export interface ValidationReport {
  account: BillingAccount | null;
  steps: ValidationStep[];
}

/**
 * Every billing account the gateway knows (seen in the data or set up), by id; one account when `accountId` is given.
 * Read through `db`, so a scoped key's connection lists only the accounts in its scope.
 */
export function listAccounts(db: SqliteDatabase, accountId?: string): BillingAccount[] {
  return accountId === undefined ? modelRows<BillingAccount>(db, 'BillingAccount', '1', [], 'id') : modelRows<BillingAccount>(db, 'BillingAccount', 'id = ?', [accountId]);
}

function validAccountId(billingAccountId: string): string {
  const id = billingAccountId.trim();
  if (id === '') throw new SetupError('BAD_USER_INPUT', 'billingAccountId cannot be empty');
  return id;
}

/**
 * Registers (or re-registers) the data source of a billing account, which need not have rows loaded yet: setting up
 * comes before the first ingest. The account is CONFIGURED until a validation passes.
 */
export async function setupBillingEngine(
  prisma: PrismaClient,
  setup: { billingAccountId: string; cloudProvider: CloudProvider; dataSource: string },
): Promise<BillingAccount> {
  const id = validAccountId(setup.billingAccountId);
  const dataSource = setup.dataSource.trim();
  if (dataSource === '') throw new SetupError('BAD_USER_INPUT', 'bucketName (the data source) cannot be empty');
  if (dataSource.length > DATA_SOURCE_MAX_LENGTH) throw new SetupError('BAD_USER_INPUT', `bucketName (the data source) is at most ${DATA_SOURCE_MAX_LENGTH} characters`);
  const registration = { setupStatus: 'CONFIGURED', dataSource, cloudProvider: setup.cloudProvider, setupUpdatedAt: new Date() };
  return retryWhileBusy(() => prisma.billingAccount.upsert({ where: { id }, create: { id, ...registration }, update: registration }));
}

/** Turns on Cost Intelligence for an account whose Billing Engine setup exists, as Spot requires. */
export async function setupCostIntelligence(prisma: PrismaClient, setup: { billingAccountId: string; cloudProvider: CloudProvider }): Promise<BillingAccount> {
  const id = validAccountId(setup.billingAccountId);
  const account = await prisma.billingAccount.findUnique({ where: { id } });
  if (!account || account.setupStatus === 'NOT_CONFIGURED') {
    throw new SetupError('FAILED_PRECONDITION', `Billing Engine is not set up for billing account ${id}; set it up (POST /billingEngine/setup) first`);
  }
  if (account.cloudProvider !== null && account.cloudProvider !== setup.cloudProvider) {
    throw new SetupError('BAD_USER_INPUT', `billing account ${id} is set up for ${account.cloudProvider}, not ${setup.cloudProvider}`);
  }
  return retryWhileBusy(() => prisma.billingAccount.update({ where: { id }, data: { costIntelligenceStatus: 'CONFIGURED', costIntelligenceUpdatedAt: new Date() } }));
}

/** Runs checks in order; once one fails, the ones after it are skipped, as they rest on it. */
class StepRunner {
  readonly steps: ValidationStep[] = [];
  #failed = false;

  async run(id: string, description: string, check: () => Promise<{ status: ValidationStep['status']; info: string }> | { status: ValidationStep['status']; info: string }) {
    if (this.#failed) {
      this.steps.push({ id, description, status: 'skipped', validationInfo: 'not checked: an earlier step failed' });
      return;
    }
    const { status, info } = await check();
    if (status === 'failed') this.#failed = true;
    this.steps.push({ id, description, status, validationInfo: info });
  }

  get failed(): boolean {
    return this.#failed;
  }
}

const plural = (count: number, noun: string) => `${count} ${noun}${count === 1 ? '' : 's'}`;

function providerCheck(account: BillingAccount, requested: string | undefined) {
  if (requested !== undefined && account.cloudProvider !== null && requested !== account.cloudProvider) {
    return { status: 'failed' as const, info: `the account is set up for ${account.cloudProvider}, but validation asked about ${requested}` };
  }
  const fromData = cloudProviderOf(account.provider);
  if (fromData !== null && account.cloudProvider !== null && fromData !== account.cloudProvider) {
    return { status: 'warning' as const, info: `the setup names ${account.cloudProvider}, but the loaded rows come from ${account.provider}` };
  }
  return { status: 'success' as const, info: `cloud provider ${account.cloudProvider ?? requested ?? 'not named'}` };
}

/** A rule and its row count, for validationInfo: `CostAndUsage-D-001-M (3 rows)`. */
const findingSummary = (findings: { ruleId: string; count: number }[]) =>
  findings
    .slice(0, 5)
    .map((finding) => `${finding.ruleId} (${plural(finding.count, 'row')})`)
    .join(', ') + (findings.length > 5 ? `, and ${findings.length - 5} more rules` : '');

/**
 * Checks a billing account's Billing Engine setup: it is registered, its provider agrees, its source is readable and
 * holds FOCUS files, they carry this account's rows, those rows pass conformance, and some are loaded.
 */
export async function validateBillingEngine(prisma: PrismaClient, request: { billingAccountId: string; cloudProvider?: string }): Promise<ValidationReport> {
  const id = validAccountId(request.billingAccountId);
  const account = await prisma.billingAccount.findUnique({ where: { id } });
  const runner = new StepRunner();
  let files: InspectedFile[] = [];
  let focusFiles: InspectedFile[] = [];
  let accountFiles: InspectedFile[] = [];

  await runner.run('accountSetup', 'Billing Engine is set up for the billing account', () =>
    account === null || account.setupStatus === 'NOT_CONFIGURED'
      ? { status: 'failed', info: `no Billing Engine setup for billing account ${id}; POST /billingEngine/setup registers one` }
      : { status: 'success', info: `registered with data source ${account.dataSource}` },
  );
  await runner.run('cloudProvider', 'The cloud provider matches the setup and the loaded data', () => providerCheck(account!, request.cloudProvider));
  await runner.run('sourceReadable', 'The data source can be read', async () => {
    const inspection = await inspectSource(account!.dataSource!);
    if (!inspection.readable) return { status: 'failed', info: inspection.reason };
    files = inspection.files;
    const listed = inspection.filesFound > files.length ? `; the first ${files.length} are checked` : '';
    return { status: 'success', info: `${plural(inspection.filesFound, 'CSV or Parquet file')} found${listed}` };
  });
  await runner.run('focusFiles', 'The data source holds FOCUS files', () => {
    focusFiles = files.filter((file) => file.header !== null);
    if (focusFiles.length === 0) {
      const why = files.length === 0 ? 'no .csv, .csv.gz or .parquet files' : files.map((file) => file.problem).join('; ');
      return { status: 'failed', info: `no FOCUS files: ${why}` };
    }
    const versions = [...new Set(focusFiles.map((file) => `${file.header!.dataset} ${file.header!.focusVersion}`))].join(', ');
    const others = files.length - focusFiles.length;
    return {
      status: others > 0 ? 'warning' : 'success',
      info: `${plural(focusFiles.length, 'FOCUS file')} (${versions})${others > 0 ? `; not FOCUS: ${files.filter((file) => file.header === null).map((file) => file.problem).join('; ')}` : ''}`,
    };
  });
  await runner.run('accountRows', 'The files hold rows of this billing account', () => {
    const costFiles = focusFiles.filter((file) => file.header!.dataset === 'CostAndUsage');
    accountFiles = costFiles.filter((file) => file.billingAccountIds.includes(id));
    if (accountFiles.length > 0) return { status: 'success', info: `${plural(accountFiles.length, 'file')} of ${costFiles.length} hold rows of ${id}` };
    const seen = [...new Set(costFiles.flatMap((file) => file.billingAccountIds))].slice(0, 5);
    const partly = costFiles.some((file) => !file.complete) ? ` in the first ${INSPECTED_ROWS_PER_FILE} rows of each file` : '';
    return { status: 'failed', info: `no Cost and Usage row names billing account ${id}${partly}; the files name ${seen.length > 0 ? seen.join(', ') : 'no billing account'}` };
  });
  await runner.run('conformance', 'The rows pass the FOCUS 1.3 conformance checks', () => {
    const unusable = accountFiles.filter((file) => file.unusableRows !== null);
    if (unusable.length > 0) {
      const rows = unusable.reduce((sum, file) => sum + file.unusableRows!.count, 0);
      return { status: 'failed', info: `${plural(rows, 'unusable row')}, which an ingest rejects; the first: ${unusable.map((file) => file.unusableRows!.first).join('; ')}` };
    }
    const rowsRead = accountFiles.reduce((sum, file) => sum + file.rowsRead, 0);
    const byRule = new Map<string, number>();
    for (const finding of accountFiles.flatMap((file) => file.findings)) byRule.set(finding.ruleId, (byRule.get(finding.ruleId) ?? 0) + finding.count);
    const findings = [...byRule].map(([ruleId, count]) => ({ ruleId, count })).sort((a, b) => b.count - a.count);
    if (findings.length > 0) return { status: 'warning', info: `${plural(rowsRead, 'row')} checked; rows load, but break ${findingSummary(findings)}` };
    return { status: 'success', info: `${plural(rowsRead, 'row')} checked, no rule broken` };
  });
  await runner.run('dataLoaded', 'Rows of this billing account are loaded into the gateway', async () => {
    const rows = await prisma.costRecord.count({ where: { billingAccountId: id } });
    return rows > 0
      ? { status: 'success', info: `${plural(rows, 'cost row')} loaded` }
      : { status: 'warning', info: `no rows loaded yet: run focus-gateway ingest on ${account!.dataSource}` };
  });

  const updated = account === null || account.setupStatus === 'NOT_CONFIGURED'
    ? account
    : await retryWhileBusy(() => prisma.billingAccount.update({ where: { id }, data: { setupStatus: runner.failed ? 'FAILED' : 'VALIDATED', setupUpdatedAt: new Date() } }));
  return { account: updated, steps: runner.steps };
}

/**
 * Checks Cost Intelligence for a billing account: Billing Engine is set up (and validated), Cost Intelligence is set
 * up, cost rows are loaded, and they carry the resource ids and tags its breakdowns need.
 */
export async function validateCostIntelligence(prisma: PrismaClient, request: { billingAccountId: string; cloudProvider?: string }): Promise<ValidationReport> {
  const id = validAccountId(request.billingAccountId);
  const account = await prisma.billingAccount.findUnique({ where: { id } });
  const runner = new StepRunner();
  let rows = 0;

  await runner.run('billingEngineSetup', 'Billing Engine is set up and validated for the billing account', () => {
    switch (account?.setupStatus ?? 'NOT_CONFIGURED') {
      case 'NOT_CONFIGURED':
        return { status: 'failed', info: `Cost Intelligence needs Billing Engine set up for billing account ${id} first (POST /billingEngine/setup)` };
      case 'FAILED':
        return { status: 'failed', info: 'the last Billing Engine validation failed; POST /billingEngine/setup/validation shows why' };
      case 'CONFIGURED':
        return { status: 'warning', info: 'Billing Engine is set up but not validated yet (POST /billingEngine/setup/validation)' };
      default:
        return { status: 'success', info: 'Billing Engine is set up and validated' };
    }
  });
  await runner.run('costIntelligenceSetup', 'Cost Intelligence is set up for the billing account', () =>
    account!.costIntelligenceStatus === 'NOT_CONFIGURED'
      ? { status: 'failed', info: 'no Cost Intelligence setup; POST /costIntelligence/setup registers one' }
      : { status: 'success', info: 'Cost Intelligence is set up' },
  );
  await runner.run('cloudProvider', 'The cloud provider matches the setup and the loaded data', () => providerCheck(account!, request.cloudProvider));
  await runner.run('costData', 'Cost rows of this billing account are loaded', async () => {
    rows = await prisma.costRecord.count({ where: { billingAccountId: id } });
    return rows > 0 ? { status: 'success', info: `${plural(rows, 'cost row')} loaded` } : { status: 'failed', info: 'no cost rows loaded for this account; ingest its exports first' };
  });
  await runner.run('resourceDetail', 'The rows carry resource ids, for cost by resource', async () => {
    const withResource = await prisma.costRecord.count({ where: { billingAccountId: id, resourceId: { not: null } } });
    return withResource > 0
      ? { status: 'success', info: `${plural(withResource, 'row')} of ${rows} name a resource` }
      : { status: 'warning', info: 'no row names a resource (ResourceId): turn on resource-level detail in the provider\'s FOCUS export' };
  });
  await runner.run('tags', 'The rows carry tags, for cost allocation by tag', async () => {
    const tagged = await prisma.costRecord.count({ where: { billingAccountId: id, tags: { not: Prisma.DbNull } } });
    return tagged > 0
      ? { status: 'success', info: `${plural(tagged, 'row')} of ${rows} carry tags` }
      : { status: 'warning', info: 'no row carries tags: cost by tag will show everything as untagged' };
  });

  const updated = account === null || account.costIntelligenceStatus === 'NOT_CONFIGURED'
    ? account
    : await retryWhileBusy(() => prisma.billingAccount.update({ where: { id }, data: { costIntelligenceStatus: runner.failed ? 'FAILED' : 'VALIDATED', costIntelligenceUpdatedAt: new Date() } }));
  return { account: updated, steps: runner.steps };
}
