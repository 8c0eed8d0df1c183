/**
 * The hash-bank store: banks of signals (hashes, URLs) and an ordered log of their changes.
 *
 * Every change (a signal added or removed, a bank created, updated or deleted) gets a sequence
 * number. Sequence numbers strictly increase in commit order (they may skip values): a reader
 * that polls `changesSince(lastSeq)` never misses a change, even with several writers on one
 * database. Signal values are stored as given: the caller normalizes them (lowercase hex).
 */

import type { SignalType } from '../../core/signal-formats/signal.js';
import type { SignalMetadata } from '../../core/signal-formats/signal.js';

export { signalTypes, type SignalType } from '../../core/signal-formats/signal.js';
export type { SignalMetadata } from '../../core/signal-formats/signal.js';
/** `block` or `review`: what a match in the bank asks for. `match` banks list content to act
 * on; `allow` banks list known-good content. Defined with the verdict policy, in core. */
export {
  bankActions,
  bankKinds,
  type BankAction,
  type BankKind,
} from '../../core/policy/decide-verdict.js';
import type { BankAction, BankKind } from '../../core/policy/decide-verdict.js';

export const bankNameMaxLength = 100;
export const defaultPdqThreshold = 31;
export const maxPdqThreshold = 255;
/** Longest signal value, in UTF-8 bytes (a URL may be long; an index key may not be huge). */
export const signalValueMaxBytes = 2048;
/**
 * Longest vPDQ value: a video's whole frame list (about 80 bytes a frame, so 4 MiB is some
 * 14 hours at one frame a second). The store keys such values by their SHA-256.
 */
export const vpdqValueMaxBytes = 4 * 1024 * 1024;

/** The most bytes a value of this type may have. */
export function maxSignalValueBytes(type: SignalType): number {
  return type === 'vpdq' ? vpdqValueMaxBytes : signalValueMaxBytes;
}
/** Largest `limit` of one page of signals or changes. */
export const maxPageSize = 10_000;

export interface Bank {
  readonly id: number;
  readonly name: string;
  readonly action: BankAction;
  readonly kind: BankKind;
  /** Largest Hamming distance (0..255) at which a PDQ hash matches a signal of this bank. */
  readonly pdqThreshold: number;
  readonly enabled: boolean;
  /** ISO 8601, UTC. */
  readonly createdAt: string;
  readonly updatedAt: string;
  /** Live (not removed) signals. */
  readonly signalCount: number;
}

export interface NewBank {
  readonly name: string;
  readonly action?: BankAction;
  readonly kind?: BankKind;
  readonly pdqThreshold?: number;
}

export interface BankPatch {
  readonly name?: string;
  readonly action?: BankAction;
  readonly kind?: BankKind;
  readonly pdqThreshold?: number;
  readonly enabled?: boolean;
}

export interface SignalKey {
  readonly type: SignalType;
  readonly value: string;
}

export interface NewSignal extends SignalKey {
  readonly metadata?: SignalMetadata | null;
}

export interface Signal extends SignalKey {
  readonly id: number;
  readonly bankId: number;
  readonly metadata: SignalMetadata | null;
  readonly addedAt: string;
  /** Sequence number of the `signal_added` change. */
  readonly seq: number;
}

/** What an index needs of a signal. */
export interface LiveSignal extends SignalKey {
  readonly id: number;
  readonly bankId: number;
}

export type Change =
  | { readonly seq: number; readonly kind: 'signal_added'; readonly signal: LiveSignal }
  | {
      readonly seq: number;
      readonly kind: 'signal_removed';
      readonly signalId: number;
      readonly bankId: number;
      readonly type: SignalType;
      readonly value: string;
    }
  /** The bank was created or its settings changed: re-read it with getBank. */
  | { readonly seq: number; readonly kind: 'bank_changed'; readonly bankId: number }
  /** The bank and all its signals are gone: drop every signal of bankId. */
  | { readonly seq: number; readonly kind: 'bank_deleted'; readonly bankId: number };

export type ChangeKind = Change['kind'];

/** A signal already live in the bank (or earlier in the same call) counts as a duplicate. */
export interface AddResult {
  readonly added: number;
  readonly duplicates: number;
}

export interface ImportOptions {
  /** Called after each batch with the number of signals read so far (added + duplicates). */
  readonly onProgress?: (processed: number) => void;
}

export interface SignalPage {
  /** Only signals with a larger id; 0 (the default) starts at the beginning. */
  readonly afterId?: number;
  readonly limit: number;
}

export interface LiveSignalPage extends SignalPage {
  /**
   * Signals live as of this sequence number (from currentSeq()), so that a loader can page
   * through a consistent snapshot and then follow changesSince(asOfSeq) with nothing applied
   * twice. Without it, signals live now (a loader must then apply changes idempotently).
   */
  readonly asOfSeq?: number;
}

/**
 * Throws SafeguardError: `invalid_argument` (bad name, threshold, type, value, limit),
 * `conflict` (a bank name already taken), `not_found` (no bank with that id).
 */
export interface BankStore {
  createBank(bank: NewBank): Promise<Bank>;
  listBanks(): Promise<Bank[]>;
  /** A number is an id, a string a name. */
  getBank(nameOrId: string | number): Promise<Bank | undefined>;
  updateBank(id: number, patch: BankPatch): Promise<Bank>;
  /** Deletes the bank and its signals; one `bank_deleted` change tells indexes to drop them. */
  deleteBank(id: number): Promise<void>;

  /** Adds a small list of signals in one transaction. */
  addSignals(bankId: number, signals: readonly NewSignal[]): Promise<AddResult>;
  /**
   * Adds a stream of signal batches in ONE transaction: all or nothing. If the stream throws,
   * nothing is kept and its error propagates unchanged. Memory stays bounded by a batch.
   * Other writes to the store wait until the import commits.
   */
  importSignals(
    bankId: number,
    batches: AsyncIterable<readonly NewSignal[]>,
    options?: ImportOptions,
  ): Promise<AddResult>;
  /** Removes live signals (leaving tombstones); returns how many were live. */
  removeSignals(bankId: number, keys: readonly SignalKey[]): Promise<number>;
  /** Live signals of a bank, by ascending id, for streaming export. */
  listSignals(bankId: number, page: SignalPage): Promise<Signal[]>;

  /** Signals by id (live or removed; unknown ids are left out), by ascending id. */
  getSignals(ids: readonly number[]): Promise<Signal[]>;

  /** Live signals of the given types across all banks, by ascending id, to build an index. */
  loadLiveSignals(types: readonly SignalType[], page: LiveSignalPage): Promise<LiveSignal[]>;
  /** The sequence number of the latest committed change (0 when there is none). */
  currentSeq(): Promise<number>;
  /** Changes with a sequence number above `seq`, ascending, at most `limit`. */
  changesSince(seq: number, limit: number): Promise<Change[]>;
}
