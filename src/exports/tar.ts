/**
 * A POSIX ustar archive of finished files, written straight into a sink: what an export with its Contract Commitment
 * rows downloads as. Uncompressed, so it streams and resumes (HTTP ranges) like any file; readable by tar, bsdtar,
 * 7-Zip and Python's tarfile. Sizes from 8 GiB up use the base-256 size field those readers all accept.
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import path from 'node:path';
import type { FileSink } from './file-sink.ts';

const BLOCK = 512;
const OCTAL_SIZE_LIMIT = 8 ** 11;

function writeText(header: Buffer, offset: number, length: number, text: string): void {
  header.write(text, offset, length, 'utf8');
}

function writeOctal(header: Buffer, offset: number, length: number, value: number): void {
  writeText(header, offset, length - 1, value.toString(8).padStart(length - 1, '0'));
}

function writeSize(header: Buffer, size: number): void {
  if (size < OCTAL_SIZE_LIMIT) return writeOctal(header, 124, 12, size);
  // Base-256: the high bit of the first byte set, then the size big-endian.
  header[124] = 0x80;
  let rest = BigInt(size);
  for (let index = 135; index > 124; index--) {
    header[index] = Number(rest & 0xffn);
    rest >>= 8n;
  }
}

export function tarHeader(name: string, size: number, modified: Date): Buffer {
  if (Buffer.byteLength(name) > 100) throw new Error(`tar entry name too long: ${name}`);
  const header = Buffer.alloc(BLOCK);
  writeText(header, 0, 100, name);
  writeOctal(header, 100, 8, 0o644);
  writeOctal(header, 108, 8, 0);
  writeOctal(header, 116, 8, 0);
  writeSize(header, size);
  writeOctal(header, 136, 12, Math.floor(modified.getTime() / 1000));
  header.fill(' ', 148, 156);
  header.write('0', 156);
  writeText(header, 257, 6, 'ustar');
  writeText(header, 263, 2, '00');
  let checksum = 0;
  for (const byte of header) checksum += byte;
  writeText(header, 148, 8, `${checksum.toString(8).padStart(6, '0')}\0 `);
  return header;
}

/** Writes `files` into the sink as one archive, each under its base name. */
export function writeTar(sink: FileSink, files: readonly string[], modified = new Date()): void {
  const chunk = Buffer.allocUnsafe(1 << 20);
  for (const file of files) {
    const size = statSync(file).size;
    sink.write(tarHeader(path.basename(file), size, modified));
    const fd = openSync(file, 'r');
    try {
      let copied = 0;
      while (copied < size) {
        const read = readSync(fd, chunk, 0, Math.min(chunk.length, size - copied), copied);
        if (read === 0) throw new Error(`${file} ended before its ${size} bytes`);
        sink.write(chunk.subarray(0, read));
        copied += read;
      }
    } finally {
      closeSync(fd);
    }
    const padding = (BLOCK - (size % BLOCK)) % BLOCK;
    if (padding > 0) sink.write(Buffer.alloc(padding));
  }
  sink.write(Buffer.alloc(2 * BLOCK));
}
