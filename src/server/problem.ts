import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { isSafeguardError, type ErrorCode } from '../core/errors.js';
import { errorStatus } from './error-status.js';

/** An RFC 9457 problem document, with Safeguard's stable `code`. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ErrorCode;
  /** JSON Pointer (RFC 6901) to the offending part of the request, when known. */
  pointer?: string;
  requestId: string;
  details?: Record<string, unknown>;
}

const titles: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export function sendProblem(
  reply: FastifyReply,
  request: FastifyRequest,
  code: ErrorCode,
  detail: string,
  extra: { pointer?: string; details?: Record<string, unknown> } = {},
): FastifyReply {
  const status = errorStatus[code];
  const body: Problem = {
    type: `urn:safeguard:problem:${code}`,
    title: titles[status] ?? 'Error',
    status,
    detail,
    code,
    requestId: request.id,
    ...(extra.pointer === undefined ? {} : { pointer: extra.pointer }),
    ...(extra.details === undefined ? {} : { details: extra.details }),
  };
  return reply.code(status).type('application/problem+json').send(body);
}

/** Classifies every error once, by its code, never by its message text. */
export function installProblemHandlers(app: FastifyInstance): void {
  app.setNotFoundHandler((request, reply) =>
    sendProblem(
      reply,
      request,
      'not_found',
      `no route ${request.method} ${request.url.split('?')[0]}`,
    ),
  );
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (isSafeguardError(error)) {
      const pointer =
        typeof error.details?.pointer === 'string' ? error.details.pointer : undefined;
      return sendProblem(reply, request, error.code, error.message, {
        pointer,
        details: error.details,
      });
    }
    if (hasZodFastifySchemaValidationErrors(error)) {
      const first = error.validation[0];
      const where = error.validationContext ?? 'body';
      const path = first.instancePath || '';
      return sendProblem(reply, request, 'invalid_argument', `${where}${path}: ${first.message}`, {
        pointer: `/${where}${path}`,
        details: {
          issues: error.validation.map((v) => ({ path: v.instancePath, message: v.message })),
        },
      });
    }
    switch (error.code) {
      case 'FST_ERR_CTP_BODY_TOO_LARGE':
      case 'FST_REQ_FILE_TOO_LARGE':
        return sendProblem(reply, request, 'file_too_large', 'request body is over the size limit');
      case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      case 'FST_INVALID_MULTIPART_CONTENT_TYPE':
        return sendProblem(
          reply,
          request,
          'unsupported_media_type',
          `unsupported content type ${String(request.headers['content-type'] ?? '(none)')}`,
        );
      case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      case 'FST_ERR_CTP_INVALID_JSON_BODY':
      case 'FST_ERR_CTP_EMPTY_TYPE':
        return sendProblem(reply, request, 'invalid_argument', error.message);
      default:
        break;
    }
    if (typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500) {
      return sendProblem(reply, request, 'invalid_argument', error.message);
    }
    request.log.error({ err: error }, 'unhandled error');
    return sendProblem(reply, request, 'internal', 'internal error; see the server log', {});
  });
}
