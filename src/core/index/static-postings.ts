import { substringOf, type SubstringLayout } from './substring-layout.js';

/**
 * A posting whose entry was removed after the postings were built. The layout keeps every
 * live posting below it (see createSubstringLayout).
 */
export const DEAD_POSTING = 0xffffffff;

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
 * Memory: about 4.25 bytes per entry per substring plus 4 bytes per bucket.
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
      // Counting sort: sizes into start[b + 1], prefix sums, then start[b] serves as bucket b's
      // cursor (ending at the start of bucket b + 1), and one shift restores the starts.
      for (let s = 0; s < count; s++) {
        start[(substringOf(hashes, s << 3, offset, width) >>> residualBits) + 1]++;
      }
      for (let b = 0; b < buckets; b++) start[b + 1] += start[b];
      for (let s = 0; s < count; s++) {
        const key = substringOf(hashes, s << 3, offset, width);
        list[start[key >>> residualBits]++] = ((s << residualBits) | (key & residualMask)) >>> 0;
      }
      start.copyWithin(1, 0, buckets);
      start[0] = 0;
      starts.push(start);
      postings.push(list);
    }
    return new StaticPostings(layout, count, starts, postings);
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
      bytes += this.starts[k].byteLength + this.postings[k].byteLength;
    }
    return bytes;
  }
}
