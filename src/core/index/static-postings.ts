import { substringOf, type SubstringLayout } from './substring-layout.js';

/**
 * A posting whose entry was removed after the postings were built. The layout keeps every
 * live posting below it (see createSubstringLayout).
 */
export const DEAD_POSTING = 0xffffffff;

/** Words of each entry's hash kept beside each of its postings (see `fingerprints`). */
export const FINGERPRINT_WORDS = 3;

/**
 * The hash words kept beside substring k's postings: the FINGERPRINT_WORDS words after the
 * last one the substring touches (so none of their bits is in the substring).
 */
export function fingerprintWord(layout: SubstringLayout, k: number, j: number): number {
  const lastWord = (layout.offsets[k] + layout.widths[k] - 1) >>> 5;
  return (lastWord + 1 + j) & 7;
}

/**
 * The bulk part of a multi-index: for each substring k, a compressed-sparse-row table. Bucket b
 * (the high `tableBits[k]` bits of the key) holds the postings
 * `postings[k][starts[k][b] .. starts[k][b+1])`; a posting is `slot << r | residual`, with the
 * key's low r = widths[k] - tableBits[k] bits as residual, so a probe can tell which key of the
 * bucket a posting has without reading its hash.
 *
 * Built from slots 0..n-1 (a counting sort per substring); afterwards entries can only be
 * removed, which overwrites their postings with DEAD_POSTING. New entries go to DynamicPostings
 * until the owning index compacts and rebuilds. A rebuild writes into the previous build's
 * arrays when they are large enough (posting arrays get 1/16 spare room for this), so it does
 * not need twice the memory while the old arrays wait for the garbage collector.
 *
 * When the layout asks for them, `fingerprints[k]` keeps FINGERPRINT_WORDS words of the hash
 * beside each posting (fingerprintWord): a probe rejects most candidates from these (their
 * distance alone already exceeds the threshold) in the bucket's own cache lines, instead of
 * reading each candidate's hash from wherever its slot is (a cache miss per candidate).
 *
 * Memory: about 4.25 bytes per entry per substring (16.25 with fingerprints) plus 4 bytes per
 * bucket.
 */
export class StaticPostings {
  /** Entries removed (their postings overwritten with DEAD_POSTING) since the build. */
  removed = 0;

  private constructor(
    readonly layout: SubstringLayout,
    /** Entries the postings were built with (live or dead). */
    readonly entries: number,
    readonly starts: readonly Uint32Array[],
    readonly postings: readonly Uint32Array[],
    /** FINGERPRINT_WORDS words per posting, in posting order (empty without fingerprints). */
    readonly fingerprints: readonly Uint32Array[],
  ) {}

  /** Entries a rebuild can hold without allocating new posting arrays. */
  get capacity(): number {
    let capacity = Infinity;
    for (const list of this.postings) capacity = Math.min(capacity, list.length);
    return this.postings.length === 0 ? 0 : capacity;
  }

  static empty(layout: SubstringLayout): StaticPostings {
    return StaticPostings.build(layout, new Uint32Array(0), 0);
  }

  /**
   * Indexes slots 0..count-1 of `hashes` (8 words per slot), with a layout made for `count`
   * entries (createSubstringLayout(m, count)). Reuses the arrays of `previous` where they fit;
   * `previous` must not be used afterwards.
   */
  static build(
    layout: SubstringLayout,
    hashes: Uint32Array,
    count: number,
    previous?: StaticPostings,
  ): StaticPostings {
    const starts: Uint32Array[] = [];
    const postings: Uint32Array[] = [];
    const fingerprints: Uint32Array[] = [];
    for (let k = 0; k < layout.count; k++) {
      const width = layout.widths[k];
      const offset = layout.offsets[k];
      const residualBits = width - layout.tableBits[k];
      const residualMask = (1 << residualBits) - 1;
      const buckets = 1 << layout.tableBits[k];
      const oldStart = previous?.starts[k];
      const start =
        oldStart?.length === buckets + 1 ? oldStart.fill(0) : new Uint32Array(buckets + 1);
      const oldList = previous?.postings[k];
      const list =
        oldList !== undefined && oldList.length >= count && oldList.length <= 2 * count
          ? oldList
          : new Uint32Array(count + (count >> 4));
      const oldPrints = previous?.fingerprints[k];
      const printWords = layout.fingerprints ? FINGERPRINT_WORDS : 0;
      const prints =
        oldPrints !== undefined && oldPrints.length === list.length * printWords
          ? oldPrints
          : new Uint32Array(list.length * printWords);
      const w0 = fingerprintWord(layout, k, 0);
      const w1 = fingerprintWord(layout, k, 1);
      const w2 = fingerprintWord(layout, k, 2);
      // Counting sort: sizes into start[b + 1], prefix sums, then start[b] serves as bucket b's
      // cursor (ending at the start of bucket b + 1), and one shift restores the starts.
      for (let s = 0; s < count; s++) {
        start[(substringOf(hashes, s << 3, offset, width) >>> residualBits) + 1]++;
      }
      for (let b = 0; b < buckets; b++) start[b + 1] += start[b];
      for (let s = 0; s < count; s++) {
        const key = substringOf(hashes, s << 3, offset, width);
        const at = start[key >>> residualBits]++;
        list[at] = ((s << residualBits) | (key & residualMask)) >>> 0;
        if (printWords > 0) {
          const f = at * FINGERPRINT_WORDS;
          prints[f] = hashes[(s << 3) + w0];
          prints[f + 1] = hashes[(s << 3) + w1];
          prints[f + 2] = hashes[(s << 3) + w2];
        }
      }
      start.copyWithin(1, 0, buckets);
      start[0] = 0;
      starts.push(start);
      postings.push(list);
      fingerprints.push(prints);
    }
    return new StaticPostings(layout, count, starts, postings, fingerprints);
  }

  /** Overwrites the postings of `slot` (whose hash is still in `hashes`) with DEAD_POSTING. */
  remove(hashes: Uint32Array, slot: number): void {
    const { count: m, widths, offsets, tableBits } = this.layout;
    for (let k = 0; k < m; k++) {
      const residualBits = widths[k] - tableBits[k];
      const key = substringOf(hashes, slot << 3, offsets[k], widths[k]);
      const posting = ((slot << residualBits) | (key & ((1 << residualBits) - 1))) >>> 0;
      const b = key >>> residualBits;
      const list = this.postings[k];
      for (let p = this.starts[k][b], end = this.starts[k][b + 1]; p < end; p++) {
        if (list[p] === posting) {
          list[p] = DEAD_POSTING;
          break;
        }
      }
    }
    this.removed++;
  }

  /** Largest bucket over all substrings (counting dead postings): the skew to watch. */
  largestBucket(): number {
    let largest = 0;
    for (const start of this.starts) {
      for (let b = 0; b + 1 < start.length; b++) {
        largest = Math.max(largest, start[b + 1] - start[b]);
      }
    }
    return largest;
  }

  /** Bytes held by the tables. */
  byteLength(): number {
    let bytes = 0;
    for (let k = 0; k < this.starts.length; k++) {
      bytes +=
        this.starts[k].byteLength + this.postings[k].byteLength + this.fingerprints[k].byteLength;
    }
    return bytes;
  }
}
