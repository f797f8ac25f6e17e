/**
 * A file being written by an export: synchronous writes (the writer runs in its own thread, where blocking is
 * harmless and keeps memory flat: nothing queues up behind a slow disk), a running SHA-256 of the bytes, and a sync to
 * disk before the file is declared whole.
 */
import { createHash, type Hash } from 'node:crypto';
import { closeSync, fdatasyncSync, openSync, writeSync } from 'node:fs';

export interface WrittenFile {
  byteSize: number;
  sha256: string;
}

export class FileSink {
  readonly #fd: number;
  readonly #hash: Hash = createHash('sha256');
  #bytes = 0;
  #closed = false;

  /** Creates `file`; an existing file is an error, so two writers never share one. */
  constructor(readonly file: string) {
    this.#fd = openSync(file, 'wx');
  }

  write(data: Uint8Array): void {
    let offset = 0;
    while (offset < data.length) offset += writeSync(this.#fd, data, offset, data.length - offset);
    this.#hash.update(data);
    this.#bytes += data.length;
  }

  /** Flushes the file to disk and closes it. */
  close(): WrittenFile {
    fdatasyncSync(this.#fd);
    this.#closed = true;
    closeSync(this.#fd);
    return { byteSize: this.#bytes, sha256: this.#hash.digest('hex') };
  }

  /** Closes without syncing, after a failure; the caller removes the file. */
  abandon(): void {
    if (this.#closed) return;
    this.#closed = true;
    closeSync(this.#fd);
  }
}
