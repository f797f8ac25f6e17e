/**
 * The hand-written SQL of the export_jobs table. Every change of status is a conditional UPDATE (`WHERE status IN
 * (...)`), so a job moves only along PENDING -> PROCESSING -> COMPLETE | FAILED | CANCELLED, COMPLETE -> EXPIRED, and a
 * late message from a stopped attempt cannot overwrite what a cancel already decided. Date-times are epoch ms.
 */
import type { SqliteDatabase } from '../db/sqlite.ts';
import type { CostRecordFilter } from '../query/cost-record-filter.ts';
import { keysetOrder, keysetPage, type KeysetKey, type Page, type PageArgs } from '../query/keyset.ts';
import { andSql, type SqlFragment } from '../query/sql.ts';
import type { ExportFormat, ExportJob, ExportStatus } from './params.ts';

interface StoredJob {
  id: string;
  status: ExportStatus;
  owner_key_id: string | null;
  format: ExportFormat;
  billing_period_start: number;
  billing_period_end: number;
  filter: string | null;
  include_contract_commitments: number;
  created_at: number;
  started_at: number | null;
  completed_at: number | null;
  record_count: number | null;
  rows_written: number;
  progress: number;
  byte_size: number | null;
  sha256: string | null;
  error: string | null;
  file_path: string | null;
  expires_at: number | null;
  expired_at: number | null;
}

const date = (value: number | null) => (value === null ? null : new Date(value));

function toJob(row: StoredJob): ExportJob {
  return {
    id: row.id,
    status: row.status,
    ownerKeyId: row.owner_key_id,
    format: row.format,
    billingPeriodStart: new Date(row.billing_period_start),
    billingPeriodEnd: new Date(row.billing_period_end),
    filter: row.filter === null ? null : (JSON.parse(row.filter) as CostRecordFilter),
    includeContractCommitments: row.include_contract_commitments === 1,
    createdAt: new Date(row.created_at),
    startedAt: date(row.started_at),
    completedAt: date(row.completed_at),
    recordCount: row.record_count,
    rowsWritten: row.rows_written,
    progress: row.progress,
    byteSize: row.byte_size,
    sha256: row.sha256,
    error: row.error,
    filePath: row.file_path,
    expiresAt: date(row.expires_at),
    expiredAt: date(row.expired_at),
  };
}

export type NewJob = Pick<ExportJob, 'id' | 'ownerKeyId' | 'format' | 'billingPeriodStart' | 'billingPeriodEnd' | 'filter' | 'includeContractCommitments' | 'createdAt'>;

export function insertJob(db: SqliteDatabase, job: NewJob): void {
  db.prepare(
    `INSERT INTO export_jobs (id, status, owner_key_id, format, billing_period_start, billing_period_end, filter, include_contract_commitments, created_at)
     VALUES (?, 'PENDING', ?, ?, ?, ?, ?, ?, ?)`,
  ).run(
    job.id,
    job.ownerKeyId,
    job.format,
    job.billingPeriodStart.getTime(),
    job.billingPeriodEnd.getTime(),
    job.filter === null ? null : JSON.stringify(job.filter),
    job.includeContractCommitments ? 1 : 0,
    job.createdAt.getTime(),
  );
}

export function getJob(db: SqliteDatabase, id: string): ExportJob | null {
  const row = db.prepare('SELECT * FROM export_jobs WHERE id = ?').get(id) as StoredJob | undefined;
  return row ? toJob(row) : null;
}

/** The PENDING job that has waited longest (insertion order breaks ties of created_at). */
export function oldestPendingJob(db: SqliteDatabase): ExportJob | null {
  const row = db.prepare("SELECT * FROM export_jobs WHERE status = 'PENDING' ORDER BY created_at, rowid LIMIT 1").get() as StoredJob | undefined;
  return row ? toJob(row) : null;
}

const COLUMNS = {
  status: 'status',
  startedAt: 'started_at',
  completedAt: 'completed_at',
  recordCount: 'record_count',
  rowsWritten: 'rows_written',
  progress: 'progress',
  byteSize: 'byte_size',
  sha256: 'sha256',
  error: 'error',
  filePath: 'file_path',
  expiresAt: 'expires_at',
  expiredAt: 'expired_at',
} as const satisfies Partial<Record<keyof ExportJob, string>>;

export type JobChange = Partial<Pick<ExportJob, keyof typeof COLUMNS>>;

/** Applies `change` if the job is in one of `from`; true when it was. */
export function updateJob(db: SqliteDatabase, id: string, from: readonly ExportStatus[], change: JobChange): boolean {
  const entries = Object.entries(change) as [keyof typeof COLUMNS, unknown][];
  const assignments = entries.map(([field]) => `${COLUMNS[field]} = ?`).join(', ');
  const values = entries.map(([, value]) => (value instanceof Date ? value.getTime() : value));
  const result = db
    .prepare(`UPDATE export_jobs SET ${assignments} WHERE id = ? AND status IN (${from.map(() => '?').join(', ')})`)
    .run(...values, id, ...from);
  return result.changes === 1;
}

/** What a job that starts again from scratch looks like. */
export const RESTARTED: JobChange = {
  status: 'PENDING',
  startedAt: null,
  recordCount: null,
  rowsWritten: 0,
  progress: 0,
  filePath: null,
};

/** Jobs a server stopped while running them (by a crash, a kill or a shutdown). */
export function processingJobs(db: SqliteDatabase): ExportJob[] {
  return (db.prepare("SELECT * FROM export_jobs WHERE status = 'PROCESSING' ORDER BY created_at, rowid").all() as StoredJob[]).map(toJob);
}

/** COMPLETE jobs whose file is due for removal at `now`. */
export function expiredJobs(db: SqliteDatabase, now: Date): ExportJob[] {
  return (db.prepare("SELECT * FROM export_jobs WHERE status = 'COMPLETE' AND expires_at <= ? ORDER BY expires_at").all(now.getTime()) as StoredJob[]).map(toJob);
}

export interface JobScope {
  /** Only the jobs of this key; undefined for everyone's, null for those no key started. */
  ownerKeyId?: string | null;
  statuses?: readonly ExportStatus[] | null;
}

const key = (name: string, sql: string, type: 'string' | 'integer', read: (job: ExportJob) => unknown): KeysetKey<ExportJob> => ({
  name,
  sql,
  direction: 'DESC',
  nullable: false,
  type,
  read,
});

/** Newest first. */
export const JOB_ORDER = keysetOrder<ExportJob>('ExportJob', [
  key('createdAt', 'j.created_at', 'integer', (job) => job.createdAt.getTime()),
  key('id', 'j.id', 'string', (job) => job.id),
]);

function scopeSql(scope: JobScope): SqlFragment {
  const parts: SqlFragment[] = [];
  if (scope.ownerKeyId === null) parts.push({ sql: 'j.owner_key_id IS NULL', params: [] });
  else if (scope.ownerKeyId !== undefined) parts.push({ sql: 'j.owner_key_id = ?', params: [scope.ownerKeyId] });
  if (scope.statuses) {
    parts.push(scope.statuses.length === 0 ? { sql: '0 = 1', params: [] } : { sql: `j.status IN (${scope.statuses.map(() => '?').join(', ')})`, params: [...scope.statuses] });
  }
  return andSql(parts);
}

export function jobPage(db: SqliteDatabase, scope: JobScope, args: PageArgs): Promise<Page<ExportJob>> {
  const scoped = scopeSql(scope);
  return keysetPage(JOB_ORDER, args, ({ where, orderBy, limit }) => {
    const condition = andSql([scoped, where]);
    const rows = db.prepare(`SELECT * FROM export_jobs j WHERE ${condition.sql} ORDER BY ${orderBy} LIMIT ?`).all(...condition.params, limit) as StoredJob[];
    return rows.map(toJob);
  });
}

export function countJobs(db: SqliteDatabase, scope: JobScope): number {
  const scoped = scopeSql(scope);
  return (db.prepare(`SELECT COUNT(*) AS n FROM export_jobs j WHERE ${scoped.sql}`).get(...scoped.params) as { n: number }).n;
}
