/** Errors of the export service, with the code GraphQL reports them under (`extensions.code`) and REST's status. */

/** No export job has this id (or the caller may not see it: the API layer decides, and answers the same way). */
export class ExportJobNotFoundError extends Error {
  readonly code = 'NOT_FOUND';
  readonly httpStatus = 404;
  override name = 'ExportJobNotFoundError';
  constructor(readonly jobId: string) {
    super(`no export job ${jobId}`);
  }
}

/** The key already has as many exports waiting or running as one key may: a client cannot queue the server full. */
export class ExportLimitError extends Error {
  readonly code = 'RATE_LIMITED';
  readonly httpStatus = 429;
  override name = 'ExportLimitError';
  constructor(readonly limit: number) {
    super(`this API key already has ${limit} exports pending or processing, the most it may have; wait for one to end or cancel one`);
  }
}

/** The job is not in a state that allows the operation, such as cancelling a complete job. */
export class ExportJobStateError extends Error {
  readonly code = 'CONFLICT';
  readonly httpStatus = 409;
  override name = 'ExportJobStateError';
}

export type ExportFileProblem = 'not-found' | 'not-complete' | 'expired';

const FILE_PROBLEM = {
  'not-found': { code: 'NOT_FOUND', httpStatus: 404 },
  'not-complete': { code: 'CONFLICT', httpStatus: 409 },
  expired: { code: 'GONE', httpStatus: 410 },
} as const;

/**
 * The file of an export cannot be served: the job does not exist (404), has no file yet or never will (409: pending,
 * processing, failed, cancelled), or had one that is gone (410: expired, or removed from disk).
 */
export class ExportFileUnavailableError extends Error {
  override name = 'ExportFileUnavailableError';
  readonly code: (typeof FILE_PROBLEM)[ExportFileProblem]['code'];
  readonly httpStatus: (typeof FILE_PROBLEM)[ExportFileProblem]['httpStatus'];
  constructor(
    readonly problem: ExportFileProblem,
    message: string,
  ) {
    super(message);
    this.code = FILE_PROBLEM[problem].code;
    this.httpStatus = FILE_PROBLEM[problem].httpStatus;
  }
}
