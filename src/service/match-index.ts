import { SafeguardError } from '../core/errors.js';
import { ExactIndex } from '../core/index/exact-index.js';
import { PdqIndex } from '../core/index/pdq-index.js';
import { pdqFromHex, pdqToHex, type PdqHash } from '../core/hash/pdq-hash.js';
import type { BankPolicy, Hit } from '../core/policy/decide-verdict.js';
import { framesOfVpdqValue, prepareVpdqFrames, type VpdqFrame } from '../core/video/vpdq.js';
import {
  isVpdqMatch,
  VpdqIndex,
  type VpdqComparison,
  type VpdqMatchRule,
} from '../core/video/vpdq-index.js';
import { sha256Hex } from '../core/hash/digest.js';
import type { Bank, BankStore, Change, LiveSignal } from './ports/bank-store.js';

const PAGE = 10_000;
const INDEXED_TYPES = ['pdq', 'md5', 'sha256', 'vpdq'] as const;
const HASH_TYPES = ['pdq', 'md5', 'sha256'] as const;
const VIDEO_PAGE = 50;
/** Frames of banked videos below this PDQ quality are not indexed (python-threatexchange's rule). */
export const MIN_VPDQ_QUALITY = 50;
type IndexedType = (typeof INDEXED_TYPES)[number];

export interface LookupQuery {
  readonly pdq?: readonly PdqHash[];
  readonly md5?: readonly string[];
  readonly sha256?: readonly string[];
}

export interface MatchIndexStats {
  readonly seq: number;
  readonly banks: number;
  readonly signals: Record<IndexedType, number>;
  readonly lastSyncAt: number | undefined;
}

/**
 * The in-memory matching state of one process: every live PDQ, MD5 and SHA-256 signal of every
 * bank, and the banks' policies. Built from a consistent snapshot of the store, then kept
 * current by applying the store's change log after its last sequence number — so several
 * processes on one PostgreSQL converge without restarts, and a signal added anywhere is
 * matchable here after the next `sync` (see `follow`).
 */
export class MatchIndex {
  private readonly pdq = new PdqIndex();
  private readonly exact: Record<'md5' | 'sha256', ExactIndex> = {
    md5: new ExactIndex(),
    sha256: new ExactIndex(),
  };
  /** bankOf[signalId] = bank id (0: not indexed); typeOf[signalId] = index into INDEXED_TYPES. */
  private bankOf: Int32Array = new Int32Array(1024);
  private typeOf: Int8Array = new Int8Array(1024);
  private readonly policies = new Map<number, BankPolicy>();
  private readonly videos = new VpdqIndex();
  /** SHA-256 of each banked video's value: how reports name a vPDQ signal. */
  private readonly videoDigests = new Map<number, string>();
  private seq = 0;
  private lastSyncAt: number | undefined;
  private syncing: Promise<number> | undefined;
  private loaded = false;

  constructor(private readonly deps: { bankStore: BankStore; now?: () => number }) {}

  /** Loads the snapshot as of the store's current sequence number. */
  async load(): Promise<void> {
    const store = this.deps.bankStore;
    const asOfSeq = await store.currentSeq();
    for (const bank of await store.listBanks()) this.policies.set(bank.id, toPolicy(bank));
    let ids: Int32Array = new Int32Array(1 << 16);
    let words: Uint32Array = new Uint32Array(8 << 16);
    let count = 0;
    let afterId = 0;
    for (;;) {
      const page = await store.loadLiveSignals(HASH_TYPES, { afterId, limit: PAGE, asOfSeq });
      for (const signal of page) {
        if (signal.type === 'pdq') {
          if (count === ids.length) {
            ids = growInt32(ids, ids.length * 2);
            words = growUint32(words, words.length * 2);
          }
          ids[count] = signal.id;
          words.set(pdqFromHex(signal.value), count * 8);
          count++;
          this.track(signal);
        } else {
          this.addSignal(signal);
        }
      }
      if (page.length < PAGE) break;
      afterId = page[page.length - 1].id;
    }
    this.pdq.bulkLoad(ids.subarray(0, count), words.subarray(0, count * 8));
    // Videos are whole frame lists (up to megabytes each): fewer at a time.
    for (let afterVideo = 0; ;) {
      const page = await store.loadLiveSignals(['vpdq'], {
        afterId: afterVideo,
        limit: VIDEO_PAGE,
        asOfSeq,
      });
      for (const signal of page) this.addSignal(signal);
      if (page.length < VIDEO_PAGE) break;
      afterVideo = page[page.length - 1].id;
    }
    this.seq = asOfSeq;
    this.loaded = true;
    this.lastSyncAt = this.now();
  }

  /** Applies every change after the last one seen; returns how many. One sync at a time. */
  sync(): Promise<number> {
    if (!this.loaded) {
      return Promise.reject(new SafeguardError('internal', 'MatchIndex.sync before load'));
    }
    this.syncing ??= this.applyChanges().finally(() => {
      this.syncing = undefined;
    });
    return this.syncing;
  }

  /**
   * Polls the change log every `intervalMs` until the returned function is called. Errors are
   * passed to `onError` and polling goes on (a database restart must not stop matching).
   */
  follow(intervalMs: number, onError: (error: unknown) => void): () => void {
    const timer = setInterval(() => {
      this.sync().catch(onError);
    }, intervalMs);
    timer.unref();
    return () => clearInterval(timer);
  }

  /** Raw hits of the query across all banks; the policy decides what they mean. */
  lookup(query: LookupQuery): Hit[] {
    const hits: Hit[] = [];
    const threshold = this.maxPdqThreshold();
    for (const hash of query.pdq ?? []) {
      if (threshold < 0) break;
      const value = pdqToHex(hash);
      for (const match of this.pdq.query(hash, threshold)) {
        const bankId = this.bankOf[match.id];
        hits.push({
          signalId: match.id,
          bankId,
          signalType: 'pdq',
          value: match.distance === 0 ? value : pdqToHex(this.pdq.get(match.id) ?? hash),
          distance: match.distance,
        });
      }
    }
    for (const type of ['md5', 'sha256'] as const) {
      for (const raw of query[type] ?? []) {
        const value = raw.toLowerCase();
        for (const id of this.exact[type].query(value)) {
          hits.push({
            signalId: id,
            bankId: this.bankOf[id],
            signalType: type,
            value,
            distance: 0,
          });
        }
      }
    }
    return hits;
  }

  /**
   * The banked videos an upload's frames match under `rule`, as hits (distance: the closest
   * frame pair) with their figures. `prepared`: frames deduplicated, quality >= 50
   * (prepareVpdqFrames). A frame matches a banked frame within the bank's PDQ threshold.
   */
  lookupVideo(
    prepared: readonly VpdqFrame[],
    rule: VpdqMatchRule,
  ): Array<{ hit: Hit; figures: VpdqComparison }> {
    const threshold = this.maxPdqThreshold();
    const thresholdOf = (videoId: number) => {
      const policy = this.policies.get(this.bankOf[videoId]);
      return policy?.enabled ? policy.pdqThreshold : -1;
    };
    return this.videos
      .query(prepared, threshold, thresholdOf)
      .filter((match) => isVpdqMatch(match, rule))
      .map((match) => ({
        hit: {
          signalId: match.videoId,
          bankId: this.bankOf[match.videoId],
          signalType: 'vpdq' as const,
          value: this.videoDigests.get(match.videoId) ?? '',
          distance: match.minDistance,
        },
        figures: match,
      }));
  }

  bankPolicies(): ReadonlyMap<number, BankPolicy> {
    return this.policies;
  }

  stats(): MatchIndexStats {
    return {
      seq: this.seq,
      banks: this.policies.size,
      signals: {
        pdq: this.pdq.size,
        md5: this.exact.md5.size,
        sha256: this.exact.sha256.size,
        vpdq: this.videos.size,
      },
      lastSyncAt: this.lastSyncAt,
    };
  }

  private async applyChanges(): Promise<number> {
    const store = this.deps.bankStore;
    let applied = 0;
    for (;;) {
      const changes = await store.changesSince(this.seq, PAGE);
      for (const change of changes) {
        await this.apply(change);
        this.seq = change.seq;
      }
      applied += changes.length;
      if (changes.length < PAGE) break;
    }
    this.lastSyncAt = this.now();
    return applied;
  }

  private async apply(change: Change): Promise<void> {
    switch (change.kind) {
      case 'signal_added':
        if (isIndexed(change.signal.type)) this.addSignal(change.signal);
        return;
      case 'signal_removed':
        this.removeSignal(change.signalId);
        return;
      case 'bank_changed': {
        const bank = await this.deps.bankStore.getBank(change.bankId);
        if (bank) this.policies.set(bank.id, toPolicy(bank));
        return;
      }
      case 'bank_deleted':
        this.policies.delete(change.bankId);
        for (let id = 0; id < this.bankOf.length; id++) {
          if (this.bankOf[id] === change.bankId) this.removeSignal(id);
        }
        return;
    }
  }

  private addSignal(signal: LiveSignal): void {
    if (signal.type === 'pdq') this.pdq.add(signal.id, pdqFromHex(signal.value));
    else if (signal.type === 'md5' || signal.type === 'sha256') {
      this.exact[signal.type].add(signal.id, signal.value.toLowerCase());
    } else if (signal.type === 'vpdq') {
      const frames = prepareVpdqFrames(framesOfVpdqValue(signal.value), MIN_VPDQ_QUALITY);
      this.videos.add(signal.id, frames);
      this.videoDigests.set(signal.id, sha256Hex(Buffer.from(signal.value, 'utf8')));
    } else return;
    this.track(signal);
  }

  private removeSignal(id: number): void {
    if (id >= this.bankOf.length || this.bankOf[id] === 0) return;
    const type = INDEXED_TYPES[this.typeOf[id]];
    if (type === 'pdq') this.pdq.remove(id);
    else if (type === 'vpdq') {
      this.videos.remove(id);
      this.videoDigests.delete(id);
    } else this.exact[type].remove(id);
    this.bankOf[id] = 0;
  }

  private track(signal: LiveSignal): void {
    if (signal.id >= this.bankOf.length) {
      const size = Math.max(signal.id + 1, this.bankOf.length * 2);
      this.bankOf = growInt32(this.bankOf, size);
      this.typeOf = growInt8(this.typeOf, size);
    }
    this.bankOf[signal.id] = signal.bankId;
    this.typeOf[signal.id] = INDEXED_TYPES.indexOf(signal.type as IndexedType);
  }

  private maxPdqThreshold(): number {
    let max = -1;
    for (const policy of this.policies.values()) {
      if (policy.enabled && policy.pdqThreshold > max) max = policy.pdqThreshold;
    }
    return Math.min(max, 256);
  }

  private now(): number {
    return (this.deps.now ?? Date.now)();
  }
}

function isIndexed(type: string): type is IndexedType {
  return (INDEXED_TYPES as readonly string[]).includes(type);
}

function toPolicy(bank: Bank): BankPolicy {
  return {
    id: bank.id,
    name: bank.name,
    kind: bank.kind,
    action: bank.action,
    enabled: bank.enabled,
    pdqThreshold: bank.pdqThreshold,
  };
}

function growInt32(array: Int32Array, size: number): Int32Array {
  const bigger = new Int32Array(size);
  bigger.set(array);
  return bigger;
}

function growUint32(array: Uint32Array, size: number): Uint32Array {
  const bigger = new Uint32Array(size);
  bigger.set(array);
  return bigger;
}

function growInt8(array: Int8Array, size: number): Int8Array {
  const bigger = new Int8Array(size);
  bigger.set(array);
  return bigger;
}
