// Killing the server process in the middle of an export: the next service on the same database starts the job again
// from scratch and ends it COMPLETE with a whole file.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Decimal as BaseDecimal } from 'decimal.js';
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } from 'hyparquet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPrismaClient } from '../src/db/client.ts';
import { loadDemoData } from '../src/demo/load.ts';
import type { ExportJob } from '../src/exports/params.ts';
import { ExportService } from '../src/exports/service.ts';
import { COST_AND_USAGE_COLUMNS } from '../src/focus/columns.ts';
import { PROJECT_ROOT, tempDatabase } from './helpers.ts';

const Decimal = BaseDecimal.clone({ precision: 200 });
let database: Awaited<ReturnType<typeof tempDatabase>>;

beforeAll(async () => {
  database = await tempDatabase();
  const prisma = createPrismaClient(database.url);
  await loadDemoData(database.db, prisma, { rows: 3000, seed: 2 });
  await prisma.$disconnect();
  const columns = COST_AND_USAGE_COLUMNS.map((column) => column.dbColumn).join(', ');
  const double = database.db.prepare(`INSERT INTO cost_records (batch_id, ${columns}) SELECT batch_id, ${columns} FROM cost_records`);
  database.db.transaction(() => {
    for (let times = 0; times < 4; times++) double.run();
  })();
});

afterAll(() => database.close());

/** Starts the child, waits until it is writing rows, and kills it with SIGKILL. */
async function killMidExport(exportDir: string): Promise<{ id: string; rowsWritten: number }> {
  const child = spawn(process.execPath, [path.join(PROJECT_ROOT, 'bin/run-ts.js'), path.join(PROJECT_ROOT, 'test/exports-restart-child.ts'), database.url, exportDir], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  const announced = await new Promise<{ id: string; rowsWritten: number }>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('\n')) resolve(JSON.parse(output.split('\n')[0]));
    });
    child.on('exit', (code) => reject(new Error(`the child exited (${code}) before writing rows`)));
  });
  const exited = new Promise((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
  child.kill('SIGKILL');
  expect(await exited).toBe('SIGKILL');
  return announced;
}

describe('an export interrupted by a killed server', () => {
  it('starts again from scratch under the next service and ends COMPLETE with a whole file', async () => {
    const exportDir = path.join(database.dir, 'exports');
    const { id, rowsWritten } = await killMidExport(exportDir);
    expect(rowsWritten).toBeGreaterThanOrEqual(5000);
    const stored = database.db.prepare('SELECT status, rows_written, file_path FROM export_jobs WHERE id = ?').get(id) as { status: string; rows_written: number; file_path: string };
    expect(stored.status).toBe('PROCESSING');
    // The killed attempt left its partial file, and no finished one.
    expect(readdirSync(`${stored.file_path}.partial`)).toHaveLength(1);
    expect(existsSync(stored.file_path)).toBe(false);

    const service = new ExportService({ db: database.db, exportDir });
    try {
      const states: ExportJob[] = [];
      await new Promise<void>((resolve) => service.subscribe(id, (state) => states.push(state), resolve));
      const done = states.at(-1)!;
      expect(states[0]).toMatchObject({ status: 'PENDING', rowsWritten: 0, startedAt: null });
      expect(done.status, done.error ?? '').toBe('COMPLETE');
      const expected = database.db.prepare('SELECT COUNT(*) AS n, decimal_sum(billed_cost) AS billed, decimal_sum(effective_cost) AS effective FROM cost_records').get() as {
        n: number;
        billed: string;
        effective: string;
      };
      expect(done).toMatchObject({ recordCount: expected.n, rowsWritten: expected.n, filePath: stored.file_path });
      expect(existsSync(`${stored.file_path}.partial`)).toBe(false);
      expect(createHash('sha256').update(readFileSync(done.filePath!)).digest('hex')).toBe(done.sha256);

      const file = await asyncBufferFromFile(done.filePath!);
      expect(Number((await parquetMetadataAsync(file)).num_rows)).toBe(expected.n);
      const rows = (await parquetReadObjects({ file, columns: ['BilledCost', 'EffectiveCost'] })) as { BilledCost: number; EffectiveCost: number }[];
      expect(rows).toHaveLength(expected.n);
      const sum = (values: number[]) => values.reduce((total, value) => total.plus(String(value)), new Decimal(0)).toFixed();
      expect(sum(rows.map((row) => row.BilledCost))).toBe(expected.billed);
      expect(sum(rows.map((row) => row.EffectiveCost))).toBe(expected.effective);
    } finally {
      await service.close();
    }
  });
});
