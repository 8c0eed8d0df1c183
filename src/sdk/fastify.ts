/**
 * Upload middleware for Fastify: a preHandler that scans each uploaded file before the route
 * handler runs. Typed structurally: the SDK imports nothing from fastify, not even types.
 *
 * Register @fastify/multipart with `attachFieldsToBody: true` (or `'keyValues'`) so the files
 * are on `request.body` by the time preHandler hooks run; raw image/* bodies need a content
 * type parser with `parseAs: 'buffer'`. To type `request.safeguard` in your app, add:
 *
 *     declare module 'fastify' {
 *       interface FastifyRequest { safeguard?: ScanResult }
 *     }
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

/** What the hook needs of a FastifyRequest. */
export interface FastifyLikeRequest {
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body?: unknown;
  /** Present once @fastify/multipart is registered. */
  isMultipart?(): boolean;
  safeguard?: ScanResult;
  safeguardUploads?: readonly ScannedUpload[];
}

/** What the hook needs of a FastifyReply. */
export interface FastifyLikeReply {
  code(statusCode: number): FastifyLikeReply;
  type(contentType: string): FastifyLikeReply;
  send(payload?: unknown): FastifyLikeReply;
  readonly sent: boolean;
}

export interface SafeguardFastifyOptions<Req, Reply> extends UploadMiddlewareOptions<Req> {
  /** Answers a blocked upload (it must send); default: 403 problem+json. */
  readonly onBlock?: (request: Req, reply: Reply, result: ScanResult) => unknown;
}

/** A file part as @fastify/multipart attaches it to the body (`attachFieldsToBody: true`). */
interface MultipartFilePart {
  readonly type: 'file';
  readonly fieldname?: string;
  readonly filename?: string;
  readonly mimetype?: string;
  readonly _buf?: Uint8Array | null;
  toBuffer(): Promise<Uint8Array>;
}

const isFilePart = (value: unknown): value is MultipartFilePart =>
  typeof value === 'object' &&
  value !== null &&
  (value as { type?: unknown }).type === 'file' &&
  typeof (value as { toBuffer?: unknown }).toBuffer === 'function';

function multipartUploads(body: unknown): Upload[] {
  if (typeof body !== 'object' || body === null) {
    throw setupError(
      "the multipart body is not parsed: register @fastify/multipart with attachFieldsToBody: true or 'keyValues'",
    );
  }
  const uploads: Upload[] = [];
  for (const [key, value] of Object.entries(body)) {
    for (const item of Array.isArray(value) ? (value as unknown[]) : [value]) {
      if (isFilePart(item)) {
        uploads.push({
          field: item.fieldname ?? key,
          ...(item.filename ? { filename: item.filename } : {}),
          ...(item.mimetype ? { contentType: item.mimetype } : {}),
          read: async () => item._buf ?? (await item.toBuffer()),
        });
      } else if (item instanceof Uint8Array) {
        // attachFieldsToBody: 'keyValues' leaves files as Buffers and fields as strings.
        uploads.push({ field: key, read: () => Promise.resolve(item) });
      }
    }
  }
  return uploads;
}

function findUploads(request: FastifyLikeRequest): Upload[] {
  if (request.isMultipart?.() === true) return multipartUploads(request.body);
  const header = request.headers['content-type'];
  const contentType = (Array.isArray(header) ? header[0] : header) ?? '';
  if (/^multipart\//i.test(contentType)) {
    throw setupError('a multipart body reached it, but @fastify/multipart is not registered');
  }
  if (!/^image\//i.test(contentType)) return [];
  const body = request.body;
  if (!(body instanceof Uint8Array)) {
    throw setupError("parse image/* bodies as a Buffer (addContentTypeParser, parseAs: 'buffer')");
  }
  const type = contentType.split(';')[0].trim();
  return [{ field: 'body', contentType: type, read: () => Promise.resolve(body) }];
}

/**
 * A Fastify preHandler that scans the request's uploads before the route runs. `block`
 * answers 403 (or calls `onBlock`) and the handler never runs; `review` and `allow` set
 * `request.safeguard` and go on. A failed scan fails the request unless `onError` allows it.
 *
 *     app.post('/photos', { preHandler: safeguardFastify({ client }) }, handler)
 *
 * `safeguardFastify<FastifyRequest, FastifyReply>(...)` types the callbacks' request and reply.
 */
export function safeguardFastify<
  Req extends FastifyLikeRequest = FastifyLikeRequest,
  Reply extends FastifyLikeReply = FastifyLikeReply,
>(
  options: SafeguardFastifyOptions<Req, Reply>,
): (request: NoInfer<Req>, reply: NoInfer<Reply>) => Promise<unknown> {
  return async (request, reply) => {
    const uploads = findUploads(request);
    let outcome;
    try {
      outcome = await scanUploads(options, request, uploads);
    } catch (error) {
      if ((await decideOnError(options.onError, error, request)) === 'allow') return undefined;
      throw errorForRequest(error);
    }
    if (!outcome) return undefined;
    request.safeguard = outcome.result;
    request.safeguardUploads = outcome.uploads;
    switch (outcome.verdict) {
      case 'block':
        if (options.onBlock) await options.onBlock(request, reply, outcome.result);
        if (!reply.sent) {
          reply.code(403).type('application/problem+json').send(blockedProblem(outcome.result));
        }
        // Returning the reply tells Fastify the hook answered: the handler does not run.
        return reply;
      case 'review':
        await options.onReview?.(request, outcome.result);
        return undefined;
      case 'allow':
        return undefined;
    }
  };
}
