import { cpSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { costSummary, type CostSummaryInput } from '../src/analytics/summary.ts';
import { rebuildRollups, RollupAccumulator } from '../src/analytics/rollups.ts';
import { ROLLUP_DIMENSIONS, ROLLUP_MEASURES, ROLLUP_TABLES } from '../src/analytics/rollup-columns.ts';
import { openMigratedDatabase } from '../src/db/bootstrap.ts';
import { applyMigrations, MIGRATIONS_DIR } from '../src/db/migrate.ts';
import { openSqlite, type SqliteDatabase } from '../src/db/sqlite.ts';
import { sqliteFilePath } from '../src/db/url.ts';
import { COST_AND_USAGE_COLUMNS } from '../src/focus/columns.ts';
import { createPrismaClient } from '../src/db/client.ts';
import { loadDemoData } from '../src/demo/load.ts';
import { createFamily } from '../src/families/service.ts';
import { fileSource, ingest } from '../src/ingest/service.ts';
import { FIXTURES, MULTI_PROVIDER_SAMPLE, tempDatabase, tempDir } from './helpers.ts';

/**
 * A rollup's rows, sorted, without ids. A total's two parts may be split differently (per row in SQL, once in the
 * accumulator): what they add up to is compared.
 */
function rollupSnapshot(db: SqliteDatabase, table: string): string[] {
  return (db.prepare(`SELECT * FROM ${table}`).safeIntegers(true).all() as Record<string, bigint | string | null>[])
    .map(({ id: _id, ...row }) => {
      for (const name of Object.keys(row).filter((key) => key.endsWith('_high'))) {
        const measure = name.slice(0, -'_high'.length);
        const [high, low] = [row[name], row[`${measure}_low`]] as (bigint | null)[];
        row[`${measure}_scaled`] = high === null ? null : (high * 4294967296n + (low ?? 0n)).toString();
        delete row[name];
        delete row[`${measure}_low`];
      }
      return JSON.stringify(row, (_key, value) => (typeof value === 'bigint' ? value.toString() : value));
    })
    .sort();
}

describe('the rollups', () => {
  let database: Awaited<ReturnType<typeof tempDatabase>>;
  beforeAll(async () => {
    database = await tempDatabase();
    const prisma = createPrismaClient(database.url);
    await loadDemoData(database.db, prisma, { rows: 4000, seed: 11 });
    await prisma.$disconnect();
    // Values the integer scale cannot hold exactly (1234567.891, 0.12345678901234, ...) take the decimal path.
    await ingest(database.db, fileSource(path.join(FIXTURES, 'analytics/summary.csv')));
  });
  afterAll(() => database.close());

  it('is kept at ingest with the same rows SQL computes from the cost rows', () => {
    const atIngest = rollupSnapshot(database.db, 'cost_daily_rollups');
    expect(atIngest.length).toBeGreaterThan(100);
    rebuildRollups(database.db);
    expect(rollupSnapshot(database.db, 'cost_daily_rollups')).toEqual(atIngest);
  });

  it('gives the same totals when it writes a few groups at a time to bound memory', () => {
    const summed = () =>
      database.db
        .prepare(
          `SELECT charge_day, ${ROLLUP_DIMENSIONS.map((c) => c.dbColumn).join(', ')}, SUM(row_count) AS n,
                  SUM(billed_cost_high) * 4294967296 + SUM(billed_cost_low) AS scaled, decimal_sum(billed_cost_rest) AS rest, SUM(billed_cost_count) AS count
           FROM cost_daily_rollups GROUP BY ${Array.from({ length: ROLLUP_DIMENSIONS.length + 1 }, (_, index) => index + 1).join(', ')} ORDER BY ${Array.from({ length: ROLLUP_DIMENSIONS.length + 1 }, (_, index) => index + 1).join(', ')}`,
        )
        .safeIntegers(true)
        .all();
    const whole = summed();
    const position = (field: string) => COST_AND_USAGE_COLUMNS.findIndex((column) => column.field === field);
    const accumulator = new RollupAccumulator(
      { chargePeriodStart: position('chargePeriodStart'), dimensions: ROLLUP_DIMENSIONS.map((c) => position(c.field)), measures: ROLLUP_MEASURES.map((c) => position(c.field)) },
      50,
    );
    const select = database.db.prepare(`SELECT batch_id, ${COST_AND_USAGE_COLUMNS.map((column) => column.dbColumn).join(', ')} FROM cost_records ORDER BY batch_id, id`).raw(true);
    database.db.exec('DELETE FROM cost_daily_rollups');
    let batch: number | null = null;
    for (const [batchId, ...values] of select.all() as unknown[][]) {
      if (batch !== null && batchId !== batch) accumulator.write(database.db, batch);
      batch = batchId as number;
      accumulator.add(values);
      if (accumulator.full) accumulator.write(database.db, batch);
    }
    accumulator.write(database.db, batch!);
    expect((database.db.prepare('SELECT COUNT(*) AS n FROM cost_daily_rollups').get() as { n: number }).n).toBeGreaterThan(whole.length);
    expect(summed()).toEqual(whole);
    rebuildRollups(database.db);
  });

  it('follows family edits without a rebuild, and a rebuild changes nothing', async () => {
    const query: CostSummaryInput = { groupBy: ['family', 'serviceCategory'], granularity: 'MONTH', metrics: ['effectiveCost', 'rowCount'], limit: 10_000 };
    const subAccount = (
      database.db.prepare('SELECT DISTINCT sub_account_id AS id FROM cost_records WHERE sub_account_id NOT IN (SELECT account_id FROM family_members) LIMIT 1').get() as { id: string }
    ).id;
    const prisma = createPrismaClient(database.url);
    await createFamily(prisma, { name: 'Rollup test family', accountIds: [subAccount] });
    await prisma.$disconnect();
    const withFamily = costSummary(database.db, query);
    expect(withFamily.rows.some((row) => row.keys[0].name === 'Rollup test family')).toBe(true);
    expect(withFamily.answeredFrom).toBe('ROLLUP');
    expect({ ...withFamily, answeredFrom: 'ROWS', rollupTable: null }).toEqual(costSummary(database.db, { ...query, answerFrom: 'ROWS' }));
    rebuildRollups(database.db);
    expect(costSummary(database.db, query)).toEqual(withFamily);
  });

  it('drops the rollup of periods a --replace restates, and is filled in by the migration that adds it', async () => {
    const fresh = await tempDatabase();
    try {
      const lines = readFileSync(MULTI_PROVIDER_SAMPLE, 'utf8').trimEnd().split('\n');
      const restated = path.join(fresh.dir, 'restated.csv');
      writeFileSync(restated, [lines[0], ...lines.slice(1, 3)].join('\n'));
      await ingest(fresh.db, fileSource(MULTI_PROVIDER_SAMPLE));
      await ingest(fresh.db, fileSource(restated), { replace: true });
      const query: CostSummaryInput = { groupBy: ['billingAccountId'], metrics: ['billedCost', 'rowCount'] };
      const same = () => expect({ ...costSummary(fresh.db, query), answeredFrom: 'ROWS', rollupTable: null }).toEqual(costSummary(fresh.db, { ...query, answerFrom: 'ROWS' }));
      same();
      const costRows = (fresh.db.prepare('SELECT COUNT(*) AS n FROM cost_records').get() as { n: number }).n;
      for (const { table } of ROLLUP_TABLES) expect((fresh.db.prepare(`SELECT SUM(row_count) AS n FROM ${table}`).get() as { n: number }).n, table).toBe(costRows);
      // As after the migration on a database loaded by an older gateway: the rollup is empty until rebuilt.
      fresh.db.exec('DELETE FROM cost_daily_rollups');
      rebuildRollups(fresh.db);
      same();
    } finally {
      fresh.close();
    }
  });

  it('fills the rollups anew when the migration that adds the lattice runs on a database an older gateway loaded', async () => {
    const current = await tempDatabase();
    const { dir, remove } = tempDir();
    try {
      await ingest(current.db, fileSource(MULTI_PROVIDER_SAMPLE));
      // The older gateway's database: every migration before the lattice, and the same rows (its cost rows table is
      // the same), with the daily rollup it kept, which lacked BillingPeriodEnd.
      const olderMigrations = path.join(dir, 'older-migrations');
      mkdirSync(olderMigrations);
      for (const name of readdirSync(MIGRATIONS_DIR).filter((name) => !name.endsWith('_rollup_lattice'))) cpSync(path.join(MIGRATIONS_DIR, name), path.join(olderMigrations, name), { recursive: true });
      const olderUrl = `file:${path.join(dir, 'older.db')}`;
      await applyMigrations(olderUrl, olderMigrations);
      const older = openSqlite(olderUrl);
      older.prepare('ATTACH DATABASE ? AS current').run(sqliteFilePath(current.url));
      const dailyColumns = (older.prepare('SELECT name FROM pragma_table_info(?)').pluck().all('cost_daily_rollups') as string[]).join(', ');
      older.exec(`INSERT INTO ingest_batches SELECT * FROM current.ingest_batches;
                  INSERT INTO cost_records SELECT * FROM current.cost_records;
                  INSERT INTO cost_daily_rollups (${dailyColumns}) SELECT ${dailyColumns} FROM current.cost_daily_rollups;`);
      older.close();

      const { db, appliedMigrations } = await openMigratedDatabase(olderUrl);
      try {
        expect(appliedMigrations).toEqual([expect.stringMatching(/_rollup_lattice$/)]);
        for (const { table } of ROLLUP_TABLES) expect(rollupSnapshot(db, table), table).toEqual(rollupSnapshot(current.db, table));
        const query: CostSummaryInput = { groupBy: ['serviceName', 'chargeCategory'], granularity: 'MONTH', metrics: ['billedCost', 'effectiveCost', 'rowCount'] };
        expect(costSummary(db, query)).toEqual(costSummary(current.db, query));
      } finally {
        db.close();
      }
    } finally {
      current.close();
      remove();
    }
  });
});
