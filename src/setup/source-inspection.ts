/**
 * Reads a registered data source the way an ingest would, without writing anything: which files it holds, whether
 * they are FOCUS files, which billing accounts their rows name, and what the conformance check finds in them. Setup
 * validation reports from this. Only the first rows of each file are read, so validating a source of multi-GB exports
 * answers in seconds; the report says how much was read.
 */
import { constants } from 'node:fs';
import { access, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { IngestError } from '../ingest/errors.ts';
import type { Finding, GatewayRuleId } from '../ingest/findings.ts';
import { RowPreparer, type PreparedHeader } from '../ingest/prepare.ts';
import { readRows, type RowSink } from '../ingest/sources.ts';

/** Rows read from each file; enough to meet every account of a typical export and most rule violations. */
export const INSPECTED_ROWS_PER_FILE = 20_000;
/** Files read from one source, in name order. */
export const INSPECTED_FILES_MAX = 50;
/** Directory levels searched below the source (providers partition exports by billing period and account). */
const DIRECTORY_DEPTH_MAX = 4;

const SKIPPED_ROW: GatewayRuleId = 'GW-ROW-SKIPPED';

const FOCUS_FILE = /\.(csv|csv\.gz|parquet)$/i;

/** A data source as registered: a local path or `file:` URL this gateway can read, or a bucket it cannot. */
export type SourceLocation = { kind: 'local'; path: string } | { kind: 'bucket'; name: string };

export function sourceLocation(source: string): SourceLocation | { kind: 'invalid'; reason: string } {
  if (source.startsWith('file:')) {
    try {
      return { kind: 'local', path: fileURLToPath(source) };
    } catch (error) {
      return { kind: 'invalid', reason: `${source} is not a local file URL: ${(error as Error).message}` };
    }
  }
  if (path.isAbsolute(source)) return { kind: 'local', path: source };
  return { kind: 'bucket', name: source };
}

export interface InspectedFile {
  /** Relative to the source. */
  file: string;
  /** Null when the file is not a FOCUS file (see `problem`). */
  header: PreparedHeader | null;
  rowsRead: number;
  /** Every row of the file was read (it is shorter than the per-file budget). */
  complete: boolean;
  billingAccountIds: string[];
  /** Rule violations that leave rows usable. */
  findings: Finding[];
  /** Rows an ingest would reject, and the first of them as `file:line: column: message`. */
  unusableRows: { count: number; first: string } | null;
  /** Why the file is not a FOCUS file (its header), or could not be read. */
  problem: string | null;
}

export type SourceInspection =
  | { readable: false; reason: string }
  | { readable: true; filesFound: number; files: InspectedFile[] };

async function candidateFiles(root: string): Promise<string[]> {
  const found: string[] = [];
  const walk = async (directory: string, depth: number): Promise<void> => {
    const entries = (await readdir(directory, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name));
    for (const entry of entries) {
      const full = path.join(directory, entry.name);
      if (entry.isDirectory() && depth < DIRECTORY_DEPTH_MAX) await walk(full, depth + 1);
      else if (entry.isFile() && FOCUS_FILE.test(entry.name)) found.push(full);
    }
  };
  await walk(root, 0);
  return found;
}

class EnoughRows extends Error {}

async function inspectFile(file: string, relativeName: string): Promise<InspectedFile> {
  let header: PreparedHeader | null = null;
  // Unusable rows are counted rather than thrown, so one bad row does not hide the accounts of the rows after it.
  const preparer = new RowPreparer(relativeName, { skipInvalid: true }, { header: (prepared) => (header = prepared), chunk: () => {} });
  let rowsRead = 0;
  const budgeted: RowSink = {
    header: (names) => preparer.header(names),
    row: (cells, line) => {
      if (rowsRead === INSPECTED_ROWS_PER_FILE) throw new EnoughRows();
      rowsRead++;
      preparer.row(cells, line);
    },
  };
  const inspected = (complete: boolean, problem: string | null): InspectedFile => {
    const result = header === null ? null : preparer.finish();
    const skipped = result?.findings.find((finding) => finding.ruleId === SKIPPED_ROW);
    const example = skipped?.examples[0];
    return {
      file: relativeName,
      header,
      rowsRead,
      complete,
      billingAccountIds: (result?.facts.accounts ?? []).map(([id]) => id),
      findings: (result?.findings ?? []).filter((finding) => finding.ruleId !== SKIPPED_ROW),
      unusableRows: skipped ? { count: skipped.count, first: `${relativeName}:${example?.line}: ${example?.column}: ${example?.value}` } : null,
      problem,
    };
  };
  try {
    await readRows(file, budgeted);
    return inspected(true, null);
  } catch (error) {
    if (error instanceof EnoughRows) return inspected(false, null);
    if (error instanceof IngestError) return inspected(false, error.toString());
    return { file: relativeName, header: null, rowsRead, complete: false, billingAccountIds: [], findings: [], unusableRows: null, problem: `${relativeName}: ${(error as Error).message}` };
  }
}

export async function inspectSource(source: string): Promise<SourceInspection> {
  const location = sourceLocation(source);
  if (location.kind === 'invalid') return { readable: false, reason: location.reason };
  if (location.kind === 'bucket') {
    return { readable: false, reason: `"${location.name}" is a bucket name; this gateway reads local directories and file: URLs (copy or mount the exports there)` };
  }
  let isDirectory: boolean;
  try {
    await access(location.path, constants.R_OK);
    isDirectory = (await stat(location.path)).isDirectory();
  } catch (error) {
    return { readable: false, reason: `cannot read ${location.path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}` };
  }
  let files: string[];
  try {
    files = isDirectory ? await candidateFiles(location.path) : [location.path];
  } catch (error) {
    return { readable: false, reason: `cannot list ${location.path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}` };
  }
  const base = isDirectory ? location.path : path.dirname(location.path);
  const inspectedFiles: InspectedFile[] = [];
  for (const file of files.slice(0, INSPECTED_FILES_MAX)) inspectedFiles.push(await inspectFile(file, path.relative(base, file)));
  return { readable: true, filesFound: files.length, files: inspectedFiles };
}
