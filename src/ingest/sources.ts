/**
 * Readers for the file formats providers export: CSV (plain or gzip) and Parquet. Each streams rows of cell text into
 * a sink, so memory stays flat however large the file; Parquet values are turned into the text a CSV export of the
 * same data would hold, so one normalizer serves every format.
 */
import { isUtf8 } from 'node:buffer';
import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { Transform } from 'node:stream';
import { createGunzip } from 'node:zlib';
import Papa from 'papaparse';
import { asyncBufferFromFile, parquetMetadataAsync, parquetRead, parquetSchema } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { IngestError } from './errors.ts';

export interface RowSink {
  header(names: string[]): void;
  /** `line` is the 1-based physical line (CSV) or row number counting the header as 1 (Parquet). */
  row(cells: string[], line: number): void;
}

export type ProgressCallback = (bytesDone: number, bytesTotal: number) => void;
export type FileFormat = 'csv' | 'csv.gz' | 'parquet';

export async function detectFormat(file: string): Promise<FileFormat> {
  const handle = await open(file, 'r');
  try {
    const head = Buffer.alloc(4);
    await handle.read(head, 0, 4, 0);
    if (head.toString('latin1') === 'PAR1') return 'parquet';
    if (head[0] === 0x1f && head[1] === 0x8b) return 'csv.gz';
    return 'csv';
  } finally {
    await handle.close();
  }
}

/** Streams a file's rows into the sink; returns its format and the SHA-256 of its bytes (the batch's identity). */
export async function readRows(file: string, sink: RowSink, progress?: ProgressCallback): Promise<{ format: FileFormat; checksum: string }> {
  const format = await detectFormat(file);
  const hash = createHash('sha256');
  if (format === 'parquet') {
    // Parquet is read by random access, so its bytes are hashed in a pass of their own.
    for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
    await readParquet(file, sink, progress);
  } else {
    await readCsv(file, format === 'csv.gz', sink, hash, progress);
  }
  return { format, checksum: hash.digest('hex') };
}

function countLineBreaks(cells: string[]): number {
  let breaks = 0;
  for (const cell of cells) {
    if (cell.indexOf('\n') === -1 && cell.indexOf('\r') === -1) continue;
    breaks += cell.replaceAll('\r\n', '\n').split(/[\r\n]/).length - 1;
  }
  return breaks;
}

/**
 * A row (its text from one row's end to the next) longer than this is refused: a file without line breaks, or a quote
 * that never closes, would otherwise be read into memory whole.
 */
export const MAX_ROW_CHARS = 16 * 1024 * 1024;

/** The least text handed to the CSV parser at once (except at the end of the file). */
const PARSE_CHUNK_CHARS = 1 << 20;

/** Where a chunk's bytes end on a character boundary: a character split by the chunk's end waits for the next one. */
function wholeCharactersEnd(bytes: Buffer): number {
  for (let back = 1; back <= Math.min(3, bytes.length); back++) {
    const byte = bytes[bytes.length - back];
    if ((byte & 0xc0) === 0x80) continue;
    const length = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return length > back ? bytes.length - back : bytes.length;
  }
  return bytes.length;
}

function countLineFeeds(text: string): number {
  let count = 0;
  for (let at = text.indexOf('\n'); at !== -1; at = text.indexOf('\n', at + 1)) count++;
  return count;
}

/**
 * Decodes CSV bytes as UTF-8, chunk by chunk, keeping a character whose bytes straddle two chunks whole (decoding each
 * chunk alone would turn it into two U+FFFD). Bytes that are not UTF-8, such as a Latin-1 or UTF-16 export, are an
 * IngestError naming the line, never text quietly changed. `rowDone` is told of each parsed row, so that a row longer
 * than MAX_ROW_CHARS is refused before it fills memory.
 */
function utf8Text(file: string, currentLine: () => number): { stream: Transform; rowDone(): void } {
  let pending = Buffer.alloc(0);
  let bytesBefore = 0;
  let lineFeedsBefore = 0;
  let charsSinceRow = 0;
  const notUtf8 = (bytes: Buffer): IngestError => {
    if (bytesBefore === 0 && bytes.length >= 2 && ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff))) {
      return new IngestError('the file is UTF-16 text; FOCUS files are UTF-8 (convert it first, for example with iconv -f UTF-16 -t UTF-8)', file, 1);
    }
    // The first U+FFFD of a lossy decoding that the bytes do not spell out themselves (EF BF BD) marks the bad byte.
    const lossy = bytes.toString('utf8');
    let at = lossy.indexOf('\ufffd');
    let offset = Buffer.byteLength(lossy.slice(0, at));
    while (at !== -1 && bytes[offset] === 0xef && bytes[offset + 1] === 0xbf && bytes[offset + 2] === 0xbd) {
      at = lossy.indexOf('\ufffd', at + 1);
      offset = Buffer.byteLength(lossy.slice(0, at));
    }
    const line = lineFeedsBefore + countLineFeeds(lossy.slice(0, at)) + 1;
    const byte = (bytes[offset] ?? 0).toString(16).toUpperCase().padStart(2, '0');
    return new IngestError(
      `this line is not UTF-8 text (byte 0x${byte} at offset ${bytesBefore + offset} of the file); FOCUS files are UTF-8, so convert a Latin-1 or Windows-1252 export first (for example with iconv -f WINDOWS-1252 -t UTF-8)`,
      file,
      line,
    );
  };
  const decode = (bytes: Buffer): string => {
    if (!isUtf8(bytes)) throw notUtf8(bytes);
    const text = bytes.toString('utf8');
    bytesBefore += bytes.length;
    lineFeedsBefore += countLineFeeds(text);
    charsSinceRow += text.length;
    if (charsSinceRow > MAX_ROW_CHARS) {
      throw new IngestError(`the row starting on this line is longer than ${MAX_ROW_CHARS / 1024 / 1024} MiB: a quote that never closes, or not a CSV file`, file, currentLine());
    }
    return text;
  };
  // Papa parses a row split between chunks again from its start with each chunk, so small chunks (gunzip writes 16 KiB
  // ones) make a long row cost quadratic time: text is handed on in pieces of at least PARSE_CHUNK_CHARS.
  let held: string[] = [];
  let heldChars = 0;
  const hold = (text: string) => {
    held.push(text);
    heldChars += text.length;
  };
  const handOn = (): string => {
    const text = held.join('');
    held = [];
    heldChars = 0;
    return text;
  };
  const stream = new Transform({
    readableObjectMode: true,
    // Papa parses each piece as it arrives, so a row's length is known within a piece or two.
    readableHighWaterMark: 1,
    transform(chunk: Buffer, _encoding, callback) {
      try {
        const bytes = pending.length > 0 ? Buffer.concat([pending, chunk]) : chunk;
        const end = wholeCharactersEnd(bytes);
        pending = Buffer.from(bytes.subarray(end));
        hold(decode(bytes.subarray(0, end)));
        callback(null, heldChars >= PARSE_CHUNK_CHARS ? handOn() : undefined);
      } catch (error) {
        callback(error as Error);
      }
    },
    flush(callback) {
      try {
        if (pending.length > 0) hold(decode(pending));
        callback(null, heldChars > 0 ? handOn() : undefined);
      } catch (error) {
        callback(error as Error);
      }
    },
  });
  return { stream, rowDone: () => (charsSinceRow = 0) };
}

async function readCsv(file: string, gzipped: boolean, sink: RowSink, hash: Hash, progress?: ProgressCallback): Promise<void> {
  const { size } = await stat(file);
  const raw = createReadStream(file, { highWaterMark: 1 << 20 });
  let bytesRead = 0;
  raw.on('data', (chunk) => {
    hash.update(chunk);
    bytesRead += chunk.length;
    progress?.(bytesRead, size);
  });
  let line = 1;
  let isHeader = true;
  const utf8 = utf8Text(file, () => line);
  const bytes = gzipped ? raw.pipe(createGunzip()) : raw;
  const text = bytes.pipe(utf8.stream);
  await new Promise<void>((resolve, reject) => {
    let failed = false;
    const fail = (error: unknown) => {
      failed = true;
      raw.destroy();
      reject(error);
    };
    const unreadable = (error: Error) => fail(new Error(`cannot read ${gzipped ? 'gzip ' : ''}file: ${error.message}`));
    raw.on('error', unreadable);
    if (gzipped) bytes.on('error', unreadable);
    text.on('error', (error: Error) => (error instanceof IngestError ? fail(error) : unreadable(error)));
    Papa.parse<string[]>(text as unknown as File, {
      skipEmptyLines: true,
      step(result, parser) {
        if (failed) return;
        utf8.rowDone();
        const cells = result.data;
        try {
          if (isHeader) {
            if (cells.length > 0 && cells[0].charCodeAt(0) === 0xfeff) cells[0] = cells[0].slice(1);
            sink.header(cells);
            isHeader = false;
          } else {
            sink.row(cells, line);
          }
          line += 1 + countLineBreaks(cells);
        } catch (error) {
          fail(error);
          parser.abort();
        }
      },
      complete: () => {
        if (failed) return;
        if (isHeader) reject(new Error('the file is empty: no header row'));
        else resolve();
      },
      error: (error: Error) => fail(error),
    });
  });
}

function parquetCellText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return String(value);
  if (value instanceof Date) return value.toISOString().replace('.000Z', 'Z');
  // Map and struct columns (AWS writes Tags as map<string,string>) become the JSON object FOCUS describes.
  return JSON.stringify(value, (_key, inner) => (typeof inner === 'bigint' ? Number(inner) : inner));
}

async function readParquet(file: string, sink: RowSink, progress?: ProgressCallback): Promise<void> {
  const buffer = await asyncBufferFromFile(file);
  const metadata = await parquetMetadataAsync(buffer);
  const names = parquetSchema(metadata).children.map((child) => child.element.name);
  // hyparquet reads every column chunk but awaits only those of columns in the schema: a chunk that names another
  // (a damaged footer) fails unobserved, an unhandled rejection that would end the process.
  metadata.row_groups.forEach((group, index) => {
    for (const chunk of group.columns) {
      const name = chunk.meta_data?.path_in_schema[0];
      if (name === undefined || !names.includes(name)) throw new Error(`the Parquet footer is damaged: row group ${index + 1} has data for a column ${JSON.stringify(name ?? null)} that its schema does not have`);
    }
  });
  sink.header(names);
  let rowStart = 0;
  let line = 2;
  for (const group of metadata.row_groups) {
    const rowEnd = rowStart + Number(group.num_rows);
    await parquetRead({
      file: buffer,
      metadata,
      rowStart,
      rowEnd,
      compressors,
      onComplete: (rows: unknown[][]) => {
        for (const row of rows) sink.row(row.map(parquetCellText), line++);
      },
    });
    rowStart = rowEnd;
    progress?.(rowStart, Number(metadata.num_rows));
  }
}
