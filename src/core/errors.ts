/**
 * The one error type of Safeguard. The code says what went wrong; callers classify by code,
 * never by message text. The core knows no HTTP status: server/error-status.ts maps codes.
 */
export const errorCodes = [
  'invalid_argument',
  'not_found',
  'conflict',
  'empty_file',
  'file_too_large',
  'image_too_large',
  'unsupported_format',
  'corrupt_image',
  'corrupt_video',
  'video_too_long',
  'not_a_file',
  'io_error',
  'unauthorized',
  'forbidden',
  'unsupported_media_type',
  'rate_limited',
  'timeout',
  'unavailable',
  'internal',
] as const;

export type ErrorCode = (typeof errorCodes)[number];

export class SafeguardError extends Error {
  override readonly name = 'SafeguardError';

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  toJSON(): { code: ErrorCode; message: string; details?: Record<string, unknown> } {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details };
  }
}

export function isSafeguardError(value: unknown): value is SafeguardError {
  return value instanceof SafeguardError;
}
