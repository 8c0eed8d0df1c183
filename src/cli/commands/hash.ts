import { availableParallelism } from 'node:os';
import { SafeguardError } from '../../core/errors.js';
import { formatVpdqFile } from '../../core/video/vpdq.js';
import type { HashLimits, ImageHashes } from '../../service/hash-image.js';
import { hashVideoFile, type VideoHashes, type VideoLimits } from '../../service/hash-video.js';
import type { VideoDecoder } from '../../service/ports/video-decoder.js';
import { HashPool } from '../../worker/hash-pool.js';
import { listInputs } from '../list-inputs.js';
import { isVideoFile } from '../video-files.js';
import type { ProgressBar } from '../progress.js';

export interface HashCommandOptions {
  json: boolean;
  dihedral: boolean;
  limits: HashLimits;
  threads?: number;
  video: { decoder: VideoDecoder; everySec: number; limits: VideoLimits };
}

export interface HashOutput {
  write(line: string): void;
  error(line: string): void;
  progress?: ProgressBar;
}

type Outcome =
  | { path: string; hashes: ImageHashes }
  | { path: string; video: VideoHashes }
  | { path: string; error: SafeguardError };

const PROGRESS_MIN_FILES = 20;

/**
 * `safeguard hash`: hashes every file in input order with all cores, prints one line per file
 * as it completes in order, and returns the number of files that failed.
 */
export async function runHash(
  paths: readonly string[],
  options: HashCommandOptions,
  out: HashOutput,
): Promise<number> {
  const pool = new HashPool(options.threads ?? availableParallelism());
  const queue: Promise<Outcome>[] = [];
  let failures = 0;
  let next = 0;
  let videos: Promise<Outcome | undefined> = Promise.resolve(undefined);
  const flush = async (all: boolean): Promise<void> => {
    // Keep output in input order; write whatever is finished at the head of the queue.
    while (next < queue.length) {
      if (!all && next > queue.length - pool.size * 4) break;
      const outcome = await queue[next];
      next++;
      out.progress?.tick();
      if ('error' in outcome) {
        failures++;
        writeError(out, options, outcome.path, outcome.error);
      } else if ('video' in outcome) {
        writeVideo(out, options, outcome.path, outcome.video);
      } else {
        writeHashes(out, options, outcome.path, outcome.hashes);
      }
    }
  };
  try {
    for await (const input of listInputs(paths)) {
      if (input.kind === 'error') {
        queue.push(Promise.resolve({ path: input.path, error: input.error }));
      } else if (await isVideoFile(input.path)) {
        // One video at a time: each already keeps ffmpeg and every hashing thread busy.
        const path = input.path;
        const video: Promise<Outcome> = videos.then(() =>
          hashVideoFile({ videoDecoder: options.video.decoder, hasher: pool }, path, {
            everySec: options.video.everySec,
            limits: options.video.limits,
          }).then(
            (video): Outcome => ({ path, video }),
            (error: unknown): Outcome => ({ path, error: asSafeguardError(error) }),
          ),
        );
        videos = video;
        queue.push(video);
      } else {
        const path = input.path;
        queue.push(
          pool.hashFile(path, { limits: options.limits, dihedral: options.dihedral }).then(
            (hashes): Outcome => ({ path, hashes }),
            (error: unknown): Outcome => ({ path, error: asSafeguardError(error) }),
          ),
        );
      }
      if (queue.length >= PROGRESS_MIN_FILES) out.progress?.setTotal(queue.length);
      await flush(false);
    }
    if (queue.length >= PROGRESS_MIN_FILES) out.progress?.setTotal(queue.length);
    await flush(true);
  } finally {
    if (queue.length >= PROGRESS_MIN_FILES) out.progress?.finish();
    await pool.close();
  }
  return failures;
}

function asSafeguardError(error: unknown): SafeguardError {
  if (error instanceof SafeguardError) return error;
  return new SafeguardError('internal', error instanceof Error ? error.message : String(error));
}

function writeHashes(
  out: HashOutput,
  options: HashCommandOptions,
  path: string,
  h: ImageHashes,
): void {
  if (options.json) {
    const record: Record<string, unknown> = {
      file: path,
      pdq: h.pdq,
      quality: h.quality,
      md5: h.md5,
      sha256: h.sha256,
    };
    if (options.dihedral) record.pdqDihedral = h.pdqDihedral;
    out.write(JSON.stringify(record));
  } else if (options.dihedral) {
    // The reference tool's --pdqdih-across format.
    out.write(`${(h.pdqDihedral ?? []).join(',')},${h.quality},${path}`);
  } else {
    // The reference tool's format: hash,quality,filename.
    out.write(`${h.pdq},${h.quality},${path}`);
  }
}

function writeVideo(
  out: HashOutput,
  options: HashCommandOptions,
  path: string,
  v: VideoHashes,
): void {
  if (options.json) {
    out.write(
      JSON.stringify({
        file: path,
        kind: 'video',
        md5: v.md5,
        sha256: v.sha256,
        width: v.info.width,
        height: v.info.height,
        fps: v.info.fps,
        durationSec: v.info.durationSec,
        everyNthFrame: v.everyNthFrame,
        frames: v.frames.map((f) => ({
          frame: f.frame,
          quality: f.quality,
          pdq: f.hash,
          timestamp: f.timestamp,
        })),
      }),
    );
  } else {
    // Meta's vpdq-hash-video format: frame,quality,hash,timestamp — one line per frame.
    out.write(formatVpdqFile(v.frames).trimEnd());
  }
}

function writeError(
  out: HashOutput,
  options: HashCommandOptions,
  path: string,
  error: SafeguardError,
): void {
  if (options.json) {
    out.write(JSON.stringify({ file: path, error: { code: error.code, message: error.message } }));
  } else {
    out.error(`safeguard: ${path}: ${error.message} (${error.code})`);
  }
}
