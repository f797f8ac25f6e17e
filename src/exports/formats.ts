/**
 * The export file formats. Every format has the FOCUS column names, in catalog order, and prints values so that they
 * read back as stored:
 *
 * - CSV: a header row, then one line per row (LF line ends, RFC 4180 quoting). Null is an empty cell; a string is
 *   quoted when it holds `"`, a comma, CR or LF, or starts or ends with a character up to U+0020. A string starting
 *   with `=`, `+`, `-` or `@` is written with a `'` before it, so that a spreadsheet opening the file shows it as text
 *   instead of running it as a formula (CSV injection; the OWASP recommendation). Money and
 *   quantities print as the decimal they were ingested as (a stored double prints back its source decimal, never in
 *   exponent form); date-times as `2026-01-01T00:00:00Z` (milliseconds only when present); JSON columns as their JSON
 *   text, always quoted. Cost rows are mostly rendered by SQLite instead (csv-sql.ts), to the same bytes; CsvWriter
 *   writes the rest (sparse selections, Contract Commitment rows) and every row SQLite leaves to it.
 * - JSON: JSON Lines (`.jsonl`), one object per row with every column as a key, in catalog order, null included;
 *   decimals as JSON numbers with the same digits as in CSV; date-times as strings; JSON columns as JSON values.
 * - Parquet: money and quantities as DOUBLE (exactly the stored value), date-times as TIMESTAMP (UTC, milliseconds),
 *   strings and JSON columns as UTF-8 strings; columns the gateway always has are REQUIRED, the others OPTIONAL.
 *   Written a row group at a time, so memory stays flat whatever the row count.
 */
import { ByteWriter, ParquetWriter, type SchemaElement } from 'hyparquet-writer';
import { ExactDecimal } from '../db/sqlite.ts';
import { FOCUS_VERSION, type FocusColumn } from '../focus/columns.ts';
import type { FileSink } from './file-sink.ts';
import type { ExportFormat } from './params.ts';

export const FILE_EXTENSION: Record<ExportFormat, string> = { CSV: 'csv', PARQUET: 'parquet', JSON: 'jsonl' };
export const CONTENT_TYPE: Record<ExportFormat, string> = {
  CSV: 'text/csv; charset=utf-8',
  PARQUET: 'application/vnd.apache.parquet',
  JSON: 'application/x-ndjson; charset=utf-8',
};
export const BUNDLE_EXTENSION = 'tar';
export const BUNDLE_CONTENT_TYPE = 'application/x-tar';

/** Rows per Parquet row group: large enough for good compression, small enough to keep a group's values in memory. */
export const PARQUET_ROW_GROUP_ROWS = 10_000;
/** Text is handed to the file in pieces of about this many characters. */
const TEXT_FLUSH_CHARACTERS = 1 << 20;

/** A table being written: rows are arrays of stored values in catalog order (as `SELECT` of the columns returns them). */
export interface TableWriter {
  writeRow(row: readonly unknown[]): void;
  finish(): void;
}

/**
 * The decimal a stored double was ingested as. String() gives the shortest text that reads back as the same double,
 * which for a source of up to 15 significant digits is that source; only its exponent form (below 1e-6 and from 1e21)
 * is rewritten as plain digits.
 */
export function decimalText(value: number): string {
  const text = String(value);
  return value !== 0 && (Math.abs(value) < 1e-6 || Math.abs(value) >= 1e21) ? new ExactDecimal(text).toFixed() : text;
}

/** FOCUS date-time text: `2026-01-01T00:00:00Z`, with milliseconds only when the value has them. */
export function dateTimeText(epochMs: number): string {
  const iso = new Date(epochMs).toISOString();
  return epochMs % 1000 === 0 ? `${iso.slice(0, -5)}Z` : iso;
}

/** Billing rows repeat a few date-times (every row of an hour, of a month) thousands of times. */
function cachedDateTimeText(): (epochMs: number) => string {
  let cache = new Map<number, string>();
  return (epochMs) => {
    let text = cache.get(epochMs);
    if (text === undefined) {
      if (cache.size >= 4096) cache = new Map();
      text = dateTimeText(epochMs);
      cache.set(epochMs, text);
    }
    return text;
  };
}

/** Collects text and hands it to the sink as UTF-8 in large pieces. */
class TextOutput {
  #parts: string[] = [];
  #characters = 0;
  constructor(private readonly sink: FileSink) {}

  push(text: string): void {
    this.#parts.push(text);
    this.#characters += text.length;
    if (this.#characters >= TEXT_FLUSH_CHARACTERS) this.flush();
  }

  flush(): void {
    if (this.#parts.length === 0) return;
    this.sink.write(Buffer.from(this.#parts.join('')));
    this.#parts = [];
    this.#characters = 0;
  }
}

const NEEDS_QUOTES = /[",\r\n]/;
/** Cells a spreadsheet would read as a formula. Tab and CR, also on OWASP's list, already make a cell quoted. */
const FORMULA_START = /^[=+\-@]/;
const quoted = (text: string) => `"${text.replaceAll('"', '""')}"`;

function csvCell(column: FocusColumn): (value: unknown) => string {
  switch (column.type) {
    case 'decimal':
      return (value) => decimalText(value as number);
    case 'datetime': {
      const text = cachedDateTimeText();
      return (value) => text(value as number);
    }
    case 'json':
      return (value) => quoted(value as string);
    case 'string':
      // Quoting values with edge spaces too keeps readers that trim unquoted cells from changing them.
      return (value) => {
        const text = FORMULA_START.test(value as string) ? `'${value as string}` : (value as string);
        return NEEDS_QUOTES.test(text) || text.charCodeAt(0) <= 32 || text.charCodeAt(text.length - 1) <= 32 ? quoted(text) : text;
      };
  }
}

/** The CSV header line of a table: its FOCUS column names. */
export const csvHeader = (columns: readonly FocusColumn[]) => `${columns.map((column) => column.name).join(',')}\n`;

/** Formats one row (stored values in catalog order) as its CSV line, line end included. */
export function csvRowText(columns: readonly FocusColumn[]): (row: readonly unknown[]) => string {
  const cells = columns.map(csvCell);
  const line = new Array<string>(columns.length);
  return (row) => {
    for (let index = 0; index < cells.length; index++) {
      const value = row[index];
      line[index] = value === null ? '' : cells[index](value);
    }
    return `${line.join(',')}\n`;
  };
}

class CsvWriter implements TableWriter {
  readonly #output: TextOutput;
  readonly #rowText: (row: readonly unknown[]) => string;

  constructor(columns: readonly FocusColumn[], sink: FileSink) {
    this.#output = new TextOutput(sink);
    this.#rowText = csvRowText(columns);
    this.#output.push(csvHeader(columns));
  }

  writeRow(row: readonly unknown[]): void {
    this.#output.push(this.#rowText(row));
  }

  finish(): void {
    this.#output.flush();
  }
}

function jsonValue(column: FocusColumn): (value: unknown) => string {
  switch (column.type) {
    case 'decimal':
      return (value) => decimalText(value as number);
    case 'datetime': {
      const text = cachedDateTimeText();
      return (value) => `"${text(value as number)}"`;
    }
    case 'json':
      // Stored JSON text was checked at ingest; text spread over several lines is re-serialised to keep one row a line.
      return (value) => {
        const text = value as string;
        return text.includes('\n') || text.includes('\r') ? JSON.stringify(JSON.parse(text)) : text;
      };
    case 'string':
      return (value) => JSON.stringify(value);
  }
}

class JsonLinesWriter implements TableWriter {
  readonly #output: TextOutput;
  readonly #values: ((value: unknown) => string)[];
  /** `{"Name":`, value, `,"Name":`, value, ...: each row fills in the values between the fixed keys. */
  readonly #line: string[];

  constructor(columns: readonly FocusColumn[], sink: FileSink) {
    this.#output = new TextOutput(sink);
    this.#values = columns.map(jsonValue);
    this.#line = columns.flatMap((column, index) => [`${index === 0 ? '{' : ','}${JSON.stringify(column.name)}:`, '']);
    this.#line.push('}\n');
  }

  writeRow(row: readonly unknown[]): void {
    const line = this.#line;
    const values = this.#values;
    for (let index = 0; index < values.length; index++) {
      const value = row[index];
      line[2 * index + 1] = value === null ? 'null' : values[index](value);
    }
    this.#output.push(line.join(''));
  }

  finish(): void {
    this.#output.flush();
  }
}

/** hyparquet-writer's byte buffer, emptied into the sink whenever it passes a megabyte. */
class SinkByteWriter extends ByteWriter {
  constructor(private readonly sink: FileSink) {
    super(1 << 20);
  }

  override ensure(size: number): void {
    if (this.index >= 1 << 20) this.flush();
    super.ensure(size);
  }

  flush(): void {
    if (this.index === 0) return;
    this.sink.write(new Uint8Array(this.buffer, 0, this.index));
    this.index = 0;
  }

  override finish(): void {
    this.flush();
  }
}

export function parquetSchema(columns: readonly FocusColumn[]): SchemaElement[] {
  return [
    { name: 'root', num_children: columns.length },
    ...columns.map((column): SchemaElement => {
      const repetition_type = column.essential ? 'REQUIRED' : 'OPTIONAL';
      switch (column.type) {
        case 'decimal':
          return { name: column.name, type: 'DOUBLE', repetition_type };
        case 'datetime':
          return {
            name: column.name,
            type: 'INT64',
            converted_type: 'TIMESTAMP_MILLIS',
            logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: true, unit: 'MILLIS' },
            repetition_type,
          };
        case 'string':
        case 'json':
          return { name: column.name, type: 'BYTE_ARRAY', converted_type: 'UTF8', logical_type: { type: 'STRING' }, repetition_type };
      }
    }),
  ];
}

class ParquetTableWriter implements TableWriter {
  readonly #byteWriter: SinkByteWriter;
  readonly #writer: ParquetWriter;
  readonly #columns: readonly FocusColumn[];
  readonly #isText: boolean[];
  #values: unknown[][];
  /**
   * UTF-8 bytes of each text value seen in the current row group, per column: a group's repeated values (accounts,
   * services, regions, tags) share one byte array instead of one per row.
   */
  readonly #encoded: Map<string, Uint8Array>[];
  readonly #encoder = new TextEncoder();
  #rows = 0;

  constructor(columns: readonly FocusColumn[], sink: FileSink, dataset: string) {
    this.#columns = columns;
    this.#byteWriter = new SinkByteWriter(sink);
    this.#writer = new ParquetWriter({
      writer: this.#byteWriter,
      schema: parquetSchema(columns),
      createdBy: 'focus-gateway',
      kvMetadata: [
        { key: 'focus_version', value: FOCUS_VERSION },
        { key: 'focus_dataset', value: dataset },
      ],
    });
    this.#isText = columns.map((column) => column.type === 'string' || column.type === 'json');
    this.#values = columns.map(() => []);
    this.#encoded = columns.map(() => new Map());
  }

  writeRow(row: readonly unknown[]): void {
    for (let index = 0; index < this.#values.length; index++) {
      let value = row[index];
      if (value !== null && this.#isText[index]) {
        const seen = this.#encoded[index];
        let bytes = seen.get(value as string);
        if (bytes === undefined) {
          bytes = this.#encoder.encode(value as string);
          seen.set(value as string, bytes);
        }
        value = bytes;
      }
      this.#values[index].push(value);
    }
    if (++this.#rows === PARQUET_ROW_GROUP_ROWS) this.#writeRowGroup();
  }

  #writeRowGroup(): void {
    const columnData = this.#columns.map((column, index) => ({ name: column.name, data: this.#values[index] }));
    // The sink writes synchronously, so the writer never returns a promise here.
    void this.#writer.write({ columnData, rowGroupSize: this.#rows });
    this.#values = this.#columns.map(() => []);
    for (const seen of this.#encoded) seen.clear();
    this.#rows = 0;
  }

  finish(): void {
    if (this.#rows > 0) this.#writeRowGroup();
    void this.#writer.finish();
  }
}

export function tableWriter(format: ExportFormat, columns: readonly FocusColumn[], sink: FileSink): TableWriter {
  switch (format) {
    case 'CSV':
      return new CsvWriter(columns, sink);
    case 'JSON':
      return new JsonLinesWriter(columns, sink);
    case 'PARQUET':
      return new ParquetTableWriter(columns, sink, columns[0].dataset);
  }
}
