/**
 * Export jobs in the graph: startExport and cancelExport, exportJob and exportJobs, and the exportJobUpdated
 * subscription (over graphql-ws and SSE). The work is the ExportService's (src/exports); a key sees only the jobs it
 * started, unless it is an admin key.
 */
import { ExportJobNotFoundError, ExportJobStateError, ExportLimitError } from '../exports/errors.ts';
import { EXPORT_STATUSES, type ExportFormat, type ExportJob, type ExportStatus } from '../exports/params.ts';
import type { CostRecordFilter } from '../query/cost-record-filter.ts';
import { builder } from './builder.ts';
import type { GraphQLContext } from './context.ts';
import { CostRecordFilterInput } from './cost-records.ts';
import { gatewayError } from './errors.ts';
import { decodeNodeId } from './node-ids.ts';
import { pageComplexity, PAGING_RULES, reportingInputErrors } from './table-connections.ts';

const STATUS_DESCRIPTIONS: Record<ExportStatus, string> = {
  PENDING: 'Waiting for a free export slot.',
  PROCESSING: 'Writing the file.',
  COMPLETE: 'The file is whole and ready to download.',
  FAILED: 'Stopped by an error (see error); no file was left behind.',
  CANCELLED: 'Cancelled; no file was left behind.',
  EXPIRED: 'Was complete; its file was removed after the retention period.',
};

const ExportStatusEnum = builder.enumType('ExportStatus', {
  description: 'Where an export job is in its life.',
  values: Object.fromEntries(EXPORT_STATUSES.map((status) => [status, { value: status, description: STATUS_DESCRIPTIONS[status] }])) as Record<
    ExportStatus,
    { value: ExportStatus; description: string }
  >,
});

const ExportFormatEnum = builder.enumType('ExportFormat', {
  description: 'File formats of exports; every one has the FOCUS column names in catalog order.',
  values: {
    CSV: { value: 'CSV', description: 'CSV with a header row; money printed exactly as ingested.' },
    PARQUET: { value: 'PARQUET', description: 'Parquet: money as DOUBLE, date-times as UTC timestamps (milliseconds), JSON columns as strings.' },
    JSON: { value: 'JSON', description: 'JSON Lines: one object per row, keyed by FOCUS column name.' },
  } satisfies Record<ExportFormat, { value: ExportFormat; description: string }>,
});

/** A job the caller may see: its own, or any for an admin key. */
function visible(job: ExportJob | null, context: GraphQLContext): ExportJob | null {
  if (job === null) return null;
  return context.viewer.role === 'admin' || job.ownerKeyId === context.viewer.keyId ? job : null;
}

async function visibleJob(globalId: string, context: GraphQLContext): Promise<ExportJob> {
  const job = visible(await context.exports.get(decodeNodeId(globalId, 'ExportJob')), context);
  if (!job) throw gatewayError('NOT_FOUND', `no export job with id ${globalId}`);
  return job;
}

export const ExportJobRef = builder.objectRef<ExportJob>('ExportJob');

builder.node(ExportJobRef, {
  description: 'An export of cost rows (and optionally their contract commitments) to a file, run in the background.',
  id: { resolve: (job) => job.id },
  loadMany: async (ids: string[], context: GraphQLContext) => Promise.all(ids.map(async (id) => visible(await context.exports.get(id), context))),
  fields: (t) => ({
    status: t.field({ type: ExportStatusEnum, nullable: false, description: 'Where the job is.', resolve: (job) => job.status }),
    format: t.field({ type: ExportFormatEnum, nullable: false, description: 'The file format.', resolve: (job) => job.format }),
    billingPeriodStart: t.field({ type: 'DateTime', nullable: false, description: 'Rows whose billing period overlaps [billingPeriodStart, billingPeriodEnd) are exported.', resolve: (job) => job.billingPeriodStart }),
    billingPeriodEnd: t.field({ type: 'DateTime', nullable: false, description: 'End of the exported span, exclusive.', resolve: (job) => job.billingPeriodEnd }),
    filter: t.field({ type: 'JSON', nullable: true, description: 'The CostRecordFilter the job was started with.', resolve: (job) => job.filter }),
    includeContractCommitments: t.exposeBoolean('includeContractCommitments', {
      nullable: false,
      description: 'Whether the Contract Commitment rows go alongside: the download is then a tar of both files.',
    }),
    createdAt: t.field({ type: 'DateTime', nullable: false, description: 'When the job was started.', resolve: (job) => job.createdAt }),
    startedAt: t.field({ type: 'DateTime', nullable: true, description: 'When the job began writing (the latest time, if a restart began it again).', resolve: (job) => job.startedAt }),
    completedAt: t.field({ type: 'DateTime', nullable: true, description: 'When the job ended, whether complete, failed or cancelled.', resolve: (job) => job.completedAt }),
    recordCount: t.exposeInt('recordCount', { nullable: true, description: 'Cost rows the export matches; known once the job has counted them.' }),
    rowsWritten: t.exposeInt('rowsWritten', { nullable: false, description: 'Cost rows written so far.' }),
    progress: t.exposeFloat('progress', { nullable: false, description: 'From 0 to 1; 1 only once the file is complete.' }),
    byteSize: t.field({ type: 'Float', nullable: true, description: 'Size of the finished file in bytes.', resolve: (job) => job.byteSize }),
    sha256: t.exposeString('sha256', { nullable: true, description: 'SHA-256 of the finished file, hex.' }),
    error: t.exposeString('error', { nullable: true, description: 'Why the job failed.' }),
    expiresAt: t.field({ type: 'DateTime', nullable: true, description: 'When the retention sweep will remove the file.', resolve: (job) => job.expiresAt }),
    expiredAt: t.field({ type: 'DateTime', nullable: true, description: 'When the retention sweep removed the file.', resolve: (job) => job.expiredAt }),
    downloadUrl: t.string({
      nullable: true,
      description: 'Where to GET the file (with the same API key; range requests supported); null until the job is COMPLETE.',
      resolve: (job, _args, context) => (job.status === 'COMPLETE' ? `${context.origin}/exports/${job.id}/file` : null),
    }),
  }),
});

const StartExportInput = builder.inputRef<{
  billingPeriodStart: Date;
  billingPeriodEnd: Date;
  format: ExportFormat;
  filter?: CostRecordFilter | null;
  includeContractCommitments?: boolean | null;
}>('StartExportInput').implement({
  description: 'What to export.',
  fields: (t) => ({
    billingPeriodStart: t.field({ type: 'DateTime', required: true, description: 'Start of the span of billing periods to export.' }),
    billingPeriodEnd: t.field({ type: 'DateTime', required: true, description: 'End of the span, exclusive.' }),
    format: t.field({ type: ExportFormatEnum, required: true, description: 'The file format.' }),
    filter: t.field({ type: CostRecordFilterInput, description: 'Which cost rows of the span to export (all when absent).' }),
    includeContractCommitments: t.boolean({ description: 'Also export the Contract Commitment rows the exported rows applied; the download is then a tar.' }),
  }),
});

/** The service's own errors, as GraphQL errors with their codes. */
async function reportingJobErrors<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await reportingInputErrors(work);
  } catch (error) {
    if (error instanceof ExportJobNotFoundError) throw gatewayError('NOT_FOUND', error.message);
    if (error instanceof ExportJobStateError) throw gatewayError('CONFLICT', error.message);
    if (error instanceof ExportLimitError) throw gatewayError('RATE_LIMITED', error.message, { limit: error.limit });
    throw error;
  }
}

builder.mutationFields((t) => ({
  startExport: t.field({
    type: ExportJobRef,
    nullable: false,
    description: 'Starts an export in the background and returns its job, PENDING; watch it with exportJobUpdated. Errors: BAD_USER_INPUT (a reversed span, a bad filter), RATE_LIMITED (the key already has as many exports pending or processing as it may).',
    args: { input: t.arg({ type: StartExportInput, required: true, description: 'What to export.' }) },
    resolve: (_root, { input }, context) => reportingJobErrors(() => context.exports.start(input, context.viewer.keyId)),
  }),
  cancelExport: t.field({
    type: ExportJobRef,
    nullable: false,
    description: 'Cancels a pending or processing export and removes its partial file. Errors: NOT_FOUND, CONFLICT (the job already ended).',
    args: { id: t.arg.id({ required: true, description: 'The job id (ExportJob.id).' }) },
    resolve: (_root, { id }, context) => reportingJobErrors(async () => context.exports.cancel((await visibleJob(String(id), context)).id)),
  }),
}));

builder.queryFields((t) => ({
  exportJob: t.field({
    type: ExportJobRef,
    nullable: true,
    description: 'An export job by id; null when there is none the key may see.',
    args: { id: t.arg.id({ required: true, description: 'The job id (ExportJob.id).' }) },
    resolve: async (_root, { id }, context) => visible(await context.exports.get(decodeNodeId(String(id), 'ExportJob')), context),
  }),
  exportJobs: t.connection(
    {
      type: ExportJobRef,
      nullable: false,
      complexity: pageComplexity,
      description: `Export jobs, newest first: the key's own, or everyone's for an admin key. ${PAGING_RULES}`,
      args: { status: t.arg({ type: [ExportStatusEnum], description: 'Only jobs in these states.' }) },
      resolve: (_root, args, context) =>
        reportingInputErrors(async () => {
          const scope = { ownerKeyId: context.viewer.role === 'admin' ? undefined : context.viewer.keyId, statuses: args.status ?? null };
          const page = await context.exports.list(scope, args);
          let count: number | undefined;
          return { ...page, totalCount: async () => (count ??= await context.exports.count(scope)) } as never;
        }),
    },
    {
      name: 'ExportJobConnection',
      edgesField: { complexity: { field: 1, multiplier: 1 } },
      description: 'A page of export jobs.',
      fields: (tc) => ({
        totalCount: tc.int({
          nullable: false,
          description: 'How many jobs match (counted only when asked for).',
          resolve: (connection) => (connection as unknown as { totalCount: () => Promise<number> }).totalCount(),
        }),
      }),
    },
    { name: 'ExportJobEdge', description: 'An export job and its cursor.' },
  ),
}));

builder.subscriptionField('exportJobUpdated', (t) =>
  t.field({
    type: ExportJobRef,
    nullable: false,
    description:
      'The job now, then every change of status and progress (at most a few a second), ending after it completes, fails, is cancelled or expires. Errors: NOT_FOUND.',
    args: { id: t.arg.id({ required: true, description: 'The job id (ExportJob.id).' }) },
    subscribe: async (_root, { id }, context) => context.exports.updates((await visibleJob(String(id), context)).id),
    resolve: (job: ExportJob) => job,
  }),
);
