/** An ingest failure that points at the place in the file that caused it. */
export class IngestError extends Error {
  constructor(
    message: string,
    readonly file: string,
    readonly line: number | null = null,
    /** 1-based position of the column in the file's header. */
    readonly column: number | null = null,
  ) {
    super(message);
    this.name = 'IngestError';
  }

  /** `file:line:column: message`, the form editors and terminals link to. */
  get location(): string {
    return [this.file, this.line, this.column].filter((part) => part !== null).join(':');
  }

  override toString(): string {
    return `${this.location}: ${this.message}`;
  }
}
