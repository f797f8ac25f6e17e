/** Loads generated demo data through the same ingest path as real files, plus a few families over its accounts. */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import { createHash } from 'node:crypto';
import { stringify } from 'csv-stringify';
import { COST_AND_USAGE_COLUMNS, CONTRACT_COMMITMENT_COLUMNS } from '../focus/columns.ts';
import type { PrismaClient } from '../db/client.ts';
import type { SqliteDatabase } from '../db/sqlite.ts';
import { createFamily } from '../families/service.ts';
import { ingest, type IngestSummary, type GeneratedSource } from '../ingest/service.ts';
import type { ProgressCallback } from '../ingest/sources.ts';
import { demoCommitments, demoCostRows, demoFamilies, type DemoOptions } from './generator.ts';

/** The generator is deterministic, so its options identify its output as well as a checksum of the bytes would. */
function demoSource(name: string, options: DemoOptions, header: readonly string[], rows: () => Iterable<string[]>, total: number): GeneratedSource {
  return {
    name,
    checksum: async () => createHash('sha256').update(`${name}:${options.rows}:${options.seed}:${options.start?.toISOString() ?? ''}`).digest('hex'),
    async read(sink, progress?: ProgressCallback) {
      sink.header([...header]);
      let line = 2;
      for (const cells of rows()) {
        sink.row(cells, line++);
        if (line % 10_000 === 0) progress?.(line - 2, total);
      }
      return 'generated';
    },
  };
}

export async function loadDemoData(db: SqliteDatabase, prisma: PrismaClient, options: DemoOptions, onProgress?: ProgressCallback): Promise<IngestSummary[]> {
  const header = (columns: typeof COST_AND_USAGE_COLUMNS) => columns.map((column) => column.name);
  const costs = await ingest(
    db,
    demoSource(`demo-cost-and-usage-${options.rows}-seed-${options.seed}`, options, header(COST_AND_USAGE_COLUMNS), () => demoCostRows(options), options.rows),
    { dataset: 'CostAndUsage', onProgress },
  );
  const commitmentRows = demoCommitments(options);
  const commitments = await ingest(
    db,
    demoSource(`demo-contract-commitment-seed-${options.seed}`, options, header(CONTRACT_COMMITMENT_COLUMNS), () => commitmentRows.map((c) => c.cells), commitmentRows.length),
    { dataset: 'ContractCommitment' },
  );
  if (costs.status === 'LOADED') {
    for (const family of demoFamilies(options)) {
      if (!(await prisma.family.findUnique({ where: { name: family.name } }))) await createFamily(prisma, family);
    }
  }
  return [costs, commitments];
}

async function writeCsv(file: string, header: readonly string[], rows: Iterable<string[]>): Promise<number> {
  const output = createWriteStream(file);
  const csv = stringify({ header: true, columns: [...header] });
  csv.pipe(output);
  let count = 0;
  for (const row of rows) {
    count++;
    if (!csv.write(row)) await once(csv, 'drain');
  }
  csv.end();
  await finished(output);
  return count;
}

/** Writes the demo Cost and Usage rows to `file` and its Contract Commitment rows beside it. */
export async function writeDemoFiles(file: string, options: DemoOptions): Promise<{ costFile: string; commitmentFile: string; rows: number }> {
  const commitmentFile = file.replace(/(\.csv)?$/i, '.contract-commitment.csv');
  const rows = await writeCsv(file, COST_AND_USAGE_COLUMNS.map((c) => c.name), demoCostRows(options));
  await writeCsv(commitmentFile, CONTRACT_COMMITMENT_COLUMNS.map((c) => c.name), demoCommitments(options).map((c) => c.cells));
  return { costFile: file, commitmentFile, rows };
}
