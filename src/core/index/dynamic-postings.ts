import { bucketOf, substringOf, type SubstringLayout } from './substring-layout.js';

const NONE = -1;
const MIN_CAPACITY = 64;

/**
 * The incremental part of a multi-index: entries added since the last build, in chained hash
 * tables (one per substring) held in typed arrays, so an add or a remove touches m short chains
 * and never rebuilds anything.
 *
 * Chains are keyed by the substring's key, hashed to the table size (about one chain per node).
 * Node e (not a slot) holds its slot in `slots[e]`, and per substring k its key in
 * `keys[e*m + k]` and its chain link in `next[e*m + k]`. Chain heads of substring k are
 * `heads[(k << headBits) + bucketOf(key)]`.
 *
 * Memory: (8m + 4) bytes per node plus about 4m bytes per node for the heads.
 */
export class DynamicPostings {
  /** Live entries. */
  entries = 0;
  headBits = 0;
  heads = new Int32Array(0);
  next = new Int32Array(0);
  keys = new Uint32Array(0);
  slots = new Int32Array(0);
  /** Nodes ever used; nodes below it are live or on the free list. */
  private used = 0;
  /** Free nodes, linked through next[e*m]. */
  private freeHead = NONE;

  constructor(readonly layout: SubstringLayout) {
    this.resize(MIN_CAPACITY);
  }

  /** Chain head index for `key` in substring k. */
  headOf(k: number, key: number): number {
    return (k << this.headBits) + bucketOf(key, this.layout.widths[k], this.headBits);
  }

  /** Adds `slot`, whose hash is in `hashes` (8 words per slot). */
  insert(hashes: Uint32Array, slot: number): void {
    const { count: m, widths, offsets } = this.layout;
    let e = this.freeHead;
    if (e !== NONE) {
      this.freeHead = this.next[e * m];
    } else {
      if (this.used === this.slots.length) this.resize(2 * this.slots.length);
      e = this.used++;
    }
    this.slots[e] = slot;
    for (let k = 0; k < m; k++) {
      this.keys[e * m + k] = substringOf(hashes, slot << 3, offsets[k], widths[k]);
    }
    this.link(e);
    this.entries++;
  }

  /** Removes `slot` (whose hash is still in `hashes`); false when it is not here. */
  remove(hashes: Uint32Array, slot: number): boolean {
    const { count: m, widths, offsets } = this.layout;
    // Find the node in substring 0's chain, then unlink it from every chain.
    let e0 = this.heads[this.headOf(0, substringOf(hashes, slot << 3, offsets[0], widths[0]))];
    while (e0 !== NONE && this.slots[e0] !== slot) e0 = this.next[e0 * m];
    if (e0 === NONE) return false;
    for (let k = 0; k < m; k++) {
      const head = this.headOf(k, this.keys[e0 * m + k]);
      let prev = NONE;
      let e = this.heads[head];
      while (e !== e0) {
        prev = e;
        e = this.next[e * m + k];
      }
      if (prev === NONE) this.heads[head] = this.next[e0 * m + k];
      else this.next[prev * m + k] = this.next[e0 * m + k];
    }
    this.slots[e0] = NONE;
    this.next[e0 * m] = this.freeHead;
    this.freeHead = e0;
    this.entries--;
    return true;
  }

  byteLength(): number {
    return (
      this.heads.byteLength + this.next.byteLength + this.keys.byteLength + this.slots.byteLength
    );
  }

  private link(e: number): void {
    const m = this.layout.count;
    for (let k = 0; k < m; k++) {
      const head = this.headOf(k, this.keys[e * m + k]);
      this.next[e * m + k] = this.heads[head];
      this.heads[head] = e;
    }
  }

  /** Grows node storage to `capacity` and rehashes into a table of about one bucket per node. */
  private resize(capacity: number): void {
    const m = this.layout.count;
    const next = new Int32Array(capacity * m);
    next.set(this.next);
    const keys = new Uint32Array(capacity * m);
    keys.set(this.keys);
    const slots = new Int32Array(capacity).fill(NONE);
    slots.set(this.slots);
    this.next = next;
    this.keys = keys;
    this.slots = slots;
    let narrowest = 32;
    for (const width of this.layout.widths) narrowest = Math.min(narrowest, width);
    const bits = Math.min(narrowest, Math.ceil(Math.log2(capacity)));
    if (bits === this.headBits) return;
    this.headBits = bits;
    this.heads = new Int32Array(m << bits).fill(NONE);
    for (let e = 0; e < this.used; e++) {
      if (this.slots[e] !== NONE) this.link(e);
    }
  }
}
