import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SafeguardError } from '../../../src/core/errors.js';
import {
  hammingDistance,
  isPdqHex,
  pdqFromHex,
  pdqNorm,
  pdqToHex,
  popcount32,
} from '../../../src/core/hash/pdq-hash.js';

const hashArb = fc.uint32Array({ minLength: 8, maxLength: 8 });
const hexArb = fc.stringMatching(/^[0-9a-f]{64}$/);

function naiveDistance(a: string, b: string): number {
  let d = 0;
  for (let i = 0; i < 64; i++) {
    let x = Number.parseInt(a[i], 16) ^ Number.parseInt(b[i], 16);
    while (x) {
      d += x & 1;
      x >>= 1;
    }
  }
  return d;
}

describe('PDQ hash text form', () => {
  it('round-trips hex', () => {
    fc.assert(fc.property(hexArb, (hex) => pdqToHex(pdqFromHex(hex)) === hex));
  });

  it('accepts upper case and writes lower case', () => {
    const hex = 'F8F8F0CEE0F4A84F06370A22038F63F0B36E2ED596621E1D33E6B39C4E9C9B22';
    expect(pdqToHex(pdqFromHex(hex))).toBe(hex.toLowerCase());
  });

  it('puts bit 0 in the last hex digit', () => {
    const hash = new Uint32Array(8);
    hash[0] = 1;
    expect(pdqToHex(hash)).toBe(`${'0'.repeat(63)}1`);
    const top = new Uint32Array(8);
    top[7] = 0x80000000;
    expect(pdqToHex(top)).toBe(`8${'0'.repeat(63)}`);
  });

  it('rejects malformed text with the reason', () => {
    expect(() => pdqFromHex('abc')).toThrow(/3 characters, expected 64/);
    expect(() => pdqFromHex('g'.repeat(64))).toThrow(/not a hex digit/);
    expect(() => pdqFromHex('a'.repeat(65))).toThrow(SafeguardError);
    expect(isPdqHex('0'.repeat(64))).toBe(true);
    expect(isPdqHex(` ${'0'.repeat(63)}`)).toBe(false);
  });
});

describe('Hamming distance', () => {
  it('equals a digit-by-digit count on the hex text', () => {
    fc.assert(
      fc.property(hexArb, hexArb, (a, b) => {
        expect(hammingDistance(pdqFromHex(a), pdqFromHex(b))).toBe(naiveDistance(a, b));
      }),
    );
  });

  it('is a metric: identity, symmetry, triangle inequality, range 0..256', () => {
    fc.assert(
      fc.property(hashArb, hashArb, hashArb, (a, b, c) => {
        expect(hammingDistance(a, a)).toBe(0);
        const ab = hammingDistance(a, b);
        expect(ab).toBe(hammingDistance(b, a));
        expect(ab).toBeGreaterThanOrEqual(0);
        expect(ab).toBeLessThanOrEqual(256);
        expect(ab === 0).toBe(pdqToHex(a) === pdqToHex(b));
        expect(hammingDistance(a, c)).toBeLessThanOrEqual(ab + hammingDistance(b, c));
      }),
    );
  });

  it('counts flipped bits exactly', () => {
    fc.assert(
      fc.property(hashArb, fc.uniqueArray(fc.integer({ min: 0, max: 255 })), (a, bits) => {
        const b = Uint32Array.from(a);
        for (const k of bits) b[k >>> 5] ^= 1 << (k & 31);
        expect(hammingDistance(a, b)).toBe(bits.length);
      }),
    );
  });

  it('popcount agrees with a bit loop', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), (x) => {
        let n = 0;
        for (let i = 0; i < 32; i++) n += (x >>> i) & 1;
        expect(popcount32(x)).toBe(n);
      }),
    );
    expect(pdqNorm(pdqFromHex('f'.repeat(64)))).toBe(256);
  });
});
