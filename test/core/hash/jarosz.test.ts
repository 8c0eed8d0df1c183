import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  boxAlongRows,
  boxAlongRowsInterleaved,
  jaroszDownsample,
  jaroszFilter,
  jaroszWindowSize,
} from '../../../src/core/hash/jarosz.js';

/** The reference's decimateFloat, written plainly. */
function decimate(input: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(4096);
  for (let i = 0; i < 64; i++) {
    const ini = Math.trunc(((i + 0.5) * rows) / 64);
    for (let j = 0; j < 64; j++) {
      out[i * 64 + j] = input[ini * cols + Math.trunc(((j + 0.5) * cols) / 64)];
    }
  }
  return out;
}

const imageArb = fc
  .record({ rows: fc.integer({ min: 5, max: 640 }), cols: fc.integer({ min: 5, max: 640 }) })
  .chain(({ rows, cols }) =>
    fc.record({
      rows: fc.constant(rows),
      cols: fc.constant(cols),
      seed: fc.integer(),
    }),
  );

function lumaOf(rows: number, cols: number, seed: number): Float32Array {
  const luma = new Float32Array(rows * cols);
  let s = seed >>> 0;
  for (let i = 0; i < luma.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    luma[i] = Math.fround((s / 2 ** 32) * 255);
  }
  return luma;
}

describe('Jarosz filter', () => {
  it('window sizes follow the reference formula', () => {
    expect(jaroszWindowSize(640, 64)).toBe(5);
    expect(jaroszWindowSize(480, 64)).toBe(4);
    expect(jaroszWindowSize(64, 64)).toBe(1);
    expect(jaroszWindowSize(5, 64)).toBe(1);
  });

  it('interleaved rows pass equals the plain one bit for bit', () => {
    fc.assert(
      fc.property(imageArb, fc.integer({ min: 1, max: 9 }), ({ rows, cols, seed }, w) => {
        const window = Math.min(w, cols);
        const luma = lumaOf(rows, cols, seed);
        const plain = new Float32Array(rows * cols);
        const fast = new Float32Array(rows * cols);
        boxAlongRows(luma, plain, rows, cols, window);
        boxAlongRowsInterleaved(luma, fast, rows, cols, window);
        expect(fast).toEqual(plain);
      }),
      { numRuns: 25 },
    );
  });

  it('the sampled downsample equals full filter + decimate bit for bit', () => {
    fc.assert(
      fc.property(imageArb, ({ rows, cols, seed }) => {
        const wr = jaroszWindowSize(cols, 64);
        const wc = jaroszWindowSize(rows, 64);
        const full = lumaOf(rows, cols, seed);
        jaroszFilter(full, new Float32Array(rows * cols), rows, cols, wr, wc, 2);
        const expected = decimate(full, rows, cols);
        const n = rows * Math.max(cols, 64);
        const a = new Float32Array(n);
        a.set(lumaOf(rows, cols, seed));
        const out = new Float32Array(4096);
        jaroszDownsample(a, new Float32Array(n), rows, cols, wr, wc, 2, out);
        expect(out).toEqual(expected);
      }),
      { numRuns: 25 },
    );
  });
});
