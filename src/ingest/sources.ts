/**
 * Readers for the file formats providers export: CSV (plain or gzip) and Parquet. Each streams rows of cell text into
 * a sink, so memory stays flat however large the file; Parquet values are turned into the text a CSV export of the
 * same data would hold, so one normalizer serves every format.
 */
import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import Papa from 'papaparse';
import { asyncBufferFromFile, parquetMetadataAsync, parquetRead, parquetSchema } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';

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

async function readCsv(file: string, gzipped: boolean, sink: RowSink, hash: Hash, progress?: ProgressCallback): Promise<void> {
  const { size } = await stat(file);
  const raw = createReadStream(file, { highWaterMark: 1 << 20 });
  let bytesRead = 0;
  raw.on('data', (chunk) => {
    hash.update(chunk);
    bytesRead += chunk.length;
    progress?.(bytesRead, size);
  });
  const text = gzipped ? raw.pipe(createGunzip()) : raw;
  let line = 1;
  let isHeader = true;
  await new Promise<void>((resolve, reject) => {
    let failed = false;
    const fail = (error: unknown) => {
      failed = true;
      raw.destroy();
      reject(error);
    };
    text.on('error', (error: Error) => fail(new Error(`cannot read ${gzipped ? 'gzip ' : ''}file: ${error.message}`)));
    Papa.parse<string[]>(text as unknown as File, {
      skipEmptyLines: true,
      step(result, parser) {
        if (failed) return;
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
