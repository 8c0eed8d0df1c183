import type { VpdqMatchRule } from '../core/video/vpdq-index.js';
import { hashVideoFile, type VideoLimits } from './hash-video.js';
import { matchVideo } from './match-video.js';
import type { MatchIndex } from './match-index.js';
import { newId } from './new-id.js';
import type { BankStore } from './ports/bank-store.js';
import type { ImageHasher } from './ports/image-hasher.js';
import type { VideoDecoder, VideoInfo } from './ports/video-decoder.js';
import type { ScanMeta, ScanResult } from './scan.js';

export interface VideoScanDeps {
  readonly hasher: Pick<ImageHasher, 'hashPixels'>;
  readonly videoDecoder: VideoDecoder;
  readonly matchIndex: MatchIndex;
  readonly bankStore: Pick<BankStore, 'getSignals'>;
  readonly limits: VideoLimits;
  /** Seconds between hashed frames (0: every frame). */
  readonly frameIntervalSec: number;
  readonly rule: VpdqMatchRule;
  readonly now?: () => number;
}

/**
 * Hashes a video file (vPDQ, MD5, SHA-256) and matches it against every bank: banked videos,
 * banked images shown in its frames, exact file hashes.
 */
export async function scanVideoFile(
  deps: VideoScanDeps,
  path: string,
  meta: ScanMeta = {},
  options: { readonly signal?: AbortSignal; readonly info?: VideoInfo } = {},
): Promise<ScanResult> {
  const now = deps.now ?? Date.now;
  const started = now();
  const hashes = await hashVideoFile(deps, path, {
    everySec: deps.frameIntervalSec,
    limits: deps.limits,
    ...options,
  });
  const outcome = await matchVideo(deps, hashes, deps.rule);
  const { info } = hashes;
  return {
    scanId: newId('scn', started),
    kind: 'video',
    verdict: outcome.verdict,
    matches: outcome.matches,
    reasons: outcome.reasons,
    hashes: { md5: hashes.md5, sha256: hashes.sha256 },
    ...meta,
    durationMs: now() - started,
    createdAt: new Date(started).toISOString(),
    video: {
      format: info.format,
      codec: info.codec,
      width: info.width,
      height: info.height,
      fps: info.fps,
      ...(info.durationSec === undefined ? {} : { durationSec: info.durationSec }),
      framesHashed: hashes.frames.length,
      framesCompared: outcome.framesCompared,
      everyNthFrame: hashes.everyNthFrame,
    },
  };
}
