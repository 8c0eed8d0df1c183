import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { FastifyRequest } from 'fastify';
import { SafeguardError } from '../core/errors.js';
import { looksLikeVideo } from '../core/video/looks-like-video.js';

/** An image comes back in memory; a video is spooled to a file (it may be a gigabyte). */
export type ScanUpload =
  | { readonly kind: 'image'; readonly bytes: Uint8Array; readonly fields: Record<string, string> }
  | {
      readonly kind: 'video';
      readonly path: string;
      readonly size: number;
      readonly fields: Record<string, string>;
    };

export interface UploadLimits {
  readonly maxImageBytes: number;
  readonly maxVideoBytes: number;
  /** Where videos are spooled; undefined: videos are refused (415). */
  readonly spoolDir: string | undefined;
}

/**
 * Reads the file of a scan request: multipart field `file`, a raw image/* body (buffered by
 * its parser), or a raw video/* or application/octet-stream body (a stream). The first bytes
 * decide whether it is a video, whatever the declared type; only videos may exceed the image
 * byte limit, up to the video limit.
 */
export async function readScanUpload(
  request: FastifyRequest,
  limits: UploadLimits,
): Promise<ScanUpload> {
  if (request.isMultipart()) {
    const fields: Record<string, string> = {};
    let upload: ScanUpload | undefined;
    // A refused part is drained and the form read to its end before the error is thrown: an
    // answer sent mid-body would leave the connection's next request reading our leftovers.
    let failure: Error | undefined;
    const fileSize = Math.max(limits.maxImageBytes, limits.maxVideoBytes);
    for await (const part of request.parts({ limits: { fileSize } })) {
      if (part.type !== 'file') {
        if (typeof part.value === 'string') fields[part.fieldname] = part.value;
        continue;
      }
      if (failure !== undefined || upload !== undefined || part.fieldname !== 'file') {
        await drain(part.file);
        failure ??=
          part.fieldname !== 'file'
            ? new SafeguardError(
                'invalid_argument',
                `unexpected file field '${part.fieldname}': send the file as 'file'`,
                { pointer: `/body/${part.fieldname}` },
              )
            : new SafeguardError('invalid_argument', 'one file per scan', {
                pointer: '/body/file',
              });
        continue;
      }
      try {
        upload = await readStream(part.file, limits, fields);
      } catch (error) {
        await drain(part.file);
        failure = error instanceof Error ? error : new Error(String(error));
      }
    }
    if (failure !== undefined) {
      if (upload?.kind === 'video') await rm(upload.path, { force: true });
      throw failure;
    }
    if (!upload) {
      throw new SafeguardError(
        'invalid_argument',
        "no file: send the image or video in the multipart field 'file'",
        { pointer: '/body/file' },
      );
    }
    return upload;
  }
  const body = request.body;
  if (body instanceof Buffer) {
    if (looksLikeVideo(body)) return spoolBuffer(body, limits);
    return { kind: 'image', bytes: body, fields: {} };
  }
  if (isReadable(body)) return readStream(body, limits, {});
  throw new SafeguardError(
    'unsupported_media_type',
    'send the file as multipart/form-data (field "file") or as a raw image/* or video/* body',
  );
}

async function readStream(
  source: Readable,
  limits: UploadLimits,
  fields: Record<string, string>,
): Promise<ScanUpload> {
  const iterator = source[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const head: Buffer[] = [];
  let headBytes = 0;
  let ended = false;
  while (headBytes < 256) {
    const next = await iterator.next();
    if (next.done) {
      ended = true;
      break;
    }
    head.push(next.value);
    headBytes += next.value.length;
  }
  const first: Buffer = Buffer.concat(head);
  if (!looksLikeVideo(first)) {
    const chunks: Buffer[] = [first];
    let size = first.length;
    for (;;) {
      if (size > limits.maxImageBytes) {
        if (!ended) await discardRest(iterator);
        throw tooLarge(size, limits.maxImageBytes, 'an image');
      }
      if (ended) break;
      const next = await iterator.next();
      if (next.done) break;
      chunks.push(next.value);
      size += next.value.length;
    }
    return { kind: 'image', bytes: Buffer.concat(chunks), fields };
  }
  const path = await spoolPath(limits);
  let size = 0;
  try {
    await pipeline(
      (async function* () {
        for (let chunk: Buffer | undefined = first; chunk !== undefined;) {
          size += chunk.length;
          if (size > limits.maxVideoBytes) throw tooLarge(size, limits.maxVideoBytes, 'a video');
          yield chunk;
          if (ended) break;
          const next = await iterator.next();
          chunk = next.done ? undefined : next.value;
        }
      })(),
      createWriteStream(path, { flags: 'wx', mode: 0o600 }),
    );
  } catch (error) {
    // Read the rest (the generator stopped at the limit, or the disk failed) so the request
    // ends cleanly and its connection stays usable.
    await discardRest(iterator).catch(() => undefined);
    await rm(path, { force: true });
    throw error;
  }
  if ((source as Readable & { truncated?: boolean }).truncated) {
    await rm(path, { force: true });
    throw tooLarge(size, limits.maxVideoBytes, 'a video');
  }
  return { kind: 'video', path, size, fields };
}

async function spoolBuffer(body: Buffer, limits: UploadLimits): Promise<ScanUpload> {
  if (body.length > limits.maxVideoBytes)
    throw tooLarge(body.length, limits.maxVideoBytes, 'a video');
  const path = await spoolPath(limits);
  await pipeline([body], createWriteStream(path, { flags: 'wx', mode: 0o600 }));
  return { kind: 'video', path, size: body.length, fields: {} };
}

async function spoolPath(limits: UploadLimits): Promise<string> {
  if (limits.spoolDir === undefined) {
    throw new SafeguardError('unsupported_media_type', 'this server does not scan videos');
  }
  await mkdir(limits.spoolDir, { recursive: true, mode: 0o700 });
  return join(limits.spoolDir, `${randomUUID()}.video`);
}

function tooLarge(size: number, max: number, what: string): SafeguardError {
  return new SafeguardError(
    'file_too_large',
    `the file is over ${max} bytes, the limit for ${what} (read ${size} so far)`,
    { maxBytes: max },
  );
}

/** Reads what an iterator still has, keeping nothing. */
async function discardRest(iterator: AsyncIterator<Buffer>): Promise<void> {
  for (;;) {
    const next = await iterator.next();
    if (next.done) return;
  }
}

/** Reads a stream to its end, keeping nothing. */
async function drain(stream: Readable): Promise<void> {
  if (stream.readableEnded || stream.destroyed) return;
  stream.resume();
  await new Promise<void>((resolve) => {
    stream.once('end', resolve);
    stream.once('close', resolve);
    stream.once('error', () => resolve());
  });
}

function isReadable(value: unknown): value is Readable {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Readable)[Symbol.asyncIterator] === 'function' &&
    typeof (value as Readable).resume === 'function'
  );
}
