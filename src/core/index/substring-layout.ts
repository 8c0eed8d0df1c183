/**
 * How a 256-bit PDQ hash is cut into the m disjoint substrings of multi-index hashing
 * (Norouzi, Punjani, Fleet: "Fast Exact Search in Hamming Space with Multi-Index Hashing",
 * TPAMI 2014). Each substring is a run of contiguous bits and keys one table.
 *
 * The paper's rule of thumb is substrings of about log2(n) bits: shorter ones make buckets
 * crowded (more candidates to verify), longer ones make the neighbourhood to probe larger.
 * Measured on this code without fingerprints (below): m = 13 (19-20 bits) at 1M hashes, m = 11
 * (23-24 bits) at 10M.
 *
 * A table does not need a bucket per key: the bulk tables (static-postings.ts) pick a bucket by
 * the key's high `tableBits` bits and keep the low bits (the residual) in the posting. That keeps
 * tables at about one bucket per 4-8 entries (88 MB of bucket offsets at 10M hashes instead of
 * 470 MB for direct 23-24 bit tables), and a probe visits fewer buckets than it enumerates keys.
 *
 * Up to 2 Mi hashes the tables also keep fingerprints (three more words of each hash beside
 * each posting, static-postings.ts): candidates are then rejected where the probe reads
 * anyway, so more, shorter substrings pay off — fewer buckets to visit at the price of more
 * candidates: m = 16 there (`npm run bench:index -- --sizes 1000000`, threshold 31, one run each
 * back to back on a loaded machine: p50 0.18 ms against 0.35 ms for m = 13 with fingerprints
 * and 0.45 ms for m = 13 without; 313 MB against 105 MB). Beyond 2 Mi they would cost too
 * much memory (1.3 GB more at 10M).
 */

export interface SubstringLayout {
  /** Number of substrings m. */
  readonly count: number;
  /** Width in bits of each substring, widest first. */
  readonly widths: Int32Array;
  /** Bit offset (0 = least significant bit of word 0) of each substring. */
  readonly offsets: Int32Array;
  /**
   * Bucket bits of each substring's bulk table: a key's high `tableBits` bits pick its bucket,
   * its low `widths - tableBits` bits (the residual) are kept in the posting.
   */
  readonly tableBits: Int32Array;
  /** Whether the bulk tables keep fingerprints beside their postings. */
  readonly fingerprints: boolean;
}

const HASH_BITS = 256;
/** Residuals wider than this would make buckets of tiny tables scan too much. */
const MAX_RESIDUAL_BITS = 12;
const MIN_TABLE_BITS = 6;

/** Substring counts by the size they are designed for: [largest size, m, fingerprints]. */
const LAYOUT_STEPS: ReadonlyArray<readonly [number, number, boolean]> = [
  [1 << 21, 16, true], // 16-bit substrings and fingerprints up to 2 Mi hashes
  [1 << 23, 12, false], // 21-22 bits up to 8 Mi
];
const WIDEST_LAYOUT_COUNT = 11; // 23-24 bits beyond

/**
 * m substrings, the first 256 % m of them one bit wider, with bulk tables sized for `size`
 * entries in slots 0..size-1: about one bucket per 4-8 entries, and residuals narrow enough
 * that `slot << residual | residual` fits 32 bits below 0xffffffff (the dead posting).
 */
export function createSubstringLayout(
  count: number,
  size: number,
  fingerprints = false,
): SubstringLayout {
  if (!Number.isInteger(count) || count < 9 || count > HASH_BITS) {
    // fewer than 9 substrings would need widths of 29+ bits
    throw new RangeError(`substring count ${count} outside 9..256`);
  }
  const widths = new Int32Array(count);
  const offsets = new Int32Array(count);
  const tableBits = new Int32Array(count);
  const narrow = Math.floor(HASH_BITS / count);
  const wide = HASH_BITS % count; // this many substrings get one extra bit; they come first
  const wanted = Math.max(MIN_TABLE_BITS, Math.ceil(Math.log2(Math.max(size, 1))) - 3);
  const slotBits = Math.ceil(Math.log2(size + 2));
  const maxResidual = Math.min(MAX_RESIDUAL_BITS, 32 - slotBits);
  let offset = 0;
  for (let k = 0; k < count; k++) {
    widths[k] = k < wide ? narrow + 1 : narrow;
    offsets[k] = offset;
    tableBits[k] = Math.min(widths[k], Math.max(widths[k] - maxResidual, wanted));
    offset += widths[k];
  }
  return { count, widths, offsets, tableBits, fingerprints };
}

/**
 * The layout for `size` entries: substrings chosen for at least `designSize` entries (so an
 * index expected to grow can start with its final substrings), tables for `size`.
 */
export function chooseSubstringLayout(size: number, designSize = size): SubstringLayout {
  const design = Math.max(size, designSize);
  for (const [limit, count, fingerprints] of LAYOUT_STEPS) {
    if (design < limit) return createSubstringLayout(count, size, fingerprints);
  }
  return createSubstringLayout(WIDEST_LAYOUT_COUNT, size);
}

/**
 * The substring of `width` bits starting at bit `offset` of the hash whose eight words start at
 * `words[base]`. Widths are below 32, so a substring spans at most two words.
 */
export function substringOf(
  words: Uint32Array,
  base: number,
  offset: number,
  width: number,
): number {
  const w = base + (offset >>> 5);
  const shift = offset & 31;
  let value = words[w] >>> shift;
  if (shift + width > 32) value |= words[w + 1] << (32 - shift);
  return (value & ((1 << width) - 1)) >>> 0;
}

/**
 * Probe radius of each substring for a search radius `threshold` (Norouzi et al., Prop. 2):
 * with threshold = m*r + a (0 <= a < m), any hash within the threshold differs by at most r
 * bits in one of the first a+1 substrings, or by at most r-1 bits in one of the others. -1 means
 * the substring need not be probed at all.
 */
export function probeRadii(layout: SubstringLayout, threshold: number): Int32Array {
  const m = layout.count;
  const r = Math.floor(threshold / m);
  const a = threshold - r * m;
  const radii = new Int32Array(m);
  for (let k = 0; k < m; k++) radii[k] = k <= a ? r : r - 1;
  return radii;
}

/**
 * Bucket of a table of 2^tableBits buckets for `value` of `width` bits: the value itself when
 * it fits, else a multiplicative hash, which spreads values that differ in a few bits.
 */
export function bucketOf(value: number, width: number, tableBits: number): number {
  return tableBits >= width ? value : Math.imul(value, 0x9e3779b1) >>> (32 - tableBits);
}
