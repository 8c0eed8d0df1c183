import { isSafeguardError, type ErrorCode } from '../core/errors.js';
import type { HashImageOptions, ImageHashes } from '../service/hash-image.js';

export type HashRequest =
  | { id: number; kind: 'path'; path: string; options: HashImageOptions }
  | { id: number; kind: 'bytes'; bytes: Uint8Array; options: HashImageOptions };

export interface ErrorBody {
  code: ErrorCode;
  message: string;
  details?: Record<string, unknown>;
}

export type HashResponse =
  { id: number; ok: true; hashes: ImageHashes } | { id: number; ok: false; error: ErrorBody };

export function toErrorBody(error: unknown): ErrorBody {
  if (isSafeguardError(error)) return error.toJSON();
  const message = error instanceof Error ? error.message : String(error);
  return { code: 'internal', message };
}
