// `node bin/run-ts.js bench/exports.ts [--database file:/tmp/exp1m.db] [--rows 1000000] [--formats CSV,PARQUET]
// [--csv-threads 2]`: exports every row of a demo database once per format, each in a process of its own (so the
// peak RSS is that export's alone: the process and its export threads), and reports rows per second, the CPU time
// it took (all threads; what a busy machine cannot inflate the way it does wall time), peak RSS and how long the main
// thread's event loop was held up meanwhile. `--csv-threads 1` renders CSV without the helper thread, to compare.
// Builds the database with `demo --rows N` first when it is missing. Results go to
// bench/results/<date>-exports-<rows>.json.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { openMigratedDatabase } from '../src/db/bootstrap.ts';
import { sqliteFilePath } from '../src/db/url.ts';
import { CSV_EXPORT_TUNING } from '../src/exports/csv-export.ts';
import { FILE_EXTENSION } from '../src/exports/formats.ts';
import { exportSelection, type ExportFormat } from '../src/exports/params.ts';
import { runExport } from '../src/exports/runner.ts';

const root = path.resolve(import.meta.dirname, '..');
const { values } = parseArgs({
  options: {
    database: { type: 'string', default: 'file:/tmp/exp1m.db' },
    rows: { type: 'string', default: '1000000' },
    formats: { type: 'string', default: 'CSV,PARQUET' },
    'csv-threads': { type: 'string', default: '2' },
    child: { type: 'string' },
    out: { type: 'string' },
  },
});

interface RunResult {
  format: ExportFormat;
  rows: number;
  bytes: number;
  seconds: number;
  rowsPerSecond: number;
  cpuSeconds: number;
  peakRssMb: number;
  eventLoopDelayMs: { p99: number; max: number };
}

/** One export, in this process: what the parent runs once per format. */
async function child(format: ExportFormat, databaseUrl: string, target: string, csvThreads: number): Promise<RunResult> {
  const { db } = await openMigratedDatabase(databaseUrl);
  const databaseFile = db.name;
  db.close();
  const everything = { billingPeriodStart: new Date('1970-01-01T00:00:00Z'), billingPeriodEnd: new Date('9999-01-01T00:00:00Z') };
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  const started = performance.now();
  const cpuAtStart = process.cpuUsage();
  const result = await runExport({
    databaseFile,
    scope: null,
    format,
    where: exportSelection(everything),
    period: { start: everything.billingPeriodStart.getTime(), end: everything.billingPeriodEnd.getTime() },
    includeContractCommitments: false,
    target,
    csvTuning: csvThreads === 1 ? { ...CSV_EXPORT_TUNING, helperMinIds: Number.POSITIVE_INFINITY } : CSV_EXPORT_TUNING,
  }).done;
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuAtStart);
  delay.disable();
  return {
    format,
    rows: result.rowsWritten,
    bytes: result.byteSize,
    seconds,
    rowsPerSecond: Math.round(result.rowsWritten / seconds),
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    eventLoopDelayMs: { p99: delay.percentile(99) / 1e6, max: delay.max / 1e6 },
  };
}

if (values.child) {
  console.log(JSON.stringify(await child(values.child as ExportFormat, values.database, values.out!, Number(values['csv-threads']))));
} else {
  const rows = Number(values.rows);
  const databaseFile = sqliteFilePath(values.database);
  if (!existsSync(databaseFile)) {
    console.error(`building ${databaseFile} with ${rows.toLocaleString('en-US')} demo rows (a few minutes)...`);
    execFileSync(process.execPath, [path.join(root, 'bin/focus-gateway.js'), 'demo', '--rows', String(rows)], { env: { ...process.env, DATABASE_URL: values.database }, stdio: 'inherit' });
  }
  const scratch = path.join(os.tmpdir(), `focus-export-bench-${process.pid}`);
  mkdirSync(scratch, { recursive: true });
  const results: RunResult[] = [];
  try {
    for (const format of values.formats.split(',') as ExportFormat[]) {
      const target = path.join(scratch, `export.${FILE_EXTENSION[format]}`);
      const output = execFileSync(
        process.execPath,
        [path.join(root, 'bin/run-ts.js'), path.join(root, 'bench/exports.ts'), '--child', format, '--database', values.database, '--out', target, '--csv-threads', values['csv-threads']],
        { encoding: 'utf8' },
      );
      results.push(JSON.parse(output.trim().split('\n').at(-1)!) as RunResult);
      rmSync(target, { force: true });
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  const result = {
    date: new Date().toISOString(),
    machine: { node: process.version, cpus: os.cpus().length, loadAverage: os.loadavg().map((load) => Number(load.toFixed(1))) },
    database: databaseFile,
    csvThreads: Number(values['csv-threads']),
    results,
  };
  mkdirSync(path.join(root, 'bench/results'), { recursive: true });
  const resultFile = path.join(root, 'bench/results', `${result.date.slice(0, 10)}-exports-${results[0]?.rows ?? 0}.json`);
  writeFileSync(resultFile, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`| format | rows | size | seconds | rows/s | CPU seconds | peak RSS | event loop delay p99 / max |
|---|---|---|---|---|---|---|---|
${results
  .map(
    (r) =>
      `| ${r.format} | ${r.rows.toLocaleString('en-US')} | ${(r.bytes / 1e6).toFixed(0)} MB | ${r.seconds.toFixed(1)} | ${r.rowsPerSecond.toLocaleString('en-US')} | ${r.cpuSeconds.toFixed(1)} | ${r.peakRssMb.toFixed(0)} MB | ${r.eventLoopDelayMs.p99.toFixed(0)} / ${r.eventLoopDelayMs.max.toFixed(0)} ms |`,
  )
  .join('\n')}

load average at the end: ${result.machine.loadAverage.join(', ')} on ${result.machine.cpus} cores; results: ${path.relative(root, resultFile)}`);
}
