/**
 * The hand-written SQL that renders cost rows as CSV text inside SQLite, a chunk of consecutive ids at a time: the
 * export hands SQLite's text to the file as it is, instead of first turning each of a row's 65 values into a
 * JavaScript value (which is what capped the row loop). The text is byte for byte what CsvWriter (formats.ts) writes
 * for the same rows; a test holds the two against each other on awkward values. Per column type:
 *
 * - Strings are written as stored when none of the row's strings needs quoting. That is checked once per row, on the
 *   row's strings joined with U+007F before, between and after them: json_quote escapes `"`, `\` and every character
 *   below U+0020, so its text is exactly two bytes longer only when there is none of those; GLOB finds commas and a
 *   space next to a separator (at either end of a value), or a value starting with `=`, `+`, `-` or `@` (which CsvWriter
 *   neutralises). Any of these (or a U+007F in a value) sends the row to
 *   CsvWriter's own code (csv_row_text), which then decides cell by cell.
 * - Decimals: 0 as `0`; printf('%.15g', x) when it reads back as the same double and 1e-4 <= |x| < 1e15 (where %g
 *   prints plain digits, no trailing zeros); otherwise decimalText (csv_decimal_text). That is String(x). Proof:
 *   String(x) is the shortest decimal that reads back as x. In that range x is a normal double, so the decimals that
 *   read back as x lie in an interval of width at most 2^-52 |x| (about 2.2e-16 |x|), while two decimals of at most 15
 *   significant digits are at least about 1e-15 |x| apart: at most one of them reads back as x. When printf's text
 *   does (SQLite reads up to 19 significant digits correctly rounded), String(x) has at most 15 digits as well and so
 *   is that same decimal, printed the same way. Money is never rounded: a text that does not read back as x is not
 *   used.
 * - Date-times (epoch milliseconds): datetime(ms / 1000, 'unixepoch'), which is toISOString's date and time, with `T`
 *   and `Z` and the milliseconds only when there are some, for integers from 1970 to the end of 9999; other values
 *   go to dateTimeText (csv_date_time_text).
 * - JSON columns: always quoted, `"` doubled.
 *
 * SQLite-specific (printf, datetime, json_quote, GLOB, NOT INDEXED); a PostgreSQL backend needs its own rendering.
 */
import type Database from 'better-sqlite3';
import type { SqliteDatabase } from '../db/sqlite.ts';
import { COST_AND_USAGE_COLUMNS, type FocusColumn } from '../focus/columns.ts';
import { COST_RECORD_ALIAS } from '../query/cost-records.ts';
import type { SqlFragment } from '../query/sql.ts';
import { csvRowText, dateTimeText, decimalText } from './formats.ts';

/** Joins a row's strings for the quoting check; a value holding it is merely checked cell by cell. */
const SEPARATOR = '\u007f';
/** Epoch milliseconds of 10000-01-01: datetime() prints four-digit years only. */
const YEAR_10000 = 253_402_300_800_000;

/**
 * Readies a connection for the chunk SQL: the JavaScript functions it falls back to (CsvWriter's own formatting), and
 * a page cache of 2 MB instead of 16: chunks read each page once, so a larger cache holds nothing worth keeping.
 */
export function prepareCsvConnection(db: SqliteDatabase): void {
  db.pragma('cache_size = -2048');
  db.function('csv_decimal_text', { deterministic: true }, (value: unknown) => decimalText(value as number));
  db.function('csv_date_time_text', { deterministic: true }, (value: unknown) => dateTimeText(value as number));
  const rowText = csvRowText(COST_AND_USAGE_COLUMNS);
  db.function('csv_row_text', { deterministic: true, varargs: true }, (...row: unknown[]) => rowText(row));
}

function cellSql(column: FocusColumn, value: string): string {
  switch (column.type) {
    case 'string':
      return value;
    case 'json':
      return `'"' || replace(${value}, '"', '""') || '"'`;
    case 'decimal': {
      const text = `printf('%.15g', ${value})`;
      const plain = `(${value} >= 0.0001 AND ${value} < 1e15 OR ${value} <= -0.0001 AND ${value} > -1e15)`;
      return `CASE WHEN ${value} = 0 THEN '0' WHEN ${plain} AND CAST(${text} AS REAL) = ${value} THEN ${text} WHEN ${value} IS NOT NULL THEN csv_decimal_text(${value}) END`;
    }
    case 'datetime': {
      const dateTime = `replace(datetime(${value} / 1000, 'unixepoch'), ' ', 'T')`;
      return `CASE WHEN ${value} IS NULL THEN NULL
        WHEN typeof(${value}) = 'integer' AND ${value} >= 0 AND ${value} < ${YEAR_10000}
          THEN ${dateTime} || CASE WHEN ${value} % 1000 = 0 THEN 'Z' ELSE '.' || substr(1000 + ${value} % 1000, 2) || 'Z' END
        ELSE csv_date_time_text(${value}) END`;
    }
  }
}

/**
 * One chunk: the cost rows matching `where` with ids in [?1, ?2), then `where`'s parameters. Gives the row count,
 * their ids in the order their lines come (checked by the caller: group_concat keeps the order rows arrive in, which
 * SQLite does not promise) and their CSV lines as one blob. NOT INDEXED keeps SQLite to the id range: an index chosen
 * for the filter would be walked in full for every chunk. The subquery's ORDER BY and LIMIT keep it from being merged
 * into the outer query, which would build the joined strings once per use.
 */
function costCsvChunkSql(where: SqlFragment): string {
  const alias = COST_RECORD_ALIAS;
  const columns = COST_AND_USAGE_COLUMNS;
  const strings = columns.filter((column) => column.type === 'string').map((column) => `${alias}.${column.dbColumn}`);
  const line = `concat(${columns.map((column) => cellSql(column, `${alias}.${column.dbColumn}`)).join(", ',', ")}, char(10))`;
  const noQuoting = `octet_length(json_quote(chunk.strings)) = octet_length(chunk.strings) + 2
    AND NOT chunk.strings GLOB '*,*' AND NOT chunk.strings GLOB '* ${SEPARATOR}*' AND NOT chunk.strings GLOB '*${SEPARATOR} *'
    AND NOT chunk.strings GLOB '*${SEPARATOR}[=+@-]*'`;
  const byJavaScript = `(SELECT csv_row_text(${columns.map((column) => `stored.${column.dbColumn}`).join(', ')}) FROM cost_records stored WHERE stored.id = chunk.id)`;
  return `SELECT count(*), group_concat(chunk.id), CAST(group_concat(CASE WHEN ${noQuoting} THEN chunk.line ELSE ${byJavaScript} END, '') AS BLOB)
    FROM (SELECT ${alias}.id, concat_ws('${SEPARATOR}', '', ${strings.join(', ')}, '') AS strings, ${line} AS line
          FROM cost_records ${alias} NOT INDEXED
          WHERE ${alias}.id >= ? AND ${alias}.id < ? AND (${where.sql})
          ORDER BY ${alias}.id LIMIT -1) AS chunk`;
}

export interface CsvChunk {
  rows: number;
  /** The rows' CSV lines; empty when no row of the chunk matches. */
  text: Buffer;
}

/** Reads chunks of the cost rows matching `where` as CSV text, on a connection readied by prepareCsvConnection. */
export function costCsvChunks(db: SqliteDatabase, where: SqlFragment): (firstId: number, endId: number) => CsvChunk {
  const statement = db.prepare<unknown[], [number, string | null, Buffer | null]>(costCsvChunkSql(where)).raw(true) as Database.Statement<unknown[], [number, string | null, Buffer | null]>;
  return (firstId, endId) => {
    const [rows, ids, text] = statement.get(firstId, endId, ...where.params)!;
    if (rows === 0) return { rows, text: Buffer.alloc(0) };
    let previous = -Infinity;
    for (const id of ids!.split(',')) {
      if (Number(id) <= previous) throw new Error(`SQLite gave the rows of ids ${firstId} to ${endId - 1} out of order`);
      previous = Number(id);
    }
    return { rows, text: text! };
  };
}

/**
 * The lowest and highest id of the whole cost_records table, or null when it is empty: the ids chunks are cut from.
 * Of the table itself (`main`), not of a key's scope (auth/scope.ts): the chunks only frame rows the scope selects,
 * and the table's bounds come from its primary key at once.
 */
export function costRecordIdRange(db: SqliteDatabase): { first: number; last: number } | null {
  const { first, last } = db.prepare('SELECT min(id) AS first, max(id) AS last FROM main.cost_records').get() as { first: number | null; last: number | null };
  return first === null || last === null ? null : { first, last };
}
