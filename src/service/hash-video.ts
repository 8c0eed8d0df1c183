import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { SafeguardError } from '../core/errors.js';
import type { VpdqFrame } from '../core/video/vpdq.js';
import type { FrameHash, ImageHasher } from './ports/image-hasher.js';
import type { VideoDecoder, VideoDecodeLimits, VideoInfo } from './ports/video-decoder.js';

export interface VideoLimits extends VideoDecodeLimits {
  readonly maxBytes: number;
}

export interface HashVideoOptions {
  /** Seconds between hashed frames; 0 hashes every frame (the reference's `-r`). Default 1. */
  readonly everySec?: number;
  readonly limits: VideoLimits;
  readonly signal?: AbortSignal;
  /** The file's probe, when the caller already made it (not made again). */
  readonly info?: VideoInfo;
}

export interface VideoHashes {
  readonly md5: string;
  readonly sha256: string;
  /** One per hashed frame, in order: Meta's vPDQ (frame, quality, hash, timestamp). */
  readonly frames: readonly VpdqFrame[];
  readonly info: VideoInfo;
  /** Every this many decoded frames one was hashed. */
  readonly everyNthFrame: number;
}

export interface HashVideoDeps {
  readonly videoDecoder: VideoDecoder;
  readonly hasher: Pick<ImageHasher, 'hashPixels'>;
}

/** Frames being hashed at once: enough to keep every hashing thread busy while ffmpeg decodes. */
const IN_FLIGHT = 8;

/**
 * vPDQ of a video file the way Meta's `vpdq-hash-video -r S` computes it: every frame decoded,
 * frame n hashed when n % int(S * fps) == 0, PDQ (fullres) of its RGB pixels, timestamp
 * n / average frame rate. Plus MD5 and SHA-256 of the file's bytes.
 */
export async function hashVideoFile(
  deps: HashVideoDeps,
  path: string,
  options: HashVideoOptions,
): Promise<VideoHashes> {
  const size = await fileSize(path);
  if (size === 0) throw new SafeguardError('empty_file', 'file is empty');
  if (size > options.limits.maxBytes) {
    throw new SafeguardError(
      'file_too_large',
      `file is ${size} bytes, over the limit of ${options.limits.maxBytes}`,
      { bytes: size, maxBytes: options.limits.maxBytes },
    );
  }
  const digests = digestFile(path);
  // A failed probe must not leave the digest stream's rejection unhandled.
  digests.catch(() => undefined);
  const info = options.info ?? (await deps.videoDecoder.probe(path, options.limits));
  const everySec = options.everySec ?? 1;
  if (!(everySec >= 0) || !Number.isFinite(everySec)) {
    throw new SafeguardError('invalid_argument', `everySec must be >= 0, got ${everySec}`);
  }
  const everyNthFrame = Math.max(1, Math.floor(everySec * info.fps));
  const pending: Array<{ frame: number; timestamp: number; hash: Promise<FrameHash> }> = [];
  const frames: VpdqFrame[] = [];
  const settleOldest = async () => {
    const oldest = pending.shift();
    if (!oldest) return;
    const { pdq, quality } = await oldest.hash;
    frames.push({ frame: oldest.frame, quality, hash: pdq, timestamp: oldest.timestamp });
  };
  try {
    for await (const decoded of deps.videoDecoder.fileFrames(path, info, {
      everyNthFrame,
      limits: options.limits,
      signal: options.signal,
    })) {
      const hash = deps.hasher.hashPixels(decoded.image);
      hash.catch(() => undefined);
      pending.push({ frame: decoded.frameNumber, timestamp: decoded.timestamp, hash });
      if (pending.length >= IN_FLIGHT) await settleOldest();
    }
    while (pending.length > 0) await settleOldest();
  } catch (error) {
    if (options.signal?.aborted) {
      throw new SafeguardError('timeout', 'the video scan was stopped before it finished', {
        framesHashed: frames.length,
      });
    }
    throw error;
  } finally {
    // On an error, let the hashes in flight finish quietly.
    for (const p of pending) p.hash.catch(() => undefined);
  }
  const { md5, sha256 } = await digests;
  return { md5, sha256, frames, info, everyNthFrame };
}

async function fileSize(path: string): Promise<number> {
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new SafeguardError('not_a_file', 'not a regular file');
    return info.size;
  } catch (cause) {
    if (cause instanceof SafeguardError) throw cause;
    const code = (cause as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new SafeguardError('not_found', 'no such file or folder');
    throw new SafeguardError('io_error', `could not read the file (${code ?? 'unknown'})`);
  }
}

async function digestFile(path: string): Promise<{ md5: string; sha256: string }> {
  const md5 = createHash('md5');
  const sha256 = createHash('sha256');
  for await (const chunk of createReadStream(path)) {
    md5.update(chunk as Buffer);
    sha256.update(chunk as Buffer);
  }
  return { md5: md5.digest('hex'), sha256: sha256.digest('hex') };
}
