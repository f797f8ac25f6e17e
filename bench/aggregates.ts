// `node bin/run-ts.js bench/aggregates.ts [--rows N] [--runs R] [--db file.db]`: costSummary by service and month over
// all rows of an N-row demo database (built once with loadDemoData and kept in bench/.cache), p50 of R timed runs after
// a warm-up. For scale it also times the same grouping with SQLite's rounding SUM() and with the decimal_sum aggregate,
// and checks that costSummary's totals equal decimal_sum's. Then dashboard questions (with a date range over the
// first quarter of the data) as the planner answers them and forced through the rows, checking that both give the same
// totals. Results go to bench/results/<date>-aggregates-<rows>.json.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { costSummary, type CostSummaryInput, type Metric } from '../src/analytics/summary.ts';
import { openMigratedDatabase } from '../src/db/bootstrap.ts';
import { createPrismaClient } from '../src/db/client.ts';
import { loadDemoData } from '../src/demo/load.ts';

const { values } = parseArgs({ options: { rows: { type: 'string', default: '1000000' }, runs: { type: 'string', default: '7' }, db: { type: 'string' } } });
const rows = Number(values.rows);
const runs = Number(values.runs);
const root = path.resolve(import.meta.dirname, '..');
const file = values.db ?? path.join(root, `bench/.cache/aggregates-${rows}.db`);
mkdirSync(path.dirname(file), { recursive: true });
const url = `file:${file}`;
const isNew = !existsSync(file);
const { db } = await openMigratedDatabase(url);
if (isNew) {
  const prisma = createPrismaClient(url);
  const started = performance.now();
  await loadDemoData(db, prisma, { rows, seed: 1 });
  await prisma.$disconnect();
  console.log(`built ${file} in ${((performance.now() - started) / 1000).toFixed(0)} s`);
}
const rowCount = (db.prepare('SELECT COUNT(*) AS n FROM cost_records').get() as { n: number }).n;

function timed(label: string, run: () => unknown): { label: string; p50: number; min: number; max: number } {
  run();
  const times = Array.from({ length: runs }, () => {
    const started = performance.now();
    run();
    return performance.now() - started;
  }).sort((a, b) => a - b);
  return { label, p50: times[Math.floor(times.length / 2)], min: times[0], max: times.at(-1)! };
}

const MONTH_SQL = `strftime('%Y-%m', cr.charge_period_start / 1000, 'unixepoch')`;
const groupedSql = (sum: string, columns: string[]) =>
  `SELECT cr.service_name, cr.billing_currency, ${MONTH_SQL}, ${columns.map((column) => `${sum}(cr.${column})`).join(', ')}, COUNT(*) FROM cost_records cr GROUP BY 1, 2, 3`;
const summaryBy = (metrics: Metric[]) => () => costSummary(db, { groupBy: ['serviceName'], granularity: 'MONTH', metrics, limit: 10_000 });

const TWO = ['billed_cost', 'effective_cost'];
const ALL = [...TWO, 'list_cost', 'contracted_cost', 'consumed_quantity', 'pricing_quantity'];
const results = [
  timed('costSummary: billedCost, effectiveCost, rowCount', summaryBy(['billedCost', 'effectiveCost', 'rowCount'])),
  timed('costSummary: all six sums and rowCount', summaryBy(['billedCost', 'effectiveCost', 'listCost', 'contractedCost', 'consumedQuantity', 'pricingQuantity', 'rowCount'])),
  timed('SQLite SUM() (rounds), two columns', () => db.prepare(groupedSql('SUM', TWO)).all()),
];

// Exactness at scale: every group's totals against the decimal_sum aggregate (slow, so timed once).
const started = performance.now();
const reference = db.prepare(groupedSql('decimal_sum', ALL)).raw(true).all() as string[][];
const decimalSumMs = performance.now() - started;
const summary = summaryBy(['billedCost', 'effectiveCost', 'listCost', 'contractedCost', 'consumedQuantity', 'pricingQuantity', 'rowCount'])();
const expected = new Map(reference.map((row) => [row.slice(0, 3).join('|'), row.slice(3).join('|')]));
const mismatches = summary.rows.filter((row) => {
  const key = [row.keys[0].value, row.billingCurrency, row.periodStart!.toISOString().slice(0, 7)].join('|');
  const { billedCost, effectiveCost, listCost, contractedCost, consumedQuantity, pricingQuantity } = row.sums;
  // decimal_sum says 0 where every value was null; costSummary says null.
  const totals = [billedCost, effectiveCost, listCost, contractedCost, consumedQuantity, pricingQuantity].map((total) => total ?? '0');
  return expected.get(key) !== [...totals, row.rowCount].join('|');
}).length;

// Dashboard questions, as planned and from the rows (what every date filter cost before the planner read them).
const earliest = new Date(db.prepare('SELECT MIN(charge_period_start) FROM cost_records').pluck().get() as number);
const quarterMonth = earliest.getUTCMonth() - (earliest.getUTCMonth() % 3);
const quarter = { gte: new Date(Date.UTC(earliest.getUTCFullYear(), quarterMonth, 1)), lt: new Date(Date.UTC(earliest.getUTCFullYear(), quarterMonth + 3, 1)) };
const largestAccount = db.prepare('SELECT billing_account_id FROM cost_records GROUP BY 1 ORDER BY COUNT(*) DESC LIMIT 1').pluck().get() as string;
const questions: { label: string; input: CostSummaryInput }[] = [
  { label: 'by service and month', input: { groupBy: ['serviceName'], granularity: 'MONTH', metrics: ['billedCost', 'effectiveCost', 'rowCount'], limit: 10_000 } },
  {
    label: 'by service and month, chargePeriodStart in a quarter',
    input: { filter: { chargePeriodStart: quarter }, groupBy: ['serviceName'], granularity: 'MONTH', metrics: ['billedCost', 'effectiveCost', 'rowCount'], limit: 10_000 },
  },
  {
    label: 'one billing account by day, chargePeriodStart in a quarter',
    input: { filter: { billingAccountId: { eq: largestAccount }, chargePeriodStart: quarter }, granularity: 'DAY', metrics: ['billedCost', 'effectiveCost', 'rowCount'], limit: 10_000 },
  },
];
const planned = questions.map(({ label, input }) => {
  const fromRows = costSummary(db, { ...input, answerFrom: 'ROWS' });
  const asPlanned = costSummary(db, input);
  return {
    question: label,
    answeredFrom: asPlanned.answeredFrom,
    groups: asPlanned.totalGroups,
    sameAsRows: JSON.stringify({ ...asPlanned, answeredFrom: 'ROWS' }) === JSON.stringify(fromRows),
    rows: timed(`${label}: from the rows`, () => costSummary(db, { ...input, answerFrom: 'ROWS' })),
    asPlanned: timed(`${label}: as planned (${asPlanned.answeredFrom})`, () => costSummary(db, input)),
  };
});
const roundedMs = (entry: ReturnType<typeof timed>) => ({ ...entry, p50: Math.round(entry.p50), min: Math.round(entry.min), max: Math.round(entry.max) });

const result = {
  date: new Date().toISOString(),
  machine: { node: process.version, cpus: os.cpus().length, loadAverage: os.loadavg().map((load) => Number(load.toFixed(2))) },
  rows: rowCount,
  runs,
  query: 'costSummary(groupBy: [serviceName], granularity: MONTH) over all rows',
  timingsMs: results.map(roundedMs),
  decimalSumMs: Math.round(decimalSumMs),
  groups: summary.totalGroups,
  groupsMatchingDecimalSum: summary.rows.length - mismatches,
  dashboard: { quarter, billingAccountId: largestAccount, questions: planned.map((entry) => ({ ...entry, rows: roundedMs(entry.rows), asPlanned: roundedMs(entry.asPlanned) })) },
};
mkdirSync(path.join(root, 'bench/results'), { recursive: true });
const resultFile = path.join(root, 'bench/results', `${result.date.slice(0, 10)}-aggregates-${rowCount}.json`);
writeFileSync(resultFile, `${JSON.stringify(result, null, 2)}\n`);
db.close();
console.log(`| ${rowCount.toLocaleString('en-US')} rows, by service and month, ${runs} runs | p50 | min | max |
|---|---|---|---|
${result.timingsMs.map((entry) => `| ${entry.label} | ${entry.p50} ms | ${entry.min} ms | ${entry.max} ms |`).join('\n')}
| decimal_sum aggregate, six columns (once) | ${result.decimalSumMs} ms | | |

groups: ${result.groups}, equal to decimal_sum's totals: ${result.groupsMatchingDecimalSum}

| dashboard question (quarter from ${quarter.gte.toISOString().slice(0, 10)}) | answered from | rows p50 | planned p50 | same totals |
|---|---|---|---|---|
${result.dashboard.questions.map((entry) => `| ${entry.question} | ${entry.answeredFrom} | ${entry.rows.p50} ms | ${entry.asPlanned.p50} ms | ${entry.sameAsRows} |`).join('\n')}

load average: ${result.machine.loadAverage.join(' ')} on ${result.machine.cpus} CPUs
results: ${path.relative(root, resultFile)}`);
if (mismatches > 0 || planned.some((entry) => !entry.sameAsRows)) process.exitCode = 1;
