// `npm run bench [-- --rows N]`: generates (or reuses) N demo rows as CSV, loads them into a fresh SQLite database in
// a separate process (rows per second, peak RSS), then serves that database and times the GraphQL queries the issues
// set targets for (a page of 100 with nested links, costSummary by service and month). Each measure runs in a child
// process of its own. Results go to bench/results/<date>-<rows>.json.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { writeDemoFiles } from '../src/demo/load.ts';

const { values } = parseArgs({ options: { rows: { type: 'string', default: '1000000' }, seed: { type: 'string', default: '1' } } });
const rows = Number(values.rows);
const seed = Number(values.seed);
const root = path.resolve(import.meta.dirname, '..');
const cache = path.join(root, 'bench/.cache');
mkdirSync(cache, { recursive: true });
const csv = path.join(cache, `demo-${rows}-seed-${seed}.csv`);

let generateSeconds: number | null = null;
if (!existsSync(csv)) {
  const started = performance.now();
  await writeDemoFiles(csv, { rows, seed });
  generateSeconds = (performance.now() - started) / 1000;
}
const database = path.join(cache, `bench-${process.pid}.db`);
const output = execFileSync(process.execPath, [path.join(root, 'bin/run-ts.js'), path.join(root, 'bench/ingest-child.ts'), csv, `file:${database}`], { encoding: 'utf8' });
const ingest = JSON.parse(output.trim().split('\n').at(-1)!) as { rows: number; seconds: number; peakRssMb: number; findings: number };
const databaseBytes = statSync(database).size;
type Timing = { p50: number; p95: number; min: number; runs: number };
const graphqlOutput = execFileSync(process.execPath, [path.join(root, 'bin/run-ts.js'), path.join(root, 'bench/graphql-child.ts'), `file:${database}`], { encoding: 'utf8' });
const graphql = JSON.parse(graphqlOutput.trim().split('\n').at(-1)!) as { firstPage: Timing; lastPage: Timing; costSummaryByServiceAndMonth: Timing };
for (const suffix of ['', '-wal', '-shm']) rmSync(database + suffix, { force: true });

const result = {
  date: new Date().toISOString(),
  machine: { node: process.version, cpus: (await import('node:os')).cpus().length },
  rows,
  csvBytes: statSync(csv).size,
  generateSeconds,
  ingest: { ...ingest, rowsPerSecond: Math.round(ingest.rows / ingest.seconds), databaseBytes },
  graphql,
};
mkdirSync(path.join(root, 'bench/results'), { recursive: true });
const resultFile = path.join(root, 'bench/results', `${result.date.slice(0, 10)}-${rows}.json`);
writeFileSync(resultFile, `${JSON.stringify(result, null, 2)}\n`);
const mb = (bytes: number) => `${(bytes / 1e6).toFixed(0)} MB`;
console.log(`| measure | value |
|---|---|
| rows | ${rows.toLocaleString('en-US')} |
| CSV size | ${mb(result.csvBytes)} |
| ingest time (conformance on) | ${ingest.seconds.toFixed(1)} s |
| ingest rows/s | ${result.ingest.rowsPerSecond.toLocaleString('en-US')} |
| ingest peak RSS | ${ingest.peakRssMb.toFixed(0)} MB |
| conformance findings | ${ingest.findings} |
| database size | ${mb(databaseBytes)} |
| GraphQL page of 100 with account and family, p50 / p95 | ${graphql.firstPage.p50} / ${graphql.firstPage.p95} ms |
| the same, last page (page ${Math.ceil(rows / 100).toLocaleString('en-US')}), p50 / p95 | ${graphql.lastPage.p50} / ${graphql.lastPage.p95} ms |
| costSummary by service and month over all rows, p50 | ${graphql.costSummaryByServiceAndMonth.p50} ms |
${generateSeconds === null ? '' : `| demo generation | ${generateSeconds.toFixed(1)} s |\n`}
results: ${path.relative(root, resultFile)}`);
