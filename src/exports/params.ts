/**
 * What an export is asked for, and what a job looks like to its callers (GraphQL, REST, the CLI). Parameters are
 * checked when a job is started, so a bad filter or period is the caller's error at once, never a FAILED job later.
 */
import { compileCostRecordFilter, type CostRecordFilter, type FilterOptions } from '../query/cost-record-filter.ts';
import { QueryInputError } from '../query/keyset.ts';
import { andSql, type SqlFragment } from '../query/sql.ts';
import { COST_RECORD_ALIAS } from '../query/cost-records.ts';

export const EXPORT_FORMATS = ['CSV', 'PARQUET', 'JSON'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export const EXPORT_STATUSES = ['PENDING', 'PROCESSING', 'COMPLETE', 'FAILED', 'CANCELLED', 'EXPIRED'] as const;
export type ExportStatus = (typeof EXPORT_STATUSES)[number];

/** A job in one of these states never changes again, except COMPLETE, which the retention sweep turns EXPIRED. */
export const TERMINAL_STATUSES: ReadonlySet<ExportStatus> = new Set(['COMPLETE', 'FAILED', 'CANCELLED', 'EXPIRED']);

export interface ExportParams {
  /** Cost rows whose billing period [BillingPeriodStart, BillingPeriodEnd) overlaps [billingPeriodStart, billingPeriodEnd). */
  billingPeriodStart: Date;
  billingPeriodEnd: Date;
  format: ExportFormat;
  filter?: CostRecordFilter | null;
  /** Adds the Contract Commitment rows behind the exported rows; the download is then a tar of both files. */
  includeContractCommitments?: boolean | null;
}

export interface ExportJob {
  id: string;
  status: ExportStatus;
  /** The API key that started the job; null when none did. */
  ownerKeyId: string | null;
  format: ExportFormat;
  billingPeriodStart: Date;
  billingPeriodEnd: Date;
  filter: CostRecordFilter | null;
  includeContractCommitments: boolean;
  createdAt: Date;
  startedAt: Date | null;
  /** When the job ended, whether complete, failed or cancelled. */
  completedAt: Date | null;
  /** Cost rows matched; known once the job has counted them. */
  recordCount: number | null;
  rowsWritten: number;
  /** 0 to 1; 1 only once the file is complete. */
  progress: number;
  byteSize: number | null;
  /** SHA-256 of the finished file, hex. */
  sha256: string | null;
  error: string | null;
  /** Where the finished file is (or will be). */
  filePath: string | null;
  /** When the retention sweep removes the file of a complete job. */
  expiresAt: Date | null;
  /** When the sweep removed it. */
  expiredAt: Date | null;
}

function validDate(value: unknown, name: string): Date {
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) throw new QueryInputError(`${name}: expected a date-time`);
  return value;
}

export interface CheckedExportParams {
  billingPeriodStart: Date;
  billingPeriodEnd: Date;
  format: ExportFormat;
  filter: CostRecordFilter | null;
  includeContractCommitments: boolean;
}

/** The parameters in stored form; throws QueryInputError (BAD_USER_INPUT) for anything a job could not run with. */
export function checkExportParams(params: ExportParams, filterOptions: FilterOptions = {}): CheckedExportParams {
  const billingPeriodStart = validDate(params.billingPeriodStart, 'billingPeriodStart');
  const billingPeriodEnd = validDate(params.billingPeriodEnd, 'billingPeriodEnd');
  if (billingPeriodStart.getTime() >= billingPeriodEnd.getTime()) throw new QueryInputError('billingPeriodEnd must be after billingPeriodStart');
  if (!EXPORT_FORMATS.includes(params.format)) throw new QueryInputError(`format: expected one of ${EXPORT_FORMATS.join(', ')}; got ${JSON.stringify(params.format)}`);
  const filter = params.filter ?? null;
  compileCostRecordFilter(filter, COST_RECORD_ALIAS, filterOptions);
  return { billingPeriodStart, billingPeriodEnd, format: params.format, filter, includeContractCommitments: params.includeContractCommitments ?? false };
}

/** The cost rows an export writes: the period overlap and the filter, over cost_records aliased COST_RECORD_ALIAS. */
export function exportSelection(params: Pick<ExportParams, 'billingPeriodStart' | 'billingPeriodEnd' | 'filter'>, filterOptions: FilterOptions = {}): SqlFragment {
  const alias = COST_RECORD_ALIAS;
  return andSql([
    { sql: `${alias}.billing_period_start < ? AND ${alias}.billing_period_end > ?`, params: [params.billingPeriodEnd.getTime(), params.billingPeriodStart.getTime()] },
    compileCostRecordFilter(params.filter, alias, filterOptions),
  ]);
}
