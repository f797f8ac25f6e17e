/** What each CLI command does: thin wrappers over the services, plus terminal output. */
import path from 'node:path';
import cliProgress from 'cli-progress';
import { ensureFirstAdminKey } from '../auth/first-start.ts';
import { ApiKeyInputError, ApiKeyNotFoundError, countApiKeys, createApiKey, displayApiKey, listApiKeys, revokeApiKey } from '../auth/keys.ts';
import { closeScopedDatabases, KeyScopeError, type KeyScope } from '../auth/scope.ts';
import { loadConfig } from '../config.ts';
import { openMigratedDatabase } from '../db/bootstrap.ts';
import { PRISMA_SERVER_BUSY_TIMEOUT_MS, setWriteWait } from '../db/busy.ts';
import { createPrismaClient, type PrismaClient } from '../db/client.ts';
import { sqliteFilePath } from '../db/url.ts';
import type { DatasetId } from '../focus/columns.ts';
import { loadDemoData, writeDemoFiles } from '../demo/load.ts';
import { getBatch, listBatches } from '../ingest/batches.ts';
import { IngestError } from '../ingest/errors.ts';
import { fileSource, ingest, type IngestSummary } from '../ingest/service.ts';
import type { ProgressCallback } from '../ingest/sources.ts';
import { ExportService } from '../exports/service.ts';
import { familyIdFromInput } from '../graphql/cost-records.ts';
import { createGatewayServer, listen } from '../server/http.ts';
import { RateLimiter } from '../server/rate-limit.ts';
import { exportFileName } from '../exports/files.ts';
import { checkExportParams, exportSelection, type ExportFormat } from '../exports/params.ts';
import { ExportWriteError, runExport } from '../exports/runner.ts';
import type { CostRecordFilter } from '../query/cost-record-filter.ts';
import { QueryInputError } from '../query/keyset.ts';

/** Rows the embedded default is seeded with on first start. */
const DEMO_ROWS_ON_FIRST_START = 50_000;
const DATASETS: Record<string, DatasetId> = { 'cost-and-usage': 'CostAndUsage', 'contract-commitment': 'ContractCommitment' };
const say = (line: string) => process.stdout.write(`${line}\n`);
const count = (n: number) => n.toLocaleString('en-US');

/** A progress bar on a terminal; nothing when output is piped or in CI. */
function progressBar(label: string): { update: ProgressCallback; stop(): void } {
  if (!process.stderr.isTTY) return { update: () => {}, stop: () => {} };
  const bar = new cliProgress.SingleBar(
    { format: `${label} [{bar}] {percentage}% | {eta_formatted} left`, stream: process.stderr, hideCursor: true, clearOnComplete: true },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    update(done, total) {
      if (!started) bar.start(total, 0);
      started = true;
      bar.update(done);
    },
    stop: () => bar.stop(),
  };
}

function describeSummary(summary: IngestSummary): string[] {
  if (summary.status === 'ALREADY_LOADED') return [`${summary.file}: already loaded as batch ${summary.batchId}; nothing changed`];
  const rate = summary.seconds > 0 ? `, ${count(Math.round(summary.rowsLoaded / summary.seconds))} rows/s` : '';
  const lines = [
    `${summary.file}: loaded ${count(summary.rowsLoaded)} rows as batch ${summary.batchId} (${summary.dataset}, FOCUS ${summary.focusVersion}) in ${summary.seconds.toFixed(1)}s${rate}`,
  ];
  if (summary.rowsSkipped > 0) lines.push(`  skipped ${count(summary.rowsSkipped)} unusable rows`);
  if (summary.rowsReplaced > 0) lines.push(`  replaced ${count(summary.rowsReplaced)} rows of earlier batches`);
  const errors = summary.findings.filter((f) => f.severity === 'ERROR').length;
  if (summary.findings.length > 0) {
    lines.push(
      `  conformance: ${errors} rule${errors === 1 ? '' : 's'} broken, ${summary.findings.length - errors} warning${summary.findings.length - errors === 1 ? '' : 's'}; see \`focus-gateway batches ${summary.batchId}\``,
    );
  } else {
    lines.push('  conformance: no findings');
  }
  return lines;
}

export async function ingestCommand(files: string[], options: { dataset?: string; replace?: boolean; skipInvalid?: boolean; billingAccount?: string }): Promise<void> {
  const { db } = await openMigratedDatabase(loadConfig().databaseUrl);
  try {
    for (const file of files) {
      const bar = progressBar(file);
      try {
        const summary = await ingest(db, fileSource(file), {
          dataset: options.dataset ? DATASETS[options.dataset] : undefined,
          replace: options.replace,
          skipInvalid: options.skipInvalid,
          billingAccountId: options.billingAccount,
          onProgress: bar.update,
        });
        bar.stop();
        describeSummary(summary).forEach(say);
      } catch (error) {
        bar.stop();
        if (!(error instanceof IngestError)) throw error;
        process.stderr.write(`focus-gateway: ${error.toString()}\n  nothing from ${file} was loaded\n`);
        process.exitCode = 1;
      }
    }
  } finally {
    db.close();
  }
}

export async function batchesCommand(id: number | undefined): Promise<void> {
  const { databaseUrl } = loadConfig();
  (await openMigratedDatabase(databaseUrl)).db.close();
  const prisma = createPrismaClient(databaseUrl);
  try {
    if (id === undefined) {
      const batches = await listBatches(prisma);
      if (batches.length === 0) {
        say('no batches yet: load files with `focus-gateway ingest <files...>`');
        return;
      }
      say(['id', 'status', 'dataset', 'focus', 'rows', 'skipped', 'replaced', 'findings', 'loaded at', 'file'].join('\t'));
      for (const b of batches) {
        say([b.id, b.status, b.dataset, b.focusVersion, b.rowsLoaded, b.rowsSkipped, b.rowsReplaced, b._count.findings, b.completedAt.toISOString(), b.fileName].join('\t'));
      }
      return;
    }
    const batch = await getBatch(prisma, id);
    if (!batch) {
      process.stderr.write(`focus-gateway: no batch ${id}\n`);
      process.exitCode = 1;
      return;
    }
    say(`batch ${batch.id}: ${batch.fileName} (${batch.dataset}, FOCUS ${batch.focusVersion}), ${batch.status}`);
    say(`  rows read ${batch.rowsRead}, loaded ${batch.rowsLoaded}, skipped ${batch.rowsSkipped}, replaced ${batch.rowsReplaced}; checksum ${batch.checksum}`);
    if (batch.findings.length === 0) say('  conformance: no findings');
    for (const finding of batch.findings) {
      say(`  ${finding.severity} ${finding.ruleId} x${finding.count}: ${finding.message}`);
      for (const example of finding.examples as { line: number | null; column: string | null; value: string | null }[]) {
        say(`    line ${example.line ?? '-'}${example.column ? `, ${example.column}` : ''}${example.value === null ? '' : `: ${JSON.stringify(example.value)}`}`);
      }
    }
  } finally {
    await prisma.$disconnect();
  }
}

export async function migrateCommand(): Promise<void> {
  const { db, appliedMigrations } = await openMigratedDatabase(loadConfig().databaseUrl);
  db.close();
  say(appliedMigrations.length === 0 ? 'database is up to date' : `applied ${appliedMigrations.join(', ')}`);
}

export async function demoCommand(options: { rows: number; seed: number; out?: string }): Promise<void> {
  if (options.out) {
    const written = await writeDemoFiles(options.out, options);
    say(`wrote ${count(written.rows)} Cost and Usage rows to ${written.costFile} and the Contract Commitment rows to ${written.commitmentFile}`);
    return;
  }
  const config = loadConfig();
  const { db } = await openMigratedDatabase(config.databaseUrl);
  const prisma = createPrismaClient(config.databaseUrl);
  try {
    const bar = progressBar('demo data');
    const summaries = await loadDemoData(db, prisma, options, bar.update);
    bar.stop();
    summaries.flatMap(describeSummary).forEach(say);
  } finally {
    db.close();
    await prisma.$disconnect();
  }
}

export async function serveCommand(): Promise<void> {
  const config = loadConfig();
  const { db, appliedMigrations } = await openMigratedDatabase(config.databaseUrl);
  if (appliedMigrations.length > 0) say(`database ${config.databaseUrl}: applied ${appliedMigrations.join(', ')}`);
  // Its writes must not hold the event loop while an ingest from another process holds the lock (src/db/busy.ts).
  setWriteWait(config.writeWaitMs);
  const prisma = createPrismaClient(config.databaseUrl, { busyTimeoutMs: PRISMA_SERVER_BUSY_TIMEOUT_MS });
  const isEmpty = (db.prepare('SELECT COUNT(*) AS n FROM ingest_batches').get() as { n: number }).n === 0;
  if (config.embeddedDefault && isEmpty) {
    say(`empty database: loading ${count(DEMO_ROWS_ON_FIRST_START)} rows of demo data (set DATABASE_URL to start without it)`);
    const summaries = await loadDemoData(db, prisma, { rows: DEMO_ROWS_ON_FIRST_START, seed: 1 });
    summaries.flatMap(describeSummary).forEach(say);
  }
  if (config.embeddedDefault) {
    const first = await ensureFirstAdminKey(prisma, path.dirname(sqliteFilePath(config.databaseUrl)));
    if (first) {
      say(`first start: created an admin API key; it is shown only this once and saved to ${first.file} (readable by you only):`);
      say(`  ${first.key}`);
      say('send it with every API request as the header `Authorization: Bearer <key>`; more keys: `focus-gateway keys create --name <name>`');
    }
  } else if ((await countApiKeys(prisma)) === 0) {
    process.stderr.write('no API keys yet: every API request is refused until you create one with `focus-gateway keys create --name <name> --role admin`\n');
  }
  const exports = new ExportService({
    db,
    exportDir: config.exports.dir,
    retentionMs: config.exports.retentionMs,
    concurrency: config.exports.concurrency,
    maxActivePerKey: config.exports.maxActivePerKey,
    filterOptions: { familyId: familyIdFromInput },
  });
  const server = createGatewayServer({ db, prisma, exports, rateLimiter: new RateLimiter(config.rateLimit) }, config.graphql);
  const { port, host } = await listen(server, config.port, config.host);
  say(`FOCUS Gateway listening on http://${host}:${port} (GraphQL: /graphql; health: /healthz; database ${config.databaseUrl})`);
  let stopping = false;
  const shutdown = async (signal: NodeJS.Signals) => {
    if (stopping) {
      // A second signal is someone who will not wait: SQLite and the export jobs recover from an abrupt stop.
      say(`${signal} during the shutdown: stopping now`);
      process.exit(1);
    }
    stopping = true;
    say(`${signal}: shutting down; requests in flight have ${config.shutdownGraceMs} ms to finish`);
    try {
      // Running exports stop and go back to PENDING: the next start runs them again.
      const { requestsCutShort } = await server.shutdown(config.shutdownGraceMs);
      closeScopedDatabases(db);
      db.close();
      await prisma.$disconnect();
      say(requestsCutShort === 0 ? 'stopped' : `stopped; ${requestsCutShort} request${requestsCutShort === 1 ? ' was' : 's were'} cut short`);
      process.exit(0);
    } catch (error) {
      process.stderr.write(`focus-gateway: the shutdown failed: ${(error as Error).stack ?? String(error)}\n`);
      process.exit(1);
    }
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
}

/** Runs a keys command on the configured database; an unknown key or a bad value is a one-line error, exit code 1. */
async function withApiKeys(run: (prisma: PrismaClient) => Promise<void>): Promise<void> {
  const { databaseUrl } = loadConfig();
  (await openMigratedDatabase(databaseUrl)).db.close();
  const prisma = createPrismaClient(databaseUrl);
  try {
    await run(prisma);
  } catch (error) {
    if (!(error instanceof ApiKeyInputError || error instanceof ApiKeyNotFoundError || error instanceof KeyScopeError)) throw error;
    process.stderr.write(`focus-gateway: ${error.message}\n`);
    process.exitCode = 1;
  } finally {
    await prisma.$disconnect();
  }
}

/** Prints the key alone on stdout, so `KEY=$(focus-gateway keys create --name ci)` captures it; the rest goes to stderr. */
export async function keysCreateCommand(options: { name: string; role: string; scopeAccount: string[]; scopeFamily: string[] }): Promise<void> {
  await withApiKeys(async (prisma) => {
    const familyIds: string[] = [];
    for (const wanted of options.scopeFamily) {
      const family = await prisma.family.findFirst({ where: { OR: [{ id: wanted }, { name: wanted }] }, select: { id: true } });
      if (!family) throw new KeyScopeError(`no family with id or name "${wanted}" (see the families query or GET /billingEngine/family)`);
      familyIds.push(family.id);
    }
    const scoped = options.scopeAccount.length > 0 || familyIds.length > 0;
    const { key, apiKey } = await createApiKey(prisma, { name: options.name, role: options.role, scope: scoped ? { accountIds: options.scopeAccount, familyIds } : undefined });
    say(key);
    process.stderr.write(
      `created ${apiKey.role} key "${apiKey.name}" (id ${apiKey.id}, ${displayApiKey(apiKey)}${apiKey.scope ? `, scope ${scopeText(apiKey.scope)}` : ''}); this is the only time it is shown. Send it as \`Authorization: Bearer <key>\`.\n`,
    );
  });
}

const scopeText = (scope: KeyScope | null) =>
  scope === null ? 'all' : [...scope.accountIds.map((id) => `account:${id}`), ...scope.familyIds.map((id) => `family:${id}`)].join(',');

export async function keysListCommand(): Promise<void> {
  await withApiKeys(async (prisma) => {
    const keys = await listApiKeys(prisma);
    if (keys.length === 0) {
      say('no API keys yet: create one with `focus-gateway keys create --name <name>`');
      return;
    }
    const when = (date: Date | null) => date?.toISOString() ?? '-';
    say(['id', 'name', 'role', 'scope', 'prefix', 'created', 'last used', 'revoked'].join('\t'));
    for (const k of keys) say([k.id, k.name, k.role, scopeText(k.scope), displayApiKey(k), when(k.createdAt), when(k.lastUsedAt), when(k.revokedAt)].join('\t'));
  });
}

export async function keysRevokeCommand(idOrPrefix: string): Promise<void> {
  await withApiKeys(async (prisma) => {
    const { apiKey, alreadyRevoked } = await revokeApiKey(prisma, idOrPrefix);
    const what = `key "${apiKey.name}" (id ${apiKey.id}, ${displayApiKey(apiKey)})`;
    say(alreadyRevoked ? `${what} was already revoked at ${apiKey.revokedAt!.toISOString()}` : `revoked ${what}: requests with it are now refused`);
  });
}

export interface ExportCommandOptions {
  from: Date;
  to: Date;
  format: string;
  out?: string;
  includeCommitments?: boolean;
  filter?: CostRecordFilter;
}

/**
 * Writes an export straight to a file, through the same worker and writers as the server's export jobs (without a
 * job record: the file is the caller's, not the server's to serve or expire). Ctrl-C stops it and removes the partial
 * file.
 */
export async function exportCommand(options: ExportCommandOptions): Promise<void> {
  const { db } = await openMigratedDatabase(loadConfig().databaseUrl);
  const bar = progressBar('export');
  try {
    const params = checkExportParams({
      billingPeriodStart: options.from,
      billingPeriodEnd: options.to,
      format: options.format.toUpperCase() as ExportFormat,
      filter: options.filter,
      includeContractCommitments: options.includeCommitments,
    });
    const target = path.resolve(options.out ?? exportFileName(params));
    const started = performance.now();
    let total = 0;
    const run = runExport(
      {
        databaseFile: db.name,
        // The command line reads the database file directly: it is not limited by any key.
        scope: null,
        format: params.format,
        where: exportSelection(params),
        period: { start: params.billingPeriodStart.getTime(), end: params.billingPeriodEnd.getTime() },
        includeContractCommitments: params.includeContractCommitments,
        target,
      },
      { counted: (recordCount) => (total = recordCount), progress: (rows) => bar.update(rows, total) },
    );
    const interrupt = () => void run.stop().finally(() => process.exit(130));
    process.once('SIGINT', interrupt);
    const result = await run.done.finally(() => process.off('SIGINT', interrupt));
    bar.stop();
    const seconds = (performance.now() - started) / 1000;
    const commitments = result.commitmentRows === null ? '' : ` and ${count(result.commitmentRows)} Contract Commitment rows`;
    say(`wrote ${count(result.rowsWritten)} Cost and Usage rows${commitments} to ${target} (${params.format}, ${count(result.byteSize)} bytes) in ${seconds.toFixed(1)}s, ${count(Math.round(result.rowsWritten / Math.max(seconds, 0.001)))} rows/s`);
    say(`  sha256 ${result.sha256}`);
  } catch (error) {
    bar.stop();
    if (!(error instanceof QueryInputError || error instanceof ExportWriteError)) throw error;
    process.stderr.write(`focus-gateway: ${error.message}\n`);
    process.exitCode = 1;
  } finally {
    db.close();
  }
}
