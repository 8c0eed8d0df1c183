/**
 * A hashing thread: reads, decodes and hashes images posted by HashPool. Composes the sharp
 * decoder with the hashing service, like app.ts does for the main thread.
 */
import { readFile, stat } from 'node:fs/promises';
import { parentPort } from 'node:worker_threads';
import sharp from 'sharp';
import { SafeguardError } from '../core/errors.js';
import { computePdq, PdqScratch } from '../core/hash/pdq.js';
import { pdqToHex } from '../core/hash/pdq-hash.js';
import { SharpImageDecoder } from '../media/sharp-image-decoder.js';
import { hashImage } from '../service/hash-image.js';
import type { HashRequest, HashResponse } from './hash-messages.js';
import { toErrorBody } from './hash-messages.js';

sharp.concurrency(1);
const decoder = new SharpImageDecoder();
const scratch = new PdqScratch();

async function handle(request: HashRequest): Promise<HashResponse> {
  try {
    if (request.kind === 'pixels') {
      const { hash, quality } = computePdq(request.image, scratch);
      return { id: request.id, ok: true, hashes: { pdq: pdqToHex(hash), quality } };
    }
    const bytes =
      request.kind === 'bytes'
        ? request.bytes
        : await readLimited(request.path, request.options.limits.maxBytes);
    const hashes = await hashImage({ decoder, scratch }, bytes, request.options);
    return { id: request.id, ok: true, hashes };
  } catch (error) {
    return { id: request.id, ok: false, error: toErrorBody(error) };
  }
}

/** Reads a file, refusing folders, missing paths and files over the byte limit before reading. */
async function readLimited(path: string, maxBytes: number): Promise<Uint8Array> {
  let size: number;
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new SafeguardError('not_a_file', 'not a regular file');
    size = info.size;
  } catch (cause) {
    if (cause instanceof SafeguardError) throw cause;
    throw ioError(cause);
  }
  if (size > maxBytes) {
    throw new SafeguardError(
      'file_too_large',
      `file is ${size} bytes, over the limit of ${maxBytes}`,
      { bytes: size, maxBytes },
    );
  }
  try {
    return await readFile(path);
  } catch (cause) {
    throw ioError(cause);
  }
}

function ioError(cause: unknown): SafeguardError {
  const code = (cause as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return new SafeguardError('not_found', 'no such file or folder');
  if (code === 'EACCES') return new SafeguardError('io_error', 'permission denied');
  if (code === 'EISDIR') return new SafeguardError('not_a_file', 'is a folder');
  return new SafeguardError(
    'io_error',
    `could not read the file (${code ?? 'unknown error'})`,
    undefined,
    {
      cause,
    },
  );
}

parentPort?.on('message', (request: HashRequest) => {
  void handle(request).then((response) => parentPort?.postMessage(response));
});
