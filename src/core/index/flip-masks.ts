/**
 * Flip masks: every `width`-bit value with at most `radius` bits set. XOR-ing a substring key
 * with each of them enumerates the keys within Hamming distance `radius` of it, which is how a
 * multi-index probe visits the neighbouring buckets.
 */

/** Widths above this would overflow the 32-bit arithmetic used here (and never fit a table). */
export const MAX_MASK_WIDTH = 30;

/** Number of masks `flipMasks(width, radius)` returns: sum of C(width, i) for i <= radius. */
export function countFlipMasks(width: number, radius: number): number {
  if (radius < 0) return 0;
  if (radius >= width) return 2 ** width;
  let total = 0;
  let binomial = 1; // C(width, i)
  for (let i = 0; i <= radius; i++) {
    total += binomial;
    binomial = (binomial * (width - i)) / (i + 1);
  }
  return total;
}

/**
 * All `width`-bit masks with popcount <= radius, in order of popcount (0 first). Uses Gosper's
 * hack to step through the values of each popcount in increasing order.
 */
export function flipMasks(width: number, radius: number): Uint32Array {
  if (!Number.isInteger(width) || width < 1 || width > MAX_MASK_WIDTH) {
    throw new RangeError(`flipMasks: width ${width} outside 1..${MAX_MASK_WIDTH}`);
  }
  const r = Math.min(radius, width);
  const out = new Uint32Array(countFlipMasks(width, r));
  const limit = 2 ** width;
  let n = 0;
  if (r >= 0) out[n++] = 0;
  for (let bits = 1; bits <= r; bits++) {
    let x = 2 ** bits - 1;
    while (x < limit) {
      out[n++] = x;
      // Gosper's hack: the next larger value with the same popcount. Numbers stay below 2^31,
      // so plain arithmetic is exact.
      const lowest = x & -x;
      const ripple = x + lowest;
      x = (((ripple ^ x) >>> 2) / lowest + ripple) >>> 0;
    }
  }
  return out;
}
