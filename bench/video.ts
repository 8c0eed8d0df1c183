/**
 * npm run bench:video — prints one JSON line:
 *   1. vPDQ hashing speed as a multiple of real time, for a 720p H.264 clip (Meta's
 *      doorknob-hd-no-bar sample, 1280x720 at 30 fps, looped to 60 s without re-encoding),
 *      with the hashing pool on every core: one frame a second (the default) and every frame;
 *   2. live-stream detection latency: seconds from the banked image's first appearance in a
 *      live stream to the signed webhook's arrival (bench/stream-latency.ts).
 * Progress goes to stderr.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FfmpegVideoDecoder } from '../src/media/ffmpeg-video-decoder.js';
import { hashVideoFile } from '../src/service/hash-video.js';
import { HashPool } from '../src/worker/hash-pool.js';
import { measureStreamLatency } from './stream-latency.js';

const here = dirname(fileURLToPath(import.meta.url));
const sample = resolve(here, '../../shared/testdata/vpdq/videos/doorknob-hd-no-bar.mp4');
const cache = join(here, '.cache');
const clip = join(cache, 'doorknob-720p-60s.mp4');
const limits = { maxPixels: 64e6, maxDurationSec: 24 * 3600, maxBytes: 1 << 30 };

function log(message: string): void {
  process.stderr.write(`bench:video: ${message}\n`);
}

function makeClip(): void {
  if (existsSync(clip)) return;
  mkdirSync(cache, { recursive: true });
  // 15 loops of the 4 s sample, stream copied: real camera content, no re-encode.
  execFileSync('ffmpeg', [
    ...['-v', 'error', '-y', '-stream_loop', '14', '-i', sample],
    ...['-map', '0:v:0', '-c', 'copy', clip],
  ]);
}

async function hashSpeed(pool: HashPool, everySec: number, runs: number) {
  const decoder = new FfmpegVideoDecoder();
  const info = await decoder.probe(clip, limits);
  const times: number[] = [];
  let frames = 0;
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    const hashed = await hashVideoFile({ videoDecoder: decoder, hasher: pool }, clip, {
      everySec,
      limits,
    });
    times.push((performance.now() - started) / 1000);
    frames = hashed.frames.length;
  }
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)];
  const durationSec = info.durationSec ?? 0;
  return {
    durationSec: Math.round(durationSec * 1000) / 1000,
    framesHashed: frames,
    wallSec: Math.round(median * 1000) / 1000,
    realTimeMultiple: Math.round((durationSec / median) * 10) / 10,
    framesPerSec: Math.round(frames / median),
  };
}

async function main(): Promise<void> {
  makeClip();
  const threads = availableParallelism();
  const pool = new HashPool(threads);
  try {
    log(`hashing a 60 s 720p clip, one frame a second, ${threads} threads`);
    const oneASecond = await hashSpeed(pool, 1, 3);
    log(`  ${oneASecond.realTimeMultiple}x real time`);
    log('hashing every frame');
    const everyFrame = await hashSpeed(pool, 0, 1);
    log(`  ${everyFrame.realTimeMultiple}x real time, ${everyFrame.framesPerSec} frames/s`);
    log('live-stream detection latency');
    const stream = await measureStreamLatency();
    log(`  ${stream.latencySec} s`);
    process.stdout.write(
      `${JSON.stringify({
        clip: { width: 1280, height: 720, fps: 30, durationSec: oneASecond.durationSec },
        threads,
        hashOneFramePerSecond: oneASecond,
        hashEveryFrame: everyFrame,
        stream,
        goals: { realTimeMultiple: 10, streamLatencySec: 2 },
      })}\n`,
    );
  } finally {
    await pool.close();
  }
}

await main();
