/**
 * The audit log: every verdict, bank change, key change and case decision, appended to a
 * hash chain. Each entry carries the hash of the one before it, so `verify` finds any entry
 * that was edited, deleted, reordered or slipped in, and names the first bad one.
 *
 * A hash chain without a secret proves order and completeness against edits that do not
 * rewrite every later hash. Someone able to rewrite the whole table can rebuild a valid
 * chain: record the head hash (`verify` returns it) somewhere else to catch that too.
 */

import type { JsonObject, JsonValue } from '../../core/audit/canonical-json.js';
import type { AuditChainVerification } from '../../core/audit/verify-chain.js';

export type { JsonObject, JsonValue } from '../../core/audit/canonical-json.js';
export {
  auditFaultReasons,
  type AuditChainVerification,
  type AuditFault,
  type AuditFaultReason,
} from '../../core/audit/verify-chain.js';
export type { AuditChainHead } from '../../core/audit/audit-record.js';

/** Longest actor, in characters (`cli`, `system`, `key:<id>`). */
export const auditActorMaxLength = 200;
/** Longest action, in characters: lowercase words joined by dots (`bank.create`). */
export const auditActionMaxLength = 100;
/** Longest subject, in characters (`bank:12`, `scan:<id>`). */
export const auditSubjectMaxLength = 300;
/** Largest details object, as canonical JSON, in UTF-8 bytes. */
export const auditDetailsMaxBytes = 65_536;
/** Largest `limit` of one page of entries; most entries one appendMany takes. */
export const maxAuditPageSize = 1_000;

export interface NewAuditEntry {
  readonly actor: string;
  /** Lowercase letters, digits, `_` and `-`, in dot-separated words: `scan.verdict`. */
  readonly action: string;
  readonly subject: string;
  /** Plain JSON; properties that are undefined are left out. Never put a secret here. */
  readonly details?: Readonly<Record<string, JsonValue | undefined>>;
  /** ISO 8601 UTC with milliseconds; the store's clock when absent. */
  readonly at?: string;
}

export interface AuditEntry {
  /** 1, 2, 3, … with no gaps, in append order. */
  readonly seq: number;
  readonly at: string;
  readonly actor: string;
  readonly action: string;
  readonly subject: string;
  readonly details: JsonObject;
  /** Lowercase hex SHA-256: the previous entry's hash (64 zeros for the first entry). */
  readonly prevHash: string;
  readonly hash: string;
}

export interface AuditQuery {
  /** Only entries with a larger seq. */
  readonly afterSeq?: number;
  /** Only entries with a smaller seq. */
  readonly beforeSeq?: number;
  /** Only entries with exactly this action. */
  readonly action?: string;
  /** `asc` (the default) from the oldest matching entry, `desc` from the newest. */
  readonly order?: 'asc' | 'desc';
  /** 1 to 1000. */
  readonly limit: number;
}

export interface AuditVerifyOptions {
  /** Rows read per query (1 to 1000; 500 by default): memory stays bounded by a page. */
  readonly pageSize?: number;
}

/** Throws SafeguardError `invalid_argument` for a bad field, query or details object. */
export interface AuditLog {
  /**
   * Appends one entry. Appends are serialized (across processes on one PostgreSQL too), so
   * the chain never forks. On SQLite an append waits, like every write, for a running import.
   */
  append(entry: NewAuditEntry): Promise<AuditEntry>;
  /** Appends entries in order in one transaction (at most 1000): all or none. */
  appendMany(entries: readonly NewAuditEntry[]): Promise<AuditEntry[]>;
  list(query: AuditQuery): Promise<AuditEntry[]>;
  /**
   * Walks the whole chain a page at a time and checks every link, and the end of the chain
   * against the head recorded with each append. Entries appended meanwhile are fine.
   */
  verify(options?: AuditVerifyOptions): Promise<AuditChainVerification>;
}
