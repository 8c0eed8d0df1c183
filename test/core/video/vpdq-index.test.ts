import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  compareVpdq,
  isVpdqMatch,
  VpdqIndex,
  defaultVpdqMatchRule,
} from '../../../src/core/video/vpdq-index.js';
import {
  formatVpdqFile,
  framesOfVpdqValue,
  parseVpdqFile,
  prepareVpdqFrames,
  vpdqSignalValue,
  type VpdqFrame,
} from '../../../src/core/video/vpdq.js';

/** A hash at distance exactly `flips` from `base`: distinct bits chosen by `seed`. */
function near(base: string, flips: number, seed: number): string {
  const bits = [...Buffer.from(base, 'hex')];
  const flipped = new Set<number>();
  let x = (seed * 2654435761) >>> 0;
  while (flipped.size < flips) {
    x = (x * 1103515245 + 12345) >>> 0;
    const bit = (x >>> 8) % 256;
    if (flipped.has(bit)) continue;
    flipped.add(bit);
    bits[bit >> 3] ^= 1 << (bit & 7);
  }
  return Buffer.from(bits).toString('hex');
}

const hex = (n: number) => n.toString(16).padStart(2, '0').repeat(32);
const frame = (i: number, hash: string, quality = 100): VpdqFrame => ({
  frame: i * 30,
  quality,
  hash,
  timestamp: i,
});

describe('vPDQ files and values', () => {
  it('reads and writes Meta’s hash file format', () => {
    const text = `0,100,${hex(1)},0.000\n30,45,${hex(2)},1.000\n`;
    const parsed = parseVpdqFile(text);
    expect(parsed).toEqual({
      ok: true,
      value: [frame(0, hex(1)), { ...frame(1, hex(2)), quality: 45 }],
    });
    if (parsed.ok) expect(formatVpdqFile(parsed.value)).toBe(text);
  });

  it('names the bad line of a hash file', () => {
    expect(parseVpdqFile(`0,100,${hex(1)},0.000\n1,100,zz,0.033\n`)).toEqual({
      ok: false,
      issue: { line: 2, reason: "pdq 'zz' is not 64 hex digits" },
    });
    expect(parseVpdqFile(`0,101,${hex(1)},0\n`)).toMatchObject({ ok: false, issue: { line: 1 } });
    expect(parseVpdqFile(`0,100,${hex(1)}\n`)).toMatchObject({
      ok: false,
      issue: { line: 1, reason: 'has 3 fields, expected 4 (frame,quality,pdq,timestamp)' },
    });
    expect(parseVpdqFile('\n\n')).toEqual({ ok: false, issue: { line: 1, reason: 'no frames' } });
  });

  it('round-trips frames through the bank value (python-threatexchange form)', () => {
    const frames = [frame(0, hex(1)), frame(1, hex(2), 40)];
    const value = vpdqSignalValue(frames);
    expect(value).toBe(JSON.stringify([`${hex(1)},100,0`, `${hex(2)},40,1`]));
    expect(framesOfVpdqValue(value)).toEqual([
      { frame: 0, quality: 100, hash: hex(1), timestamp: 0 },
      { frame: 1, quality: 40, hash: hex(2), timestamp: 1 },
    ]);
  });

  it('prepares frames like python-threatexchange: duplicates out, then low quality out', () => {
    const frames = [frame(0, hex(1)), frame(1, hex(1)), frame(2, hex(2), 49), frame(3, hex(3), 50)];
    expect(prepareVpdqFrames(frames, 50).map((f) => f.timestamp)).toEqual([0, 3]);
  });
});

describe('compareVpdq', () => {
  const banked = Array.from({ length: 10 }, (_, i) => frame(i, hex(i * 20 + 1)));

  it('a clip: all of the query found, a third of the target', () => {
    const clip = banked.slice(3, 6).map((f, i) => frame(i, near(f.hash, 10, i)));
    const c = compareVpdq(clip, banked, 31);
    expect(c).toMatchObject({ queryMatched: 3, targetMatched: 3, queryPct: 100, targetPct: 30 });
    expect(c.pairs.map((p) => [p.queryTimestamp, p.targetTimestamp])).toEqual([
      [0, 3],
      [1, 4],
      [2, 5],
    ]);
    expect(isVpdqMatch(c, defaultVpdqMatchRule)).toBe(true);
  });

  it('the threshold is inclusive (<= 31), and far frames do not match', () => {
    const q = [frame(0, near(banked[0].hash, 31, 7))];
    expect(compareVpdq(q, banked, 31).queryMatched).toBe(1);
    expect(compareVpdq(q, banked, 30).queryMatched).toBe(0);
  });

  it('needs the minimum number of frames', () => {
    const c = compareVpdq([banked[0]], banked.slice(0, 1), 31);
    expect(c.queryPct).toBe(100);
    expect(isVpdqMatch(c, { ...defaultVpdqMatchRule, minFrames: 2 })).toBe(false);
    expect(isVpdqMatch(c, { ...defaultVpdqMatchRule, minFrames: 1 })).toBe(true);
  });
});

describe('VpdqIndex', () => {
  const hashArb = fc
    .uint8Array({ minLength: 32, maxLength: 32 })
    .map((b) => Buffer.from(b).toString('hex'));
  const videoArb = (bases: string[]) =>
    fc
      .array(fc.tuple(fc.constantFrom(...bases), fc.integer({ min: 0, max: 60 })), {
        minLength: 1,
        maxLength: 12,
      })
      .map((list) => list.map(([base, flips], i) => frame(i, near(base, flips, i + flips))));

  it('gives the same figures as comparing with every banked video', () => {
    fc.assert(
      fc.property(
        fc
          .array(hashArb, { minLength: 3, maxLength: 6 })
          .chain((bases) =>
            fc.tuple(
              fc.array(videoArb(bases), { minLength: 1, maxLength: 5 }),
              videoArb(bases),
              fc.array(fc.integer({ min: 0, max: 40 }), { minLength: 5, maxLength: 5 }),
            ),
          ),
        ([videos, query, thresholds]) => {
          const index = new VpdqIndex();
          const prepared = videos.map((v) => prepareVpdqFrames(v, 50));
          prepared.forEach((frames, i) => index.add(i + 1, frames));
          const q = prepareVpdqFrames(query, 50);
          const thresholdOf = (id: number) => thresholds[(id - 1) % thresholds.length];
          const got = index.query(q, 40, thresholdOf);
          for (let i = 0; i < prepared.length; i++) {
            const expected = compareVpdq(q, prepared[i], thresholdOf(i + 1));
            const found = got.find((m) => m.videoId === i + 1);
            if (expected.queryMatched === 0) {
              expect(found).toBeUndefined();
            } else {
              expect(found).toMatchObject({
                queryMatched: expected.queryMatched,
                targetMatched: expected.targetMatched,
                queryPct: expected.queryPct,
                targetPct: expected.targetPct,
                minDistance: expected.minDistance,
              });
            }
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('forgets a removed video and replaces a re-added one', () => {
    const index = new VpdqIndex();
    const a = [frame(0, hex(1)), frame(1, hex(2))];
    index.add(7, a);
    expect(index.query(a, 31, () => 31)).toHaveLength(1);
    index.add(7, [frame(0, hex(9))]);
    expect(index.query(a, 31, () => 31)).toHaveLength(0);
    expect(index.frameCount).toBe(1);
    expect(index.remove(7)).toBe(true);
    expect(index.size).toBe(0);
    expect(index.query([frame(0, hex(9))], 31, () => 31)).toEqual([]);
  });
});
