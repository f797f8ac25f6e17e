/**
 * GET /exports/<id>/file: the file of a complete export job, behind the same API key as the API (the key that started
 * the job, or an admin key), with its length, type and file name, and single-range requests (206) for resuming.
 */
import { createReadStream } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AUTHENTICATE_CHALLENGE, authenticate, presentedKey, UnauthenticatedError } from '../auth/credentials.ts';
import { ExportFileUnavailableError } from '../exports/errors.ts';
import { openExportFile } from '../exports/files.ts';
import type { GatewayServices } from '../graphql/context.ts';

export const EXPORT_FILE_PATH = /^\/exports\/([^/]+)\/file$/;

function sendError(response: ServerResponse, status: number, code: string, message: string, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'content-type': 'application/json', ...headers });
  response.end(JSON.stringify({ error: { code, message } }));
}

/** The byte span a Range header asks for, 'all' without one, or null when it cannot be satisfied. */
function requestedRange(header: string | undefined, size: number): { start: number; end: number } | 'all' | null {
  if (header === undefined) return 'all';
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  // Several ranges, or another unit: serving the whole file is what RFC 9110 allows a server to do.
  if (!match || (match[1] === '' && match[2] === '')) return 'all';
  let start: number;
  let end: number;
  if (match[1] === '') {
    // A suffix: the last N bytes.
    start = Math.max(size - Number(match[2]), 0);
    end = size - 1;
  } else {
    start = Number(match[1]);
    end = match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1);
  }
  return start > end || start >= size ? null : { start, end };
}

export async function serveExportFile(services: GatewayServices, request: IncomingMessage, response: ServerResponse, jobId: string): Promise<void> {
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    sendError(response, 405, 'METHOD_NOT_ALLOWED', `${request.method} is not allowed here; use GET`, { allow: 'GET, HEAD' });
    return;
  }
  let viewer;
  try {
    viewer = await authenticate(services.prisma, presentedKey(request.headers));
  } catch (error) {
    if (!(error instanceof UnauthenticatedError)) throw error;
    sendError(response, 401, 'UNAUTHENTICATED', error.message, AUTHENTICATE_CHALLENGE);
    return;
  }
  const job = await services.exports.get(decodeURIComponent(jobId));
  // Another key's job is reported as missing: its existence is not this key's business.
  const visible = job !== null && (viewer.role === 'admin' || job.ownerKeyId === viewer.keyId) ? job : null;
  let file;
  try {
    file = openExportFile(visible);
  } catch (error) {
    if (!(error instanceof ExportFileUnavailableError)) throw error;
    sendError(response, error.httpStatus, error.code, error.message);
    return;
  }
  const range = requestedRange(request.headers.range, file.size);
  const headers: Record<string, string | number> = {
    'content-type': file.contentType,
    'content-disposition': `attachment; filename="${file.fileName}"`,
    'accept-ranges': 'bytes',
    etag: `"${visible!.sha256}"`,
  };
  if (range === null) {
    sendError(response, 416, 'RANGE_NOT_SATISFIABLE', `the file has ${file.size} bytes; the range asked for is outside it`, { 'content-range': `bytes */${file.size}` });
    return;
  }
  const { start, end } = range === 'all' ? { start: 0, end: file.size - 1 } : range;
  if (range !== 'all') headers['content-range'] = `bytes ${start}-${end}/${file.size}`;
  headers['content-length'] = Math.max(end - start + 1, 0);
  response.writeHead(range === 'all' ? 200 : 206, headers);
  if (request.method === 'HEAD' || file.size === 0) {
    response.end();
    return;
  }
  const stream = createReadStream(file.path, { start, end });
  stream.on('error', () => response.destroy());
  stream.pipe(response);
}
