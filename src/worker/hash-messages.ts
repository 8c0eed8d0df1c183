import { isSafeguardError, type ErrorCode } from '../core/errors.js';
import type { RawImage } from '../core/hash/luma.js';
import type { HashImageOptions, ImageHashes } from '../service/hash-image.js';
import type { FrameHash } from '../service/ports/image-hasher.js';

export type HashRequest =
  | { id: number; kind: 'path'; path: string; options: HashImageOptions }
  | { id: number; kind: 'bytes'; bytes: Uint8Array; options: HashImageOptions }
  | { id: number; kind: 'pixels'; image: RawImage };

export interface ErrorBody {
  code: ErrorCode;
  message: string;
  details?: Record<string, unknown>;
}

export type HashResponse =
  | { id: number; ok: true; hashes: ImageHashes | FrameHash }
  | { id: number; ok: false; error: ErrorBody };

export function toErrorBody(error: unknown): ErrorBody {
  if (isSafeguardError(error)) return error.toJSON();
  const message = error instanceof Error ? error.message : String(error);
  return { code: 'internal', message };
}
