import type { ErrorCode } from '../core/errors.js';

/** The HTTP status of each error code; the core knows no HTTP. */
export const errorStatus: Record<ErrorCode, number> = {
  invalid_argument: 400,
  not_found: 404,
  conflict: 409,
  empty_file: 400,
  file_too_large: 413,
  image_too_large: 413,
  unsupported_format: 415,
  corrupt_image: 422,
  corrupt_video: 422,
  video_too_long: 413,
  not_a_file: 400,
  io_error: 500,
  unauthorized: 401,
  forbidden: 403,
  unsupported_media_type: 415,
  rate_limited: 429,
  timeout: 503,
  unavailable: 503,
  internal: 500,
};
