import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hammingDistance, pdqFromHex } from '../../src/core/hash/pdq-hash.js';
import { formatVpdqFile, parseVpdqFile, type VpdqFrame } from '../../src/core/video/vpdq.js';
import { FfmpegVideoDecoder } from '../../src/media/ffmpeg-video-decoder.js';
import { hashVideoFile } from '../../src/service/hash-video.js';
import { HashPool } from '../../src/worker/hash-pool.js';
import { sharedDir } from '../support/shared.js';

const vpdqDir = join(sharedDir, 'testdata/vpdq');
const videos = [
  'test-padded-dimensions',
  'doorknob-hd-no-bar',
  'pattern-sd-grey-bar',
  'pattern-sd-with-small-logo-bar',
];
const limits = { maxPixels: 64e6, maxDurationSec: 3600, maxBytes: 1 << 30 };
const pool = new HashPool(2);
const deps = { videoDecoder: new FfmpegVideoDecoder(), hasher: pool };
afterAll(() => pool.close());

/** Our ffmpeg's version: the regenerated hashes were made with FFmpeg 5.1 (Debian 12). */
const ffmpegVersion = /ffmpeg version (\S+)/.exec(
  execFileSync('ffmpeg', ['-version'], { encoding: 'utf8' }),
)?.[1];
const sameFfmpegAsRegenerated = ffmpegVersion?.startsWith('5.1') ?? false;

const expectedText = (path: string) => readFileSync(join(vpdqDir, 'expected', path), 'utf8');

function expected(path: string): VpdqFrame[] {
  const parsed = parseVpdqFile(expectedText(path));
  if (!parsed.ok) throw new Error(`${path}: ${parsed.issue.reason}`);
  return parsed.value;
}

/** The vpdq README's regression rule: a frame matches when distance < 31, both qualities >= 50. */
function compareFrames(ours: readonly VpdqFrame[], theirs: readonly VpdqFrame[]) {
  let comparable = 0;
  let matching = 0;
  let identical = 0;
  let maxDistance = 0;
  for (let i = 0; i < theirs.length; i++) {
    const d = hammingDistance(pdqFromHex(ours[i].hash), pdqFromHex(theirs[i].hash));
    if (d === 0) identical++;
    if (ours[i].quality < 50 || theirs[i].quality < 50) continue;
    comparable++;
    if (d < 31) matching++;
    maxDistance = Math.max(maxDistance, d);
  }
  return { comparable, matching, identical, maxDistance };
}

describe.each(videos)('vPDQ of %s', (name) => {
  const path = join(vpdqDir, 'videos', `${name}.mp4`);

  it('every frame (-r 0): same frames and timestamps as Meta, hashes within the README tolerance', async () => {
    const ours = await hashVideoFile(deps, path, { everySec: 0, limits });
    const meta = expected(`reference-sample-hashes/${name}.txt`);
    expect(ours.frames.map((f) => [f.frame, f.timestamp.toFixed(3)])).toEqual(
      meta.map((f) => [f.frame, f.timestamp.toFixed(3)]),
    );
    const vsMeta = compareFrames(ours.frames, meta);
    expect(vsMeta.comparable).toBeGreaterThan(0);
    expect(vsMeta.matching).toBe(vsMeta.comparable);
    if (name === 'test-padded-dimensions') expect(vsMeta.identical).toBe(meta.length);

    const regenerated = expected(`regenerated-ffmpeg5.1/${name}.every-frame.txt`);
    const vsOurFfmpeg = compareFrames(ours.frames, regenerated);
    if (sameFfmpegAsRegenerated) {
      // Same FFmpeg as the reference C++ build that made these: the same file, byte for byte.
      expect(formatVpdqFile(ours.frames)).toBe(
        expectedText(`regenerated-ffmpeg5.1/${name}.every-frame.txt`),
      );
    } else {
      expect(vsOurFfmpeg.matching).toBe(vsOurFfmpeg.comparable);
    }
  });

  it('one frame per second (-r 1) picks the reference frames', async () => {
    const ours = await hashVideoFile(deps, path, { everySec: 1, limits });
    const regenerated = expected(`regenerated-ffmpeg5.1/${name}.1s.txt`);
    expect(ours.frames.map((f) => f.frame)).toEqual(regenerated.map((f) => f.frame));
    if (sameFfmpegAsRegenerated) {
      expect(formatVpdqFile(ours.frames)).toBe(
        expectedText(`regenerated-ffmpeg5.1/${name}.1s.txt`),
      );
    }
    expect(ours.everyNthFrame).toBe(30);
    expect(ours.info.fps).toBe(30);
    expect(ours.md5).toBe(execFileSync('md5sum', [path], { encoding: 'utf8' }).split(' ')[0]);
  });
});
