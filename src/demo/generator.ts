/**
 * Deterministic demo data for FOCUS Gateway: a multi-cloud estate (AWS, Microsoft Azure, Google Cloud, Oracle OCI
 * and Datadog bought through AWS Marketplace) billed over three months, as FOCUS 1.3 Cost and Usage rows plus the
 * Contract Commitment rows they draw down and a few chargeback families. The same options always give the same output.
 */
import { DEFAULT_DEMO_START, DemoCalendar } from './calendar.ts';
import { ROWS_PER_HOUR_PER_DENSITY, costRows } from './rows.ts';
import { buildWorld } from './world.ts';

export interface DemoOptions {
  rows: number;
  seed: number;
  /** first day of data, UTC; default 2026-01-01 */
  start?: Date;
}

/** Accounts, contracts and families do not depend on the number of rows; resources multiply with data density. */
function worldFor(options: DemoOptions, density = 1) {
  return buildWorld(options.seed, options.start ?? DEFAULT_DEMO_START, density);
}

function densityFor(options: DemoOptions): number {
  const rowsPerHour = options.rows / new DemoCalendar(options.start ?? DEFAULT_DEMO_START).totalHours;
  return Math.max(1, Math.ceil(rowsPerHour / ROWS_PER_HOUR_PER_DENSITY));
}

/** Cost and Usage rows as string cells in COST_AND_USAGE_COLUMNS order ('' for null). Lazy: must scale to 10,000,000 rows in flat memory. */
export function demoCostRows(options: DemoOptions): Iterable<string[]> {
  if (!Number.isSafeInteger(options.rows) || options.rows < 0) throw new Error('Demo rows must be a non-negative integer');
  return {
    [Symbol.iterator]: () => costRows(worldFor(options, densityFor(options)), options.rows, options.seed),
  };
}

/** Contract Commitment rows (CONTRACT_COMMITMENT_COLUMNS order) matching the ContractApplied references in the cost rows, each with the BillingAccountId it belongs to. */
export function demoCommitments(options: DemoOptions): { billingAccountId: string; cells: string[] }[] {
  return worldFor(options).contracts.map((contract) => ({ billingAccountId: contract.billingAccountId, cells: contract.cells.slice() }));
}

/** A few families (chargeback groups) over the generated accounts: name, description, account ids (sub account ids and/or billing account ids; an account in at most one family; leave some accounts in no family). */
export function demoFamilies(options: DemoOptions): { name: string; description: string; accountIds: string[] }[] {
  return worldFor(options).families;
}
