import {
  serverErrorCodes,
  type ApiErrorCode,
  type Problem,
  type ServerErrorCode,
} from './types.js';

export interface SafeguardApiErrorInit {
  /** The HTTP status; 0 when no answer came (`network_error`, `timeout`). */
  readonly status: number;
  readonly code: ApiErrorCode;
  readonly detail: string;
  readonly pointer?: string;
  /** The server's request id, to find the request in its log; absent without an answer. */
  readonly requestId?: string;
  readonly details?: Record<string, unknown>;
}

/**
 * Every failure of an SDK call: a problem+json answer of the server (its `status`, `code`,
 * `detail`, `pointer`, `requestId`), or no usable answer at all (`network_error`, `timeout`,
 * `unexpected_response`). Classify by `code`, never by the message.
 */
export class SafeguardApiError extends Error {
  override readonly name = 'SafeguardApiError';
  readonly status: number;
  readonly code: ApiErrorCode;
  readonly detail: string;
  readonly pointer: string | undefined;
  readonly requestId: string | undefined;
  readonly details: Record<string, unknown> | undefined;

  constructor(init: SafeguardApiErrorInit, options?: { cause?: unknown }) {
    super(
      `${init.code}${init.status > 0 ? ` (${init.status})` : ''}: ${init.detail}${
        init.pointer === undefined ? '' : ` at ${init.pointer}`
      }`,
      options,
    );
    this.status = init.status;
    this.code = init.code;
    this.detail = init.detail;
    this.pointer = init.pointer;
    this.requestId = init.requestId;
    this.details = init.details;
  }

  toJSON(): SafeguardApiErrorInit {
    return {
      status: this.status,
      code: this.code,
      detail: this.detail,
      ...(this.pointer === undefined ? {} : { pointer: this.pointer }),
      ...(this.requestId === undefined ? {} : { requestId: this.requestId }),
      ...(this.details === undefined ? {} : { details: this.details }),
    };
  }
}

export function isSafeguardApiError(value: unknown): value is SafeguardApiError {
  return value instanceof SafeguardApiError;
}

const isServerCode = (code: unknown): code is ServerErrorCode =>
  typeof code === 'string' && (serverErrorCodes as readonly string[]).includes(code);

/** The problem document in an error answer's body, if it is one. */
export function parseProblem(body: string): Problem | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const p = parsed as Record<string, unknown>;
  if (!isServerCode(p.code) || typeof p.detail !== 'string') return undefined;
  return parsed as Problem;
}

/** The error for an answer with status >= 400. */
export function errorFromResponse(status: number, body: string): SafeguardApiError {
  const problem = parseProblem(body);
  if (!problem) {
    const snippet = body.trim().slice(0, 200);
    return new SafeguardApiError({
      status,
      code: 'unexpected_response',
      detail: `HTTP ${status} without a problem document${snippet ? `: ${snippet}` : ''}`,
    });
  }
  return new SafeguardApiError({
    status,
    code: problem.code,
    detail: problem.detail,
    ...(typeof problem.pointer === 'string' ? { pointer: problem.pointer } : {}),
    ...(typeof problem.requestId === 'string' ? { requestId: problem.requestId } : {}),
    ...(problem.details === undefined ? {} : { details: problem.details }),
  });
}
