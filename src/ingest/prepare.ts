/**
 * The CPU-heavy half of an ingest, which touches no database: reads the header, parses and checks every row, and
 * hands the rows on in chunks ready to insert, along with what the batch learned about accounts and periods. It runs
 * in a worker thread for files (prepare-worker.ts), so parsing overlaps with SQLite writing on the main thread, and
 * in-thread for generated tables.
 */
import { compileConformance } from '../conformance/engine.ts';
import { columnIndex, columnsOf, type DatasetId } from '../focus/columns.ts';
import { ChunkWriter, type ContractApplication, type RowChunk, type StoredValue } from './chunk.ts';
import { IngestError } from './errors.ts';
import { FindingCollector, type Finding } from './findings.ts';
import { HeaderMapping, RowNormalizer, type NormalizedRow } from './normalize.ts';
import type { RowSink } from './sources.ts';
import { detachedString } from '../util/strings.ts';

export interface PrepareOptions {
  /** Detected from the header when not given. */
  dataset?: DatasetId;
  skipInvalid?: boolean;
}

export interface PreparedHeader {
  dataset: DatasetId;
  focusVersion: string;
}

/** What the rows of a batch say about accounts and billing periods, for the account tables and --replace. */
export interface BatchFacts {
  accounts: [string, { name: StoredValue; type: StoredValue; provider: StoredValue }][];
  subAccounts: [string, { name: StoredValue; type: StoredValue; billingAccountId: string | null }][];
  /** Billing account and billing period start pairs the batch holds. */
  periods: { accountId: string | null; periodStart: number }[];
  billingPeriodStart: number | null;
  billingPeriodEnd: number | null;
}

export interface PrepareResult {
  rowsRead: number;
  rowsSkipped: number;
  findings: Finding[];
  facts: BatchFacts;
}

export interface PreparedRowsSink {
  header(header: PreparedHeader): void;
  chunk(chunk: RowChunk): void;
}

function detectDataset(names: readonly string[]): DatasetId {
  const lower = new Set(names.map((name) => name.trim().toLowerCase()));
  return lower.has('contractcommitmentid') && !lower.has('chargeperiodstart') ? 'ContractCommitment' : 'CostAndUsage';
}

/** Reads the elements of a ContractApplied value, accepting both key casings of FOCUS 1.3 and its errata. */
function contractApplications(applied: unknown): ContractApplication[] {
  const elements = (applied as { Elements?: unknown } | null)?.Elements;
  if (!Array.isArray(elements)) return [];
  const out: ContractApplication[] = [];
  for (const element of elements) {
    if (element === null || typeof element !== 'object') continue;
    const get = (...keys: string[]) => {
      for (const key of keys) if (key in element) return (element as Record<string, unknown>)[key];
      return undefined;
    };
    const commitmentId = get('ContractCommitmentId', 'ContractCommitmentID');
    if (typeof commitmentId !== 'string' || commitmentId === '') continue;
    const number = (value: unknown) => (value === null || value === undefined || value === '' ? null : Number.isFinite(Number(value)) ? Number(value) : null);
    const contractId = get('ContractId', 'ContractID');
    const unit = get('ContractCommitmentAppliedUnit');
    out.push({
      contractId: typeof contractId === 'string' ? contractId : null,
      commitmentId,
      cost: number(get('ContractCommitmentAppliedCost')),
      quantity: number(get('ContractCommitmentAppliedQuantity')),
      unit: typeof unit === 'string' ? unit : null,
    });
  }
  return out;
}

/** Positions of the Cost and Usage columns the batch facts come from, looked up once. */
const COST = Object.fromEntries(
  [
    'ContractApplied',
    'BillingAccountId',
    'BillingAccountName',
    'BillingAccountType',
    'ServiceProviderName',
    'SubAccountId',
    'SubAccountName',
    'SubAccountType',
    'BillingPeriodStart',
    'BillingPeriodEnd',
  ].map((name) => [name, columnIndex('CostAndUsage', name)]),
) as Record<string, number>;

const NO_APPLICATIONS: ContractApplication[] = [];

export class RowPreparer implements RowSink {
  #dataset: DatasetId | undefined;
  #normalizer: RowNormalizer | undefined;
  #checker: ReturnType<typeof compileConformance> | undefined;
  #findings: FindingCollector | undefined;
  #writer: ChunkWriter | undefined;
  #isJson: boolean[] = [];
  #stored: StoredValue[] = [];
  #rowsRead = 0;
  #rowsSkipped = 0;
  #bytesDone = 0;
  #bytesTotal = 0;
  readonly #accounts = new Map<string, { name: StoredValue; type: StoredValue; provider: StoredValue }>();
  readonly #subAccounts = new Map<string, { name: StoredValue; type: StoredValue; billingAccountId: string | null }>();
  readonly #periods = new Map<string, { accountId: string | null; periodStart: number }>();
  #billingPeriodStart: number | null = null;
  #billingPeriodEnd: number | null = null;

  constructor(
    private readonly sourceName: string,
    private readonly options: PrepareOptions,
    private readonly out: PreparedRowsSink,
  ) {}

  /** Source progress, carried on the next chunk. */
  progress(bytesDone: number, bytesTotal: number): void {
    this.#bytesDone = bytesDone;
    this.#bytesTotal = bytesTotal;
  }

  header(names: string[]): void {
    const dataset = this.options.dataset ?? detectDataset(names);
    const mapping = new HeaderMapping(dataset, names, this.sourceName);
    const checker = compileConformance(dataset, mapping.present);
    const findings = new FindingCollector(checker.rules);
    for (const ruleId of checker.checkColumns(mapping.present)) findings.record(ruleId, 1, checker.rules.get(ruleId)?.column ?? null, null);
    this.#normalizer = new RowNormalizer(mapping, this.sourceName, findings);
    this.#normalizer.recordHeaderNotes();
    this.#dataset = dataset;
    this.#checker = checker;
    this.#findings = findings;
    this.#writer = new ChunkWriter(dataset);
    this.#isJson = columnsOf(dataset).map((column) => column.type === 'json');
    this.#stored = new Array(this.#isJson.length + 1);
    this.out.header({ dataset, focusVersion: mapping.focusVersion });
  }

  row(cells: string[], line: number): void {
    const normalizer = this.#normalizer!;
    const findings = this.#findings!;
    this.#rowsRead++;
    let row: NormalizedRow;
    try {
      row = normalizer.normalize(cells, line);
    } catch (error) {
      if (!(error instanceof IngestError) || !this.options.skipInvalid) throw error;
      this.#rowsSkipped++;
      findings.record('GW-ROW-SKIPPED', line, error.column === null ? null : normalizer.mapping.names[error.column - 1], error.message);
      return;
    }
    this.#checker!.checkRow(row, (ruleId, columnIndex) =>
      findings.record(ruleId, line, columnIndex >= 0 ? normalizer.mapping.columns[columnIndex].name : null, columnIndex >= 0 ? row.text[columnIndex] : null),
    );
    const stored = this.#stored;
    stored[0] = row.extra === null ? null : JSON.stringify(row.extra);
    for (let index = 0; index < this.#isJson.length; index++) {
      // JSON keeps the provider's own text: it was validated as JSON when parsed.
      stored[index + 1] = row.value[index] === null ? null : this.#isJson[index] ? row.text[index] : (row.value[index] as StoredValue);
    }
    const applications = this.#dataset === 'CostAndUsage' ? this.#noteCostRow(row) : NO_APPLICATIONS;
    if (this.#writer!.add(stored, applications)) this.out.chunk(this.#writer!.take(this.#bytesDone, this.#bytesTotal));
  }

  #noteCostRow(row: NormalizedRow): ContractApplication[] {
    const value = row.value;
    const accountId = value[COST.BillingAccountId] as string | null;
    // The first named spelling of each account is kept until the end of the file, as copies, so that they do not
    // keep the parsed text they were cut from.
    const kept = (position: number) => (typeof value[position] === 'string' ? detachedString(value[position] as string) : (value[position] as StoredValue));
    if (accountId !== null && (this.#accounts.get(accountId)?.name ?? null) === null) {
      this.#accounts.set(detachedString(accountId), { name: kept(COST.BillingAccountName), type: kept(COST.BillingAccountType), provider: kept(COST.ServiceProviderName) });
    }
    const subAccountId = value[COST.SubAccountId] as string | null;
    if (subAccountId !== null && (this.#subAccounts.get(subAccountId)?.name ?? null) === null) {
      this.#subAccounts.set(detachedString(subAccountId), { name: kept(COST.SubAccountName), type: kept(COST.SubAccountType), billingAccountId: accountId === null ? null : detachedString(accountId) });
    }
    const periodStart = value[COST.BillingPeriodStart] as number;
    const periodEnd = value[COST.BillingPeriodEnd] as number;
    const periodKey = `${accountId}\u0000${periodStart}`;
    if (!this.#periods.has(periodKey)) this.#periods.set(detachedString(periodKey), { accountId: accountId === null ? null : detachedString(accountId), periodStart });
    if (this.#billingPeriodStart === null || periodStart < this.#billingPeriodStart) this.#billingPeriodStart = periodStart;
    if (this.#billingPeriodEnd === null || periodEnd > this.#billingPeriodEnd) this.#billingPeriodEnd = periodEnd;
    return value[COST.ContractApplied] === null ? NO_APPLICATIONS : contractApplications(value[COST.ContractApplied]);
  }

  /** Sends the last chunk and returns the batch's counts, findings and facts. */
  finish(): PrepareResult {
    if (!this.#writer) throw new IngestError('the file is empty: no header row', this.sourceName, 1);
    if (this.#writer.rows > 0) this.out.chunk(this.#writer.take(this.#bytesDone, this.#bytesTotal));
    return {
      rowsRead: this.#rowsRead,
      rowsSkipped: this.#rowsSkipped,
      findings: this.#findings!.findings(),
      facts: {
        accounts: [...this.#accounts],
        subAccounts: [...this.#subAccounts],
        periods: [...this.#periods.values()],
        billingPeriodStart: this.#billingPeriodStart,
        billingPeriodEnd: this.#billingPeriodEnd,
      },
    };
  }
}
