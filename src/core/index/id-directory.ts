/**
 * The two-way map between entry ids and storage slots of an index: slot -> id in a plain
 * Int32Array, id -> slot in an open-addressing hash table (linear probing) that stores only
 * slots and reads keys back through slot -> id. That is 4 bytes per slot plus ~6 bytes per
 * entry, against ~40 bytes per entry for a JS Map (which also stops at 2^24 entries).
 *
 * Ids are integers in 0..2^31-1; -1 marks a free slot or an empty table cell.
 */

const EMPTY = -1;
const MAX_LOAD = 0.7;
const MIN_TABLE_BITS = 4;
const GOLDEN = 0x9e3779b1;

export const MAX_ENTRY_ID = 0x7fffffff;

export function isEntryId(id: unknown): id is number {
  return typeof id === 'number' && Number.isInteger(id) && id >= 0 && id <= MAX_ENTRY_ID;
}

export class IdDirectory {
  /** slot -> id, EMPTY for a free slot. */
  private slotIds: Int32Array;
  /** id -> slot table: each cell holds a slot or EMPTY. */
  private table: Int32Array;
  private tableBits: number;
  private entries = 0;

  constructor(slotCapacity = 0) {
    this.slotIds = new Int32Array(slotCapacity).fill(EMPTY);
    this.tableBits = MIN_TABLE_BITS;
    this.table = new Int32Array(1 << this.tableBits).fill(EMPTY);
  }

  get size(): number {
    return this.entries;
  }

  get slotCapacity(): number {
    return this.slotIds.length;
  }

  /** The id stored in a slot, or -1 when the slot is free. */
  idOf(slot: number): number {
    return this.slotIds[slot];
  }

  /** The slot of an id, or -1. */
  slotOf(id: number): number {
    const mask = (1 << this.tableBits) - 1;
    for (let i = this.home(id); ; i = (i + 1) & mask) {
      const slot = this.table[i];
      if (slot === EMPTY || this.slotIds[slot] === id) return slot;
    }
  }

  /** Records that `id` (not present) lives in `slot` (free, below slotCapacity). */
  bind(id: number, slot: number): void {
    if (this.entries + 1 > MAX_LOAD * this.table.length) this.resizeTable(2 * (this.entries + 1));
    this.slotIds[slot] = id;
    this.insertCell(slot);
    this.entries++;
  }

  /** Forgets `id`; returns its slot (now free), or -1 when it was not present. */
  unbind(id: number): number {
    const mask = (1 << this.tableBits) - 1;
    let i = this.home(id);
    for (; ; i = (i + 1) & mask) {
      const slot = this.table[i];
      if (slot === EMPTY) return EMPTY;
      if (this.slotIds[slot] === id) break;
    }
    const freed = this.table[i];
    this.slotIds[freed] = EMPTY;
    this.entries--;
    // Backward-shift deletion: pull later cells of the probe run into the hole so no
    // tombstones are needed.
    let hole = i;
    for (let j = (hole + 1) & mask; ; j = (j + 1) & mask) {
      const slot = this.table[j];
      if (slot === EMPTY) break;
      const h = this.home(this.slotIds[slot]);
      // The cell at j may move to the hole unless its home lies cyclically in (hole, j].
      const inRange = hole <= j ? h > hole && h <= j : h > hole || h <= j;
      if (!inRange) {
        this.table[hole] = slot;
        hole = j;
      }
    }
    this.table[hole] = EMPTY;
    return freed;
  }

  /** Sizes the table for `entries` entries ahead of a batch of binds. */
  reserve(entries: number): void {
    if (entries > MAX_LOAD * this.table.length) this.resizeTable(entries);
  }

  byteLength(): number {
    return this.slotIds.byteLength + this.table.byteLength;
  }

  /** Grows slot storage to `capacity` slots (new slots are free). */
  growSlots(capacity: number): void {
    if (capacity <= this.slotIds.length) return;
    const next = new Int32Array(capacity).fill(EMPTY);
    next.set(this.slotIds);
    this.slotIds = next;
  }

  /**
   * Moves the ids of the occupied slots (in slot order) to slots 0..size-1, sizes slot storage
   * to `capacity`, and rebuilds the table. `onMove(from, to)` is called for each occupied slot
   * (from >= to), in increasing order.
   */
  pack(capacity: number, onMove: (from: number, to: number) => void): void {
    const old = this.slotIds;
    const next = new Int32Array(Math.max(capacity, this.entries)).fill(EMPTY);
    let to = 0;
    for (let from = 0; from < old.length; from++) {
      if (old[from] === EMPTY) continue;
      next[to] = old[from];
      onMove(from, to);
      to++;
    }
    this.slotIds = next;
    this.resizeTable(this.entries);
  }

  private home(id: number): number {
    return Math.imul(id, GOLDEN) >>> (32 - this.tableBits);
  }

  private insertCell(slot: number): void {
    const mask = (1 << this.tableBits) - 1;
    let i = this.home(this.slotIds[slot]);
    while (this.table[i] !== EMPTY) i = (i + 1) & mask;
    this.table[i] = slot;
  }

  /** Reallocates the table for `entries` entries and reinserts every occupied slot. */
  private resizeTable(entries: number): void {
    let bits = MIN_TABLE_BITS;
    while (entries > MAX_LOAD * (1 << bits)) bits++;
    this.tableBits = bits;
    this.table = new Int32Array(1 << bits).fill(EMPTY);
    for (let slot = 0; slot < this.slotIds.length; slot++) {
      if (this.slotIds[slot] !== EMPTY) this.insertCell(slot);
    }
  }
}
