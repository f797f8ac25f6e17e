/**
 * Turns a file's header and rows of cell text into catalog-ordered, typed rows: maps column names (exact, by letter
 * case, or from older FOCUS versions), parses each value, fills the 1.3 provider columns a pre-1.3 file lacks, and
 * decides which rows are unusable. Everything a row breaks without becoming unusable goes to the findings.
 */
import { columnIndex, columnsOf, type DatasetId, type FocusColumn, type FocusVersion } from '../focus/columns.ts';
import { detectFocusVersion, RENAMED_COLUMNS } from '../focus/legacy.ts';
import { isNullToken, parseDateTime, parseDecimal, parseJson, withRecentResults, type Parsed, type Repair } from '../focus/values.ts';
import type { ParsedRow } from '../conformance/engine.ts';
import { IngestError } from './errors.ts';
import type { FindingCollector, GatewayRuleId } from './findings.ts';

export interface NormalizedRow extends ParsedRow {
  /** Non-FOCUS columns of the row that hold a value, by their names in the file. */
  extra: Record<string, string> | null;
}

/** Which catalog column each position of the file's header feeds. */
export class HeaderMapping {
  readonly columns: readonly FocusColumn[];
  /** Per catalog index, the position of that column in the file, or -1. */
  readonly sourceIndex: Int32Array;
  /** FOCUS names of the catalog columns the file has. */
  readonly present = new Set<string>();
  readonly extraColumns: { position: number; name: string }[] = [];
  readonly focusVersion: FocusVersion;
  readonly notes: { ruleId: 'GW-COLUMN-NAME-CASE' | 'GW-LEGACY-COLUMN'; column: string }[] = [];

  constructor(
    readonly dataset: DatasetId,
    readonly names: readonly string[],
    file: string,
  ) {
    this.columns = columnsOf(dataset);
    this.sourceIndex = new Int32Array(this.columns.length).fill(-1);
    const byName = new Map(this.columns.map((column, index) => [column.name, index]));
    const byLowerName = new Map(this.columns.map((column, index) => [column.name.toLowerCase(), index]));
    names.forEach((rawName, position) => {
      const name = rawName.trim();
      let index = byName.get(name);
      if (index === undefined && RENAMED_COLUMNS[name] !== undefined && dataset === 'CostAndUsage') {
        index = byName.get(RENAMED_COLUMNS[name]);
        this.notes.push({ ruleId: 'GW-LEGACY-COLUMN', column: name });
      }
      if (index === undefined && byLowerName.has(name.toLowerCase())) {
        index = byLowerName.get(name.toLowerCase());
        this.notes.push({ ruleId: 'GW-COLUMN-NAME-CASE', column: name });
      }
      if (index === undefined) {
        this.extraColumns.push({ position, name });
        return;
      }
      if (this.sourceIndex[index] !== -1) {
        throw new IngestError(`column "${name}" appears twice (also column ${this.sourceIndex[index] + 1}) as ${this.columns[index].name}`, file, 1, position + 1);
      }
      this.sourceIndex[index] = position;
      this.present.add(this.columns[index].name);
    });
    const missing = this.columns.filter((column) => column.essential && !this.present.has(column.name)).map((column) => column.name);
    if (missing.length > 0) {
      throw new IngestError(
        `this is not a FOCUS ${dataset === 'CostAndUsage' ? 'Cost and Usage' : 'Contract Commitment'} file: it has no ${missing.join(', ')} column${missing.length > 1 ? 's' : ''}`,
        file,
        1,
      );
    }
    this.focusVersion = dataset === 'CostAndUsage' ? detectFocusVersion(this.present) : '1.3';
  }
}

const REPAIR_RULES: Record<Repair, GatewayRuleId> = {
  'number-formatting': 'GW-NUMBER-FORMAT',
  precision: 'GW-PRECISION',
  'time-rollover': 'GW-TIME-ROLLOVER',
};

/**
 * Besides the essential columns, the values without which a row cannot be attributed or totalled: whose bill it is,
 * in which currency, and what kind of charge. Other mandatory values that are null (the FOCUS 1.2 examples leave
 * ServiceCategory empty on purchases) leave the row usable and are reported by the conformance rules.
 */
const REQUIRED_WHEN_PRESENT = new Set(['BillingAccountId', 'BillingCurrency', 'ChargeCategory', 'ContractId']);

const PARSERS: Record<FocusColumn['type'], ((text: string) => Parsed<unknown>) | null> = {
  string: null,
  decimal: parseDecimal,
  datetime: parseDateTime,
  json: parseJson,
};

export class RowNormalizer {
  readonly #parsers: (((text: string) => Parsed<unknown>) | null)[];
  /** Catalog indices of columns a row cannot be used without when the file has them. */
  readonly #required: boolean[];
  readonly #derivedProviders: { target: number; sources: number[] }[] = [];

  constructor(
    readonly mapping: HeaderMapping,
    private readonly file: string,
    private readonly findings: FindingCollector,
  ) {
    const { columns } = mapping;
    this.#parsers = columns.map((column) => {
      const parse = PARSERS[column.type];
      return parse !== null && (column.type === 'datetime' || column.type === 'json') ? withRecentResults(parse) : parse;
    });
    this.#required = columns.map((column) => column.essential === true || REQUIRED_WHEN_PRESENT.has(column.name));
    if (mapping.dataset === 'CostAndUsage') {
      const [provider, publisher, serviceProvider, hostProvider] = ['ProviderName', 'PublisherName', 'ServiceProviderName', 'HostProviderName'].map((name) =>
        columnIndex('CostAndUsage', name),
      );
      // FOCUS 1.3 replaced ProviderName with ServiceProviderName; a host provider equals the service provider unless
      // the data says otherwise.
      if (!mapping.present.has('ServiceProviderName')) this.#derivedProviders.push({ target: serviceProvider, sources: [provider, publisher] });
      if (!mapping.present.has('HostProviderName')) this.#derivedProviders.push({ target: hostProvider, sources: [serviceProvider] });
    }
  }

  /** Parses one row; throws an IngestError naming line and column when the row is unusable. */
  normalize(cells: string[], line: number): NormalizedRow {
    const { columns, sourceIndex, names, extraColumns } = this.mapping;
    if (cells.length !== names.length) {
      throw new IngestError(`expected ${names.length} fields as in the header, found ${cells.length}`, this.file, line, null);
    }
    const count = columns.length;
    const text: (string | null)[] = new Array(count);
    const value: unknown[] = new Array(count);
    for (let index = 0; index < count; index++) {
      const position = sourceIndex[index];
      const cell = position === -1 ? '' : cells[position];
      if (isNullToken(cell)) {
        text[index] = null;
        value[index] = null;
        if (position !== -1 && this.#required[index]) {
          throw new IngestError(`${columns[index].name} is empty, but FOCUS requires a value in every row`, this.file, line, position + 1);
        }
        continue;
      }
      text[index] = cell;
      const parse = this.#parsers[index];
      if (parse === null) {
        value[index] = cell;
        continue;
      }
      const parsed = parse(columns[index].type === 'json' ? cell : cell.trim());
      if (!parsed.ok) throw new IngestError(`${columns[index].name}: ${parsed.error}`, this.file, line, position + 1);
      if (parsed.repaired) this.findings.record(REPAIR_RULES[parsed.repaired], line, columns[index].name, cell);
      value[index] = parsed.value;
    }
    for (const { target, sources } of this.#derivedProviders) {
      const source = sources.find((index) => value[index] !== null);
      if (source === undefined) continue;
      value[target] = value[source];
      text[target] = text[source];
    }
    let extra: Record<string, string> | null = null;
    for (const { position, name } of extraColumns) {
      const cell = cells[position];
      if (isNullToken(cell)) continue;
      (extra ??= {})[name] = cell;
    }
    return { text, value, extra };
  }

  /** Notes about the header itself, recorded once per file. */
  recordHeaderNotes(): void {
    for (const note of this.mapping.notes) this.findings.record(note.ruleId, 1, note.column, null);
    if (this.#derivedProviders.length > 0) {
      this.findings.record('GW-DERIVED-PROVIDER', 1, this.#derivedProviders.map(({ target }) => this.mapping.columns[target].name).join(', '), null);
    }
  }
}
