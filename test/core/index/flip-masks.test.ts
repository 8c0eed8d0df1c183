import { describe, expect, it } from 'vitest';
import { popcount32 } from '../../../src/core/hash/pdq-hash.js';
import { countFlipMasks, flipMasks } from '../../../src/core/index/flip-masks.js';

describe('flipMasks', () => {
  it('lists every mask of at most r bits exactly once, by popcount', () => {
    for (const [width, radius] of [
      [1, 0],
      [5, 2],
      [16, 3],
      [21, 2],
      [24, 2],
      [8, 8],
      [6, 9],
    ]) {
      const masks = Array.from(flipMasks(width, radius));
      const expected: number[] = [];
      for (let x = 0; x < 2 ** width; x++) if (popcount32(x) <= radius) expected.push(x);
      expect(masks).toHaveLength(countFlipMasks(width, radius));
      expect([...masks].sort((a, b) => a - b)).toEqual(expected);
      const counts = masks.map(popcount32);
      expect(counts).toEqual([...counts].sort((a, b) => a - b));
    }
  });

  it('is empty for a negative radius', () => {
    expect(flipMasks(16, -1)).toHaveLength(0);
    expect(countFlipMasks(16, -1)).toBe(0);
  });
});
