/**
 * Upload middleware for Express (and Connect or plain node:http handlers): scans each uploaded
 * file before the route handler runs. Typed structurally: the SDK depends on no framework.
 */
import type { ScanResult } from './types.js';
import {
  blockedProblem,
  decideOnError,
  errorForRequest,
  scanUploads,
  setupError,
  type ScannedUpload,
  type Upload,
  type UploadMiddlewareOptions,
} from './scan-uploads.js';
import { SafeguardApiError } from './safeguard-api-error.js';

declare global {
  // Express's own augmentation point (what @types/express and multer use).
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** The scan of the upload (the strictest verdict when there were several files). */
      safeguard?: ScanResult;
      /** Every scanned file with its result. */
      safeguardUploads?: readonly ScannedUpload[];
    }
  }
}

/** A file as multer leaves it: in memory (`buffer`) or on disk (`path`). */
export interface ExpressUploadedFile {
  readonly fieldname: string;
  readonly originalname?: string;
  readonly mimetype?: string;
  readonly buffer?: Uint8Array;
  readonly path?: string;
}

/** What the middleware needs of a request: an Express Request (or node IncomingMessage). */
export interface ExpressLikeRequest extends AsyncIterable<unknown> {
  readonly headers: Record<string, string | string[] | undefined>;
  body?: unknown;
  readonly file?: ExpressUploadedFile;
  readonly files?:
    readonly ExpressUploadedFile[] | Readonly<Record<string, readonly ExpressUploadedFile[]>>;
  /** True once the body stream was read (by multer, express.raw, ...). */
  readonly readableEnded?: boolean;
  safeguard?: ScanResult;
  safeguardUploads?: readonly ScannedUpload[];
}

/** What the middleware needs of a response: an Express Response (or node ServerResponse). */
export interface ExpressLikeResponse {
  statusCode: number;
  readonly headersSent: boolean;
  setHeader(name: string, value: string): unknown;
  end(chunk: string): unknown;
}

export type ExpressNext = (error?: unknown) => void;

export interface SafeguardExpressOptions<Req, Res> extends UploadMiddlewareOptions<Req> {
  /** Answers a blocked upload; default: 403 problem+json with the verdict and scan id. */
  readonly onBlock?: (request: Req, response: Res, result: ScanResult) => void | Promise<void>;
  /** Largest raw image/* body the middleware reads itself, bytes; default 64 MiB. */
  readonly maxBytes?: number;
}

const headerValue = (value: string | string[] | undefined) =>
  Array.isArray(value) ? value[0] : value;

const isFileList = (files: ExpressLikeRequest['files']): files is readonly ExpressUploadedFile[] =>
  Array.isArray(files);

function multerUploads(request: ExpressLikeRequest): Upload[] {
  const files: ExpressUploadedFile[] = [];
  if (request.file) files.push(request.file);
  const parsed = request.files;
  if (isFileList(parsed)) files.push(...parsed);
  else if (parsed) for (const list of Object.values(parsed)) files.push(...list);
  return [...new Set(files)].map((file) => ({
    field: file.fieldname,
    ...(file.originalname ? { filename: file.originalname } : {}),
    ...(file.mimetype ? { contentType: file.mimetype } : {}),
    read: async () => {
      if (file.buffer) return file.buffer;
      if (file.path) {
        // Loaded on use: the SDK's entry point stays free of Node-only imports for browsers.
        const { readFile } = await import('node:fs/promises');
        return readFile(file.path);
      }
      throw setupError(`file '${file.fieldname}' has neither a buffer nor a path`);
    },
  }));
}

/** Reads the request body (at most `maxBytes`) and leaves it on `request.body` for the route. */
async function readRawBody(request: ExpressLikeRequest, maxBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of request) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk as Uint8Array);
    total += bytes.byteLength;
    if (total > maxBytes) {
      throw new SafeguardApiError({
        status: 413,
        code: 'file_too_large',
        detail: `the upload is over ${maxBytes} bytes`,
      });
    }
    chunks.push(bytes);
  }
  const body = Buffer.concat(chunks);
  request.body = body;
  return body;
}

/** The files of a request: multer's, or a raw image/* body; throws if they went unparsed. */
function findUploads(request: ExpressLikeRequest, maxBytes: number): Upload[] {
  const parsed = multerUploads(request);
  if (parsed.length > 0) return parsed;
  const contentType = headerValue(request.headers['content-type']) ?? '';
  if (/^multipart\//i.test(contentType) && request.readableEnded === false) {
    throw setupError(
      'a multipart body reached it unparsed: mount multer (e.g. upload.single(...)) before it',
    );
  }
  if (!/^image\//i.test(contentType)) return [];
  const body = request.body;
  const type = contentType.split(';')[0].trim();
  if (body instanceof Uint8Array) {
    return [{ field: 'body', contentType: type, read: () => Promise.resolve(body) }];
  }
  if (request.readableEnded === true) {
    throw setupError('the image/* body was read by another parser but is not a Buffer');
  }
  return [{ field: 'body', contentType: type, read: () => readRawBody(request, maxBytes) }];
}

/**
 * Express middleware that scans the request's uploads (multer's `req.file`/`req.files`, or a
 * raw image/* body) before the route runs. `block` answers 403 (or calls `onBlock`) and the
 * route never runs; `review` and `allow` set `req.safeguard` and go on. A failed scan goes to
 * `next(error)` unless `onError` allows it: a file Safeguard cannot read (415, 422, 413) keeps
 * its status; an outage, timeout or refused key becomes 503 `unavailable` (see `cause`).
 *
 *     app.post('/photos', upload.single('photo'), safeguardExpress<Request, Response>({ client }), handler)
 *
 * The type arguments (default: the structural types) type the callbacks' request and response.
 */
export function safeguardExpress<
  Req extends ExpressLikeRequest = ExpressLikeRequest,
  Res extends ExpressLikeResponse = ExpressLikeResponse,
>(
  options: SafeguardExpressOptions<Req, Res>,
): (request: NoInfer<Req>, response: NoInfer<Res>, next: ExpressNext) => void {
  const maxBytes = options.maxBytes ?? 64 * 1024 * 1024;

  async function handle(request: Req, response: Res): Promise<boolean> {
    const uploads = findUploads(request, maxBytes);
    let outcome;
    try {
      outcome = await scanUploads(options, request, uploads);
    } catch (error) {
      if ((await decideOnError(options.onError, error, request)) === 'allow') return true;
      throw errorForRequest(error);
    }
    if (!outcome) return true;
    request.safeguard = outcome.result;
    request.safeguardUploads = outcome.uploads;
    switch (outcome.verdict) {
      case 'block':
        if (options.onBlock) await options.onBlock(request, response, outcome.result);
        if (!response.headersSent) {
          response.statusCode = 403;
          response.setHeader('content-type', 'application/problem+json; charset=utf-8');
          response.end(JSON.stringify(blockedProblem(outcome.result)));
        }
        return false;
      case 'review':
        await options.onReview?.(request, outcome.result);
        return true;
      case 'allow':
        return true;
    }
  }

  return (request, response, next) => {
    handle(request, response).then((proceed) => {
      if (proceed) next();
    }, next);
  };
}
