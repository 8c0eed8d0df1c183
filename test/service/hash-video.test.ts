import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, it } from 'vitest';
import { FfmpegVideoDecoder } from '../../src/media/ffmpeg-video-decoder.js';
import { hashVideoFile } from '../../src/service/hash-video.js';
import { HashPool } from '../../src/worker/hash-pool.js';
import { expectSafeguardError } from '../store/store-fixture.js';
import { sharedDir } from '../support/shared.js';

const sample = join(sharedDir, 'testdata/vpdq/videos/doorknob-hd-no-bar.mp4');
const limits = { maxPixels: 64e6, maxDurationSec: 3600, maxBytes: 1 << 30 };
const pool = new HashPool(2);
const deps = { videoDecoder: new FfmpegVideoDecoder(), hasher: pool };
const work = mkdtempSync(join(tmpdir(), 'safeguard-hash-video-'));
afterAll(async () => {
  await pool.close();
  rmSync(work, { recursive: true, force: true });
});

function file(name: string, bytes: Uint8Array | string): string {
  const path = join(work, name);
  writeFileSync(path, bytes);
  return path;
}

describe('hashVideoFile refuses what it cannot hash, clearly', () => {
  it('empty, missing, over the byte or pixel limit, a bad interval', async () => {
    await expectSafeguardError(
      hashVideoFile(deps, file('empty.mp4', ''), { limits }),
      'empty_file',
    );
    await expectSafeguardError(
      hashVideoFile(deps, join(work, 'nope.mp4'), { limits }),
      'not_found',
    );
    await expectSafeguardError(hashVideoFile(deps, work, { limits }), 'not_a_file');
    await expectSafeguardError(
      hashVideoFile(deps, sample, { limits: { ...limits, maxBytes: 1000 } }),
      'file_too_large',
    );
    await expectSafeguardError(
      hashVideoFile(deps, sample, { limits: { ...limits, maxPixels: 1280 * 720 - 1 } }),
      'image_too_large',
      /1280x720, over the limit of 921599 pixels/,
    );
    await expectSafeguardError(
      hashVideoFile(deps, sample, { limits, everySec: -1 }),
      'invalid_argument',
    );
  });

  it('a file cut in half is refused as a bad video, not half-hashed', async () => {
    const whole = readFileSync(sample);
    const cut = file('cut.mp4', whole.subarray(0, whole.length / 2));
    await expectSafeguardError(
      hashVideoFile(deps, cut, { limits }),
      'corrupt_video',
      /the video is damaged: .*partial file|corrupt input packet/,
    );
  });

  it('a text file named .mp4 is not a video', async () => {
    await expectSafeguardError(
      hashVideoFile(deps, file('text.mp4', 'hello, not a video\n'.repeat(100)), { limits }),
      'unsupported_format',
    );
  });

  it('stops when its signal aborts, as a timeout', async () => {
    await expectSafeguardError(
      hashVideoFile(deps, sample, { limits, everySec: 0, signal: AbortSignal.abort() }),
      'timeout',
    );
  });
});
