import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileCostRecordFilter, FILTERABLE_COLUMNS, type CostRecordFilter } from '../src/query/cost-record-filter.ts';
import { COST_RECORD_SORT_FIELDS, costRecordOrder, costRecordPage, countCostRecords } from '../src/query/cost-records.ts';
import { QueryInputError } from '../src/query/keyset.ts';
import { COST_AND_USAGE_COLUMNS } from '../src/focus/columns.ts';
import { fileSource, ingest } from '../src/ingest/service.ts';
import { AWS_COST_SAMPLE, readCsvObjects, tempDatabase } from './helpers.ts';

let database: Awaited<ReturnType<typeof tempDatabase>>;
let file: Record<string, string>[];

beforeAll(async () => {
  database = await tempDatabase();
  await ingest(database.db, fileSource(AWS_COST_SAMPLE));
  file = readCsvObjects(AWS_COST_SAMPLE);
});
afterAll(() => database.close());

const count = (filter: CostRecordFilter) => countCostRecords(database.db, compileCostRecordFilter(filter, 'cr'));

describe('compileCostRecordFilter', () => {
  it('covers every non-JSON catalog column, and nothing else', () => {
    expect(FILTERABLE_COLUMNS.map((column) => column.name)).toEqual(COST_AND_USAGE_COLUMNS.filter((column) => column.type !== 'json').map((column) => column.name));
  });

  it('binds every value as a parameter and never writes it into the SQL', () => {
    const filter: CostRecordFilter = {
      regionId: { in: ["eu'; DROP TABLE cost_records; --", 'us-west-2'] },
      tag: [{ key: 'Owner"]', value: "team' OR '1'='1" }],
      family: { eq: 'fam-1' },
      billedCost: { gte: 12.5 },
      or: [{ chargeDescription: { ne: 'abc' } }, { not: { subAccountId: { notIn: ['x'] } } }],
    };
    const { sql, params } = compileCostRecordFilter(filter, 'cr');
    for (const value of ["eu'; DROP TABLE cost_records; --", 'us-west-2', 'Owner"]', "team' OR '1'='1", 'fam-1', 'abc', 'x']) {
      expect(sql).not.toContain(value);
      expect(params).toContain(value);
    }
    expect(params).toContain(12.5);
    expect(sql.split('?').length - 1).toBe(params.length);
    expect(() => database.db.prepare(`SELECT COUNT(*) FROM cost_records cr WHERE ${sql}`).get(...params)).not.toThrow();
  });

  it('takes date-times as Date, epoch milliseconds or RFC 3339 text, and decimals as numbers or decimal text', () => {
    const start = Date.parse('2026-05-03T00:00:00Z');
    const expected = file.filter((row) => Date.parse(row.ChargePeriodStart) >= start && Number(row.BilledCost) < 1).length;
    expect(expected).toBeGreaterThan(0);
    for (const gte of [new Date(start), start, '2026-05-03T00:00:00Z', '2026-05-03T02:00:00+02:00']) {
      for (const lt of [1, '1', '1.000']) expect(count({ chargePeriodStart: { gte }, billedCost: { lt } })).toBe(expected);
    }
  });

  it('treats an omitted or null operator as absent', () => {
    expect(count({ regionId: { eq: null, in: null }, and: null })).toBe(file.length);
    expect(count({})).toBe(file.length);
    expect(countCostRecords(database.db, compileCostRecordFilter(null, 'cr'))).toBe(file.length);
  });

  const invalid: [string, unknown, string][] = [
    ['an unknown field', { regionID: { eq: 'x' } }, 'filter.regionID: is not a CostRecordFilter field'],
    ['a JSON column', { tags: { eq: 'x' } }, 'filter.tags: is not a CostRecordFilter field'],
    ['an unknown operator', { regionId: { like: 'x%' } }, 'filter.regionId: unknown operator like; expected eq, ne, in, notIn, isNull'],
    ['a range operator on a text column', { regionId: { gt: 'a' } }, 'filter.regionId: unknown operator gt; expected eq, ne, in, notIn, isNull'],
    ['a non-list for in', { regionId: { in: 'a' } }, 'filter.regionId.in: expected a list'],
    ['a number for a string', { regionId: { eq: 3 } }, 'filter.regionId.eq: expected a string; got 3'],
    ['a date-time without a zone', { chargePeriodStart: { gte: '2026-05-03T00:00:00' } }, 'filter.chargePeriodStart.gte: expected an RFC 3339 date-time such as 2025-01-01T00:00:00Z; got "2026-05-03T00:00:00"'],
    ['a formatted number', { billedCost: { gte: '$1,000' } }, 'filter.billedCost.gte: expected a number; got "$1,000"'],
    ['a non-boolean isNull', { regionId: { isNull: 'yes' } }, 'filter.regionId.isNull: expected true or false'],
    ['a non-object filter', { and: [3] }, 'filter.and[0]: expected a CostRecordFilter object'],
    ['an empty family id', { family: { in: [''] } }, 'filter.family.in[0]: expected a family id'],
  ];
  for (const [name, filter, message] of invalid) {
    it(`refuses ${name}`, () => {
      expect(() => compileCostRecordFilter(filter as CostRecordFilter, 'cr')).toThrow(new QueryInputError(message));
    });
  }
});

describe('costRecordOrder', () => {
  it('accepts every sort field in both directions and ends every order with the id', () => {
    for (const field of COST_RECORD_SORT_FIELDS) {
      const order = costRecordOrder([{ field, direction: 'DESC' }]);
      const implied = field === 'billingAccountId' ? ['billingPeriodStart DESC'] : [];
      expect(order.keys.map((key) => `${key.name} ${key.direction}`)).toEqual([`${field} DESC`, ...implied, 'id DESC']);
    }
    expect(costRecordOrder(null).orderBySql).toBe('cr.id ASC');
    expect(costRecordOrder([{ field: 'billedCost', direction: 'DESC' }, { field: 'id', direction: 'ASC' }]).orderBySql).toBe('cr.billed_cost DESC, cr.id ASC');
  });

  it('follows billingAccountId with billingPeriodStart, the order of its index, unless the order names it', () => {
    expect(costRecordOrder([{ field: 'billingAccountId' }]).orderBySql).toBe('cr.billing_account_id ASC, cr.billing_period_start ASC, cr.id ASC');
    expect(costRecordOrder([{ field: 'billingAccountId', direction: 'DESC' }, { field: 'billedCost' }, { field: 'billingPeriodStart' }]).orderBySql).toBe(
      'cr.billing_account_id DESC, cr.billed_cost ASC, cr.billing_period_start ASC, cr.id ASC',
    );
  });

  it('refuses a repeated field, an id before other fields and a field that is not sortable', () => {
    expect(() => costRecordOrder([{ field: 'billedCost' }, { field: 'billedCost', direction: 'DESC' }])).toThrow('orderBy[1]: billedCost is already in the order');
    expect(() => costRecordOrder([{ field: 'id' }, { field: 'billedCost' }])).toThrow('orderBy[0]: id is unique, so it can only be the last orderBy entry');
    expect(() => costRecordOrder([{ field: 'tags' as never }])).toThrow('orderBy[0]: cost records cannot be sorted by tags');
  });

  it('pages through rows that tie on every sort key by their id', async () => {
    const where = compileCostRecordFilter({ chargeCategory: { eq: 'Usage' } }, 'cr');
    const orderBy = [{ field: 'billingAccountId', direction: 'ASC' }, { field: 'chargeCategory', direction: 'ASC' }] as const;
    const seen: number[] = [];
    let after: string | null = null;
    for (;;) {
      const page = await costRecordPage(database.db, { where, orderBy: [...orderBy], page: { first: 7, after } });
      seen.push(...page.edges.map((edge) => edge.node.id));
      if (!(await page.pageInfo.hasNextPage)) break;
      after = page.pageInfo.endCursor;
    }
    const usage = database.db.prepare("SELECT id FROM cost_records WHERE charge_category = 'Usage' ORDER BY billing_account_id, billing_period_start, charge_category, id").pluck().all();
    expect(seen).toEqual(usage);
  });
});
