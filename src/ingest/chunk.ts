/**
 * Prepared rows travel from the parsing thread to the writing thread in chunks laid out for cheap transfer: all text
 * cells concatenated into one string with their lengths beside it, and all numbers in a Float64Array. Posting an
 * array of seventy strings per row costs more (structured clone) than parsing the row did; one string and two
 * transferable buffers per two thousand rows cost almost nothing.
 */
import { columnsOf, type DatasetId } from '../focus/columns.ts';

/** The row values the store writes, in the order of its INSERT: extra_columns, then the catalog's columns. */
export type StoredValue = string | number | null;

export interface ContractApplication {
  contractId: string | null;
  commitmentId: string;
  cost: number | null;
  quantity: number | null;
  unit: string | null;
}

export interface RowChunk {
  rows: number;
  text: string;
  /** Per text cell, its length in `text`, or -1 for null. */
  textLengths: Int32Array;
  numbers: Float64Array;
  /** Per number cell, 1 when null. */
  numberIsNull: Uint8Array;
  /** JSON of [row index in chunk, application][] for the rows whose ContractApplied names commitments. */
  applications: string;
  /** Source progress when the chunk was cut. */
  bytesDone: number;
  bytesTotal: number;
}

/** Which stored positions hold numbers (decimals and epoch-ms date-times); the rest hold text. */
export function storedLayout(dataset: DatasetId): { width: number; isNumber: boolean[] } {
  const isNumber = [false, ...columnsOf(dataset).map((column) => column.type === 'decimal' || column.type === 'datetime')];
  return { width: isNumber.length, isNumber };
}

export const CHUNK_ROWS = 2_000;

export class ChunkWriter {
  readonly #isNumber: boolean[];
  readonly #textCells: number;
  readonly #numberCells: number;
  #rows = 0;
  #text: string[] = [];
  #textLengths: Int32Array;
  #numbers: Float64Array;
  #numberIsNull: Uint8Array;
  #applications: [number, ContractApplication][] = [];

  constructor(dataset: DatasetId) {
    this.#isNumber = storedLayout(dataset).isNumber;
    this.#numberCells = this.#isNumber.filter(Boolean).length;
    this.#textCells = this.#isNumber.length - this.#numberCells;
    [this.#textLengths, this.#numbers, this.#numberIsNull] = this.#buffers();
  }

  #buffers(): [Int32Array, Float64Array, Uint8Array] {
    return [new Int32Array(CHUNK_ROWS * this.#textCells), new Float64Array(CHUNK_ROWS * this.#numberCells), new Uint8Array(CHUNK_ROWS * this.#numberCells)];
  }

  get rows(): number {
    return this.#rows;
  }

  /** Adds one row of stored values (StoredValue per position of storedLayout); returns true when the chunk is full. */
  add(values: readonly StoredValue[], applications: readonly ContractApplication[]): boolean {
    let textCell = this.#rows * this.#textCells;
    let numberCell = this.#rows * this.#numberCells;
    for (let position = 0; position < values.length; position++) {
      const value = values[position];
      if (this.#isNumber[position]) {
        this.#numberIsNull[numberCell] = value === null ? 1 : 0;
        this.#numbers[numberCell++] = value === null ? 0 : (value as number);
      } else if (value === null) {
        this.#textLengths[textCell++] = -1;
      } else {
        this.#text.push(value as string);
        this.#textLengths[textCell++] = (value as string).length;
      }
    }
    for (const application of applications) this.#applications.push([this.#rows, application]);
    this.#rows++;
    return this.#rows === CHUNK_ROWS;
  }

  /** The chunk so far, and a fresh one started; the chunk's buffers may then be transferred. */
  take(bytesDone: number, bytesTotal: number): RowChunk {
    const chunk: RowChunk = {
      rows: this.#rows,
      text: this.#text.join(''),
      textLengths: this.#textLengths,
      numbers: this.#numbers,
      numberIsNull: this.#numberIsNull,
      applications: JSON.stringify(this.#applications),
      bytesDone,
      bytesTotal,
    };
    this.#rows = 0;
    this.#text = [];
    this.#applications = [];
    [this.#textLengths, this.#numbers, this.#numberIsNull] = this.#buffers();
    return chunk;
  }
}

/** Calls `each` with every row of a chunk as stored values (one array, reused: copy it to keep it). */
export function readChunk(dataset: DatasetId, chunk: RowChunk, each: (values: StoredValue[], row: number) => void): void {
  const { isNumber, width } = storedLayout(dataset);
  const values: StoredValue[] = new Array(width);
  let textCell = 0;
  let numberCell = 0;
  let offset = 0;
  for (let row = 0; row < chunk.rows; row++) {
    for (let position = 0; position < width; position++) {
      if (isNumber[position]) {
        values[position] = chunk.numberIsNull[numberCell] === 1 ? null : chunk.numbers[numberCell];
        numberCell++;
      } else {
        const length = chunk.textLengths[textCell++];
        if (length === -1) {
          values[position] = null;
        } else {
          values[position] = chunk.text.slice(offset, offset + length);
          offset += length;
        }
      }
    }
    each(values, row);
  }
}

export function chunkApplications(chunk: RowChunk): [number, ContractApplication][] {
  return JSON.parse(chunk.applications) as [number, ContractApplication][];
}
