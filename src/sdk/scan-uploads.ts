/**
 * What the Express and Fastify middleware share: scan every uploaded file, take the strictest
 * verdict, and decide what a scan failure does to the request.
 */
import type { SafeguardClient } from './create-client.js';
import { SafeguardApiError } from './safeguard-api-error.js';
import type { PlatformIds, ScanResult, ServerErrorCode, Verdict } from './types.js';

/** An uploaded file as the middleware found it. */
export interface UploadInfo {
  /** The multipart field, or `body` for a raw image/* body. */
  readonly field: string;
  readonly filename?: string;
  readonly contentType?: string;
}

export interface Upload extends UploadInfo {
  read(): Promise<Uint8Array>;
}

export interface ScannedUpload extends UploadInfo {
  readonly result: ScanResult;
}

export interface UploadsOutcome {
  /** The strictest verdict of all the files. */
  readonly verdict: Verdict;
  /** The result with that verdict (the first such file's). */
  readonly result: ScanResult;
  /** One per file, in upload order. */
  readonly uploads: readonly ScannedUpload[];
}

/**
 * What a scan failure does: `reject` (the default) fails the request; `allow` lets the upload
 * through unscanned when Safeguard cannot be reached or refuses the call, but still rejects a
 * file that is not a readable image; a function decides each failure itself.
 */
export type ScanErrorPolicy<Req> =
  | 'reject'
  | 'allow'
  | ((error: unknown, request: Req) => 'reject' | 'allow' | Promise<'reject' | 'allow'>);

/** Options both middleware take. */
export interface UploadMiddlewareOptions<Req> {
  readonly client: Pick<SafeguardClient, 'scan'>;
  /**
   * The multipart field(s) to scan. Default: every uploaded file, whatever its field, so a
   * file in a field you did not expect cannot slip past.
   */
  readonly field?: string | readonly string[];
  /** Your id for the content, recorded with the scan and its case. */
  readonly getContentId?: (
    request: Req,
    upload: UploadInfo,
  ) => string | undefined | Promise<string | undefined>;
  /** Your id for the uploader, recorded with the scan and its case. */
  readonly getUploaderId?: (request: Req) => string | undefined | Promise<string | undefined>;
  /** Called for a `review` verdict before the route runs (queue the upload for a moderator). */
  readonly onReview?: (request: Req, result: ScanResult) => void | Promise<void>;
  readonly onError?: ScanErrorPolicy<Req>;
}

const rank: Record<Verdict, number> = { allow: 0, review: 1, block: 2 };

/** Scans each upload (all at once); undefined when there is none. */
export async function scanUploads<Req>(
  options: UploadMiddlewareOptions<Req>,
  request: Req,
  uploads: readonly Upload[],
): Promise<UploadsOutcome | undefined> {
  const wanted =
    options.field === undefined
      ? undefined
      : new Set(typeof options.field === 'string' ? [options.field] : options.field);
  const selected = uploads.filter((u) => wanted === undefined || wanted.has(u.field));
  if (selected.length === 0) return undefined;
  const uploaderId = await options.getUploaderId?.(request);
  const scanned = await Promise.all(
    selected.map(async (upload): Promise<ScannedUpload> => {
      const info: UploadInfo = {
        field: upload.field,
        ...(upload.filename === undefined ? {} : { filename: upload.filename }),
        ...(upload.contentType === undefined ? {} : { contentType: upload.contentType }),
      };
      const contentId = await options.getContentId?.(request, info);
      const ids: PlatformIds = {
        ...(contentId === undefined ? {} : { contentId }),
        ...(uploaderId === undefined ? {} : { uploaderId }),
      };
      const result = await options.client.scan(await upload.read(), {
        ...ids,
        ...(upload.contentType === undefined ? {} : { contentType: upload.contentType }),
        ...(upload.filename === undefined ? {} : { filename: upload.filename }),
      });
      return { ...info, result };
    }),
  );
  let strictest = scanned[0];
  for (const s of scanned)
    if (rank[s.result.verdict] > rank[strictest.result.verdict]) strictest = s;
  return { verdict: strictest.result.verdict, result: strictest.result, uploads: scanned };
}

/** Errors that say the file itself is bad: the uploader should hear them, as they are. */
const uploadFaults: ReadonlySet<string> = new Set<ServerErrorCode>([
  'empty_file',
  'file_too_large',
  'image_too_large',
  'unsupported_format',
  'corrupt_image',
  'corrupt_video',
  'video_too_long',
]);

export const isUploadFault = (error: unknown): boolean =>
  error instanceof SafeguardApiError && uploadFaults.has(error.code);

/** Whether a failed scan lets the request on. */
export async function decideOnError<Req>(
  policy: ScanErrorPolicy<Req> | undefined,
  error: unknown,
  request: Req,
): Promise<'reject' | 'allow'> {
  if (isSetupError(error)) return 'reject';
  if (typeof policy === 'function') return policy(error, request);
  if (policy === 'allow' && !isUploadFault(error)) return 'allow';
  return 'reject';
}

/**
 * The error to hand the framework for a rejected request. Upload faults keep their 4xx; any
 * other API failure (a bad key, an outage, a timeout) becomes 503 `unavailable` with the
 * original as `cause`, so the uploader is not told that your Safeguard key was refused.
 */
export function errorForRequest(error: unknown): unknown {
  if (!(error instanceof SafeguardApiError) || isUploadFault(error)) return error;
  return new SafeguardApiError(
    {
      status: 503,
      code: 'unavailable',
      detail: `the upload could not be scanned (${error.code})`,
      ...(error.requestId === undefined ? {} : { requestId: error.requestId }),
    },
    { cause: error },
  );
}

/** The default answer to a blocked upload: problem+json, naming no bank or hash. */
export function blockedProblem(result: ScanResult) {
  return {
    type: 'urn:safeguard:problem:upload_blocked',
    title: 'Forbidden',
    status: 403,
    detail: 'this upload was refused',
    code: 'upload_blocked',
    verdict: result.verdict,
    scanId: result.scanId,
  };
}

const setupErrors = new WeakSet<Error>();

/** A mistake in how the middleware was mounted: always fails the request, whatever onError says. */
export function setupError(message: string): Error {
  const error = new Error(`safeguard middleware: ${message}`);
  setupErrors.add(error);
  return error;
}

export const isSetupError = (error: unknown): boolean =>
  error instanceof Error && setupErrors.has(error);
