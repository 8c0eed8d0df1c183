import type { Generated } from 'kysely';
import type { BankAction, BankKind, SignalType } from '../service/ports/bank-store.js';
import type { CaseStatus, CaseVerdict } from '../service/ports/case-store.js';
import type { ScanKind, Verdict } from '../service/ports/scan-store.js';
import type { StreamEndReason, StreamStatus } from '../service/ports/stream-store.js';

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
  api_keys: ApiKeysTable;
  audit_log: AuditLogTable;
  audit_head: AuditHeadTable;
  scans: ScansTable;
  cases: CasesTable;
  streams: StreamsTable;
  jobs: JobsTable;
  grooming_conversations: GroomingConversationsTable;
  grooming_author_conversations: GroomingAuthorConversationsTable;
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
  /** What the live-key index holds: the value, or `sha256:<hex>` of a long one (signalValueKey). */
  value_key: string;
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

/** One row per scan, written once; JSON fields as text. No foreign keys: scans are many. */
export interface ScansTable {
  /** Chosen by the caller (a UUID, a ULID). */
  id: string;
  created_at: string;
  kind: ScanKind;
  verdict: Verdict;
  content_id: string | null;
  uploader_id: string | null;
  key_id: string | null;
  /** JSON: ScanHashes. */
  hashes: string;
  /** JSON: MatchReport[]. */
  matches: string;
  /** JSON: string[]. */
  reasons: string;
  duration_ms: number;
}

/**
 * One case per flagged scan (unique scan_id). No foreign key to scans: a case may be opened
 * before its scan's batch is recorded, and keeps what it needs of the scan.
 */
export interface CasesTable {
  id: Generated<number>;
  scan_id: string;
  status: CaseStatus;
  verdict: CaseVerdict;
  content_id: string | null;
  uploader_id: string | null;
  /** JSON: the matched banks' names. */
  banks: string;
  created_at: string;
  /** Strictly increasing per row: the row's version. */
  updated_at: string;
  decided_by: string | null;
  decided_at: string | null;
  note: string | null;
}

/** API keys: metadata and the SHA-256 of the token, never the token. */
export interface ApiKeysTable {
  /** The public id in the token, `sg_<id>_<secret>`. */
  id: string;
  name: string;
  /** JSON: Scope[]. */
  scopes: string;
  /** Lowercase hex SHA-256 of the whole token. */
  token_hash: string;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

/** The hash chain of audit entries: seq 1, 2, 3, … with no gaps. */
export interface AuditLogTable {
  seq: number;
  at: string;
  actor: string;
  action: string;
  subject: string;
  /** Canonical JSON of an object: the text the hash covers. */
  details: string;
  prev_hash: string;
  hash: string;
}

/** One row (id = 1): the last audit entry appended, written with it, to catch a cut tail. */
export interface AuditHeadTable {
  id: number;
  seq: number;
  hash: string;
}

/** Live streams registered for monitoring; JSON fields as text. */
export interface StreamsTable {
  id: string;
  name: string | null;
  url: string | null;
  callback_url: string | null;
  sample_fps: number;
  content_id: string | null;
  uploader_id: string | null;
  key_id: string | null;
  status: StreamStatus;
  end_reason: StreamEndReason | null;
  error: string | null;
  frames_sampled: number;
  last_frame_at: string | null;
  /** JSON: StreamMatch[]. */
  matches: string;
  created_at: string;
  updated_at: string;
  ended_at: string | null;
}

/** Background jobs; `input`, `result`, `error` and `webhook` are JSON. */
export interface JobsTable {
  id: string;
  kind: string;
  status: 'queued' | 'running' | 'done' | 'failed';
  input: string;
  result: string | null;
  error: string | null;
  callback_url: string | null;
  webhook: string | null;
  key_id: string | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  /** The process running the job (see JobStore); null on jobs from before 0008. */
  owner: string | null;
  heartbeat_at: string | null;
}

/** A conversation's grooming state: serialised text, versioned for compare-and-set. */
export interface GroomingConversationsTable {
  id: string;
  /** 1 after the first save, incremented by each. */
  version: number;
  /** JSON: the grooming service's versioned conversation record. */
  state: string;
  updated_at: string;
}

/** One author's standing in one conversation; only ever rises. */
export interface GroomingAuthorConversationsTable {
  author: string;
  conversation_id: string;
  risk: number;
  alerted: number;
}
