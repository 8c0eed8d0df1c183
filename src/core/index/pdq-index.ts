import { SafeguardError } from '../errors.js';
import type { PdqHash } from '../hash/pdq-hash.js';
import { DynamicPostings } from './dynamic-postings.js';
import { IdDirectory, isEntryId } from './id-directory.js';
import { PdqSearch, FREE_SLOT, type SearchStorage } from './pdq-search.js';
import { FlipMaskCache, planProbes, SCAN_COST_PER_SLOT } from './probe-plan.js';
import { StaticPostings } from './static-postings.js';
import { chooseSubstringLayout, type SubstringLayout } from './substring-layout.js';

export interface PdqMatch {
  readonly id: number;
  readonly distance: number;
}

/** 'auto' picks the cheaper of probing and scanning; the others force one (tests, benchmarks). */
export const pdqQueryStrategies = ['auto', 'probe', 'scan'] as const;
export type PdqQueryStrategy = (typeof pdqQueryStrategies)[number];

export interface PdqQueryOptions {
  /**
   * 'probe' still scans when a substring's neighbourhood is too large to enumerate (more than
   * 2^20 keys, i.e. thresholds far above what PDQ matching uses). Default 'auto'.
   */
  readonly strategy?: PdqQueryStrategy;
}

export interface PdqIndexOptions {
  /** Size to choose the substring layout for, at least (default: the size at each rebuild). */
  readonly expectedSize?: number;
  /** Rebuild when the incremental part outgrows 1/16 of the bulk part (default true). */
  readonly autoCompact?: boolean;
}

export interface PdqIndexStats {
  readonly size: number;
  readonly substrings: number;
  readonly widths: readonly number[];
  /** Entries in the bulk (compressed) tables. */
  readonly bulkEntries: number;
  /** Entries added since the last rebuild, in the incremental tables. */
  readonly incrementalEntries: number;
  /** Entries removed from the bulk tables since the last rebuild. */
  readonly removedBulkEntries: number;
  /** Largest bucket of the bulk tables: skew shows here. */
  readonly largestBucket: number;
  /** Bytes of typed arrays held. */
  readonly bytes: number;
}

const FREE = FREE_SLOT;
const BULK = 1;
const INCREMENTAL = 2;
const MIN_SLOTS = 64;
/** Below this many incremental or removed entries the index never rebuilds on its own. */
const MIN_REBUILD_CHANGES = 1 << 16;

/**
 * An exact in-memory index of 256-bit PDQ hashes by Hamming distance: multi-index hashing
 * (Norouzi et al., TPAMI 2014; see substring-layout.ts). `query` returns exactly the entries a
 * brute-force comparison would, sorted by distance then id.
 *
 * Storage: hashes in one Uint32Array (8 words per slot) that grows geometrically; ids <-> slots
 * in an IdDirectory; per-substring postings in two parts. Bulk-loaded entries sit in compact
 * CSR tables (StaticPostings); entries added later go to chained tables (DynamicPostings), so
 * they are matchable as soon as `add` returns. Removing an entry unlinks or tombstones its
 * postings at once. When the incremental part (or the removed part) grows past 1/16 of the
 * bulk part (and 65536 entries), `compact` rebuilds the bulk tables from all live entries,
 * choosing the layout for the new size: amortised O(1) per change, like a growing hash table,
 * but that one call takes about as long as a bulk load (5-7 s for 10M hashes).
 *
 * Adding an id that is present replaces its hash (so replaying a change log is harmless).
 * Ids are integers in 0..2^31-1. Not safe for concurrent use (nothing in JS is, within a thread).
 */
export class PdqIndex {
  private readonly expectedSize: number;
  private readonly autoCompact: boolean;
  /** 8 words per slot. */
  private hashes = new Uint32Array(0);
  /** Per slot: FREE, BULK or INCREMENTAL. */
  private where = new Uint8Array(0);
  /** Slots at or above this were never used. */
  private slotEnd = 0;
  private layout: SubstringLayout;
  private bulk: StaticPostings;
  private recent: DynamicPostings;
  private readonly directory = new IdDirectory();
  private freeSlots = new Int32Array(0);
  private freeCount = 0;
  private readonly search = new PdqSearch(new FlipMaskCache());

  constructor(options: PdqIndexOptions = {}) {
    const expected = options.expectedSize ?? 0;
    if (!Number.isSafeInteger(expected) || expected < 0) {
      throw new SafeguardError('invalid_argument', 'expectedSize must be a non-negative integer', {
        expectedSize: expected,
      });
    }
    this.expectedSize = expected;
    this.autoCompact = options.autoCompact ?? true;
    this.layout = chooseSubstringLayout(0, expected);
    this.bulk = StaticPostings.empty(this.layout);
    this.recent = new DynamicPostings(this.layout);
  }

  get size(): number {
    return this.directory.size;
  }

  has(id: number): boolean {
    return isEntryId(id) && this.directory.slotOf(id) >= 0;
  }

  /** A copy of the hash stored for `id`, or undefined. */
  get(id: number): PdqHash | undefined {
    const slot = isEntryId(id) ? this.directory.slotOf(id) : -1;
    return slot < 0 ? undefined : this.hashes.slice(slot << 3, (slot << 3) + 8);
  }

  /** Adds an entry, or replaces the hash of `id`. Matchable as soon as this returns. */
  add(id: number, hash: PdqHash): void {
    assertEntryId(id);
    assertPdqHash(hash);
    const existing = this.directory.slotOf(id);
    if (existing >= 0) {
      if (this.holds(existing, hash)) return;
      this.dropSlot(id, existing);
    }
    const slot = this.freeCount > 0 ? this.freeSlots[--this.freeCount] : this.newSlot();
    this.hashes.set(hash, slot << 3);
    this.directory.bind(id, slot);
    this.where[slot] = INCREMENTAL;
    this.recent.insert(this.hashes, slot);
    this.maybeCompact();
  }

  /** Removes `id`; false when it was not present. Never returned by a query afterwards. */
  remove(id: number): boolean {
    if (!isEntryId(id)) return false;
    const slot = this.directory.slotOf(id);
    if (slot < 0) return false;
    this.dropSlot(id, slot);
    this.maybeCompact();
    return true;
  }

  /**
   * Adds many entries at once (ids[i] gets words 8i..8i+7 of `hashes`) and rebuilds the bulk
   * tables: the fast way to load millions. Ids already present are replaced; a later duplicate
   * in the batch wins.
   */
  bulkLoad(ids: Int32Array | readonly number[], hashes: Uint32Array): void {
    const n = ids.length;
    if (!(hashes instanceof Uint32Array) || hashes.length !== 8 * n) {
      throw new SafeguardError(
        'invalid_argument',
        `bulkLoad needs 8 hash words per id (${n} ids)`,
        {
          ids: n,
          words: hashes instanceof Uint32Array ? hashes.length : null,
        },
      );
    }
    for (let i = 0; i < n; i++) assertEntryId(ids[i]);
    const needed = this.slotEnd + n;
    this.reserveSlots(needed + (needed >> 4));
    this.directory.reserve(this.directory.size + n);
    for (let i = 0; i < n; i++) {
      const id = ids[i];
      const existing = this.directory.slotOf(id);
      if (existing >= 0) {
        // The rebuild below drops all postings, so only the slot needs freeing.
        this.directory.unbind(id);
        this.where[existing] = FREE;
      }
      const slot = this.slotEnd++;
      this.hashes.set(hashes.subarray(8 * i, 8 * i + 8), slot << 3);
      this.directory.bind(id, slot);
      this.where[slot] = BULK;
    }
    this.compact();
  }

  /**
   * Rebuilds the bulk tables from every live entry (packing the slots) and empties the
   * incremental tables. Runs on its own when needed; callable after a burst of changes.
   */
  compact(): void {
    const live = this.directory.size;
    const capacity = this.where.length;
    const target =
      capacity > 4 * live + MIN_SLOTS ? Math.max(MIN_SLOTS, live + (live >> 3)) : capacity;
    const source = this.hashes;
    const hashes = target === capacity ? source : new Uint32Array(target * 8);
    if (this.slotEnd !== live || hashes !== source) {
      this.directory.pack(target, (from, to) => {
        if (hashes !== source) hashes.set(source.subarray(from << 3, (from << 3) + 8), to << 3);
        else if (from !== to) hashes.copyWithin(to << 3, from << 3, (from << 3) + 8);
      });
    }
    this.hashes = hashes;
    this.where = target === capacity ? this.where.fill(FREE) : new Uint8Array(target);
    this.where.fill(BULK, 0, live);
    this.slotEnd = live;
    this.freeCount = 0;
    this.layout = chooseSubstringLayout(live, this.expectedSize);
    this.bulk = StaticPostings.build(this.layout, hashes, live, this.bulk);
    this.recent = new DynamicPostings(this.layout);
  }

  /**
   * Every entry within Hamming distance `threshold` (0..256) of `hash`, sorted by distance
   * then id: exactly what a linear scan returns.
   */
  query(hash: PdqHash, threshold: number, options: PdqQueryOptions = {}): PdqMatch[] {
    assertPdqHash(hash);
    if (!Number.isInteger(threshold) || threshold < 0 || threshold > 256) {
      throw new SafeguardError('invalid_argument', 'threshold must be an integer in 0..256', {
        threshold,
      });
    }
    const strategy = options.strategy ?? 'auto';
    if (!pdqQueryStrategies.includes(strategy)) {
      throw new SafeguardError('invalid_argument', `unknown query strategy ${String(strategy)}`);
    }
    const search = this.search;
    if (this.directory.size === 0) return [];
    const bulk = this.bulk.entries - this.bulk.removed;
    const plan =
      strategy === 'scan' ? null : planProbes(this.layout, threshold, bulk, this.recent.entries);
    if (plan === null || (strategy === 'auto' && plan.cost >= this.slotEnd * SCAN_COST_PER_SLOT)) {
      search.scan(this.storage(), hash, threshold);
    } else {
      search.probe(this.storage(), hash, threshold, plan.radii);
    }
    const matches: PdqMatch[] = search.slots.map((slot, i) => ({
      id: this.directory.idOf(slot),
      distance: search.distances[i],
    }));
    return matches.sort((a, b) => a.distance - b.distance || a.id - b.id);
  }

  stats(): PdqIndexStats {
    return {
      size: this.size,
      substrings: this.layout.count,
      widths: Array.from(this.layout.widths),
      bulkEntries: this.bulk.entries - this.bulk.removed,
      incrementalEntries: this.recent.entries,
      removedBulkEntries: this.bulk.removed,
      largestBucket: this.bulk.largestBucket(),
      bytes:
        this.hashes.byteLength +
        this.where.byteLength +
        this.freeSlots.byteLength +
        this.directory.byteLength() +
        this.bulk.byteLength() +
        this.recent.byteLength(),
    };
  }

  private storage(): SearchStorage {
    const { hashes, where, slotEnd, layout, bulk, recent } = this;
    return { hashes, where, slotEnd, layout, bulk, recent };
  }

  private holds(slot: number, hash: PdqHash): boolean {
    const o = slot << 3;
    for (let w = 0; w < 8; w++) if (this.hashes[o + w] !== hash[w]) return false;
    return true;
  }

  /** Unlinks the postings of `slot`, forgets `id`, and frees the slot. */
  private dropSlot(id: number, slot: number): void {
    if (this.where[slot] === BULK) this.bulk.remove(this.hashes, slot);
    else this.recent.remove(this.hashes, slot);
    this.directory.unbind(id);
    this.where[slot] = FREE;
    if (this.freeCount === this.freeSlots.length) {
      const grown = new Int32Array(Math.max(MIN_SLOTS, 2 * this.freeSlots.length));
      grown.set(this.freeSlots);
      this.freeSlots = grown;
    }
    this.freeSlots[this.freeCount++] = slot;
  }

  private newSlot(): number {
    if (this.slotEnd === this.where.length) {
      const capacity = this.where.length;
      // Doubling; 1.5x past 4 Mi slots to bound the transient copy.
      this.reserveSlots(capacity < 1 << 22 ? Math.max(MIN_SLOTS, 2 * capacity) : capacity * 1.5);
    }
    return this.slotEnd++;
  }

  private reserveSlots(capacity: number): void {
    const target = Math.ceil(capacity);
    if (target <= this.where.length) return;
    const hashes = new Uint32Array(target * 8);
    hashes.set(this.hashes);
    this.hashes = hashes;
    const where = new Uint8Array(target);
    where.set(this.where);
    this.where = where;
    this.directory.growSlots(target);
  }

  private maybeCompact(): void {
    if (!this.autoCompact) return;
    const bulk = this.bulk;
    // Rebuild when the incremental entries fill the bulk tables' spare room (1/16), so that
    // the rebuild fits in place, or when 1/16 of the bulk entries are dead.
    const room = bulk.capacity - (bulk.entries - bulk.removed);
    if (
      this.recent.entries >= Math.max(MIN_REBUILD_CHANGES, room) ||
      bulk.removed >= Math.max(MIN_REBUILD_CHANGES, bulk.entries >> 4)
    ) {
      this.compact();
    }
  }
}

function assertEntryId(id: unknown): asserts id is number {
  if (!isEntryId(id)) {
    throw new SafeguardError('invalid_argument', 'entry id must be an integer in 0..2^31-1', {
      id,
    });
  }
}

function assertPdqHash(hash: unknown): asserts hash is PdqHash {
  if (!(hash instanceof Uint32Array) || hash.length !== 8) {
    throw new SafeguardError('invalid_argument', 'a PDQ hash is a Uint32Array of 8 words');
  }
}
