import type { Generated } from 'kysely';
import type { BankAction, BankKind, SignalType } from '../service/ports/bank-store.js';

/**
 * The tables as Kysely sees them. Both dialects store the same shapes: ids and sequence
 * numbers as 64-bit integers read back as numbers, booleans as 0/1, timestamps as ISO 8601
 * text (UTC, so they sort as text) and JSON as text.
 */
export interface Database {
  store_state: StoreStateTable;
  banks: BanksTable;
  signals: SignalsTable;
  bank_changes: BankChangesTable;
}

/** One row (id = 1): the last sequence number handed out. */
export interface StoreStateTable {
  id: number;
  last_seq: number;
}

export interface BanksTable {
  id: Generated<number>;
  name: string;
  action: BankAction;
  kind: BankKind;
  pdq_threshold: number;
  enabled: number;
  /** Live signals, kept in step by every write. */
  signal_count: number;
  created_at: string;
  updated_at: string;
}

/**
 * A signal row is its own change log: `added_seq` is the `signal_added` change and
 * `removed_seq`, once set, the `signal_removed` one (the row stays as a tombstone).
 */
export interface SignalsTable {
  id: Generated<number>;
  bank_id: number;
  type: SignalType;
  value: string;
  metadata: string | null;
  added_at: string;
  added_seq: number;
  removed_at: string | null;
  removed_seq: number | null;
}

export const bankChangeKinds = ['bank_changed', 'bank_deleted'] as const;
export type BankChangeKind = (typeof bankChangeKinds)[number];

/** Bank-level changes; no foreign key, since a `bank_deleted` row outlives its bank. */
export interface BankChangesTable {
  seq: number;
  bank_id: number;
  kind: BankChangeKind;
  changed_at: string;
}
