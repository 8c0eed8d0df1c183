import { createHash } from 'node:crypto';
import { canonicalJson } from './canonical-json.js';
import type { JsonObject } from './canonical-json.js';

/**
 * The audit log is a hash chain: each record's hash covers the hash of the record before it,
 * so editing, deleting or reordering any record breaks every link after it. The first
 * record's previous hash is the genesis hash, 64 zeros.
 */
export const genesisHash = '0'.repeat(64);

/** What a record says; `seq` counts records from 1 with no gaps. */
export interface AuditRecord {
  readonly seq: number;
  /** ISO 8601, UTC. */
  readonly at: string;
  /** Who: `cli`, `system`, `key:<id>`. */
  readonly actor: string;
  /** What: `scan.verdict`, `bank.create`, `key.revoke`, … */
  readonly action: string;
  /** To what: `bank:12`, `key:<id>`, `scan:<id>`, … */
  readonly subject: string;
  readonly details: JsonObject;
}

export interface ChainedAuditRecord extends AuditRecord {
  readonly prevHash: string;
  readonly hash: string;
}

/** The last record of a chain (seq 0 and the genesis hash for an empty one). */
export interface AuditChainHead {
  readonly seq: number;
  readonly hash: string;
}

export const emptyChainHead: AuditChainHead = { seq: 0, hash: genesisHash };

/**
 * SHA-256 (lowercase hex) of `prevHash` followed by the canonical JSON of the record's
 * fields {seq, at, actor, action, subject, details}.
 */
export function hashAuditRecord(prevHash: string, record: AuditRecord): string {
  const body = canonicalJson({
    seq: record.seq,
    at: record.at,
    actor: record.actor,
    action: record.action,
    subject: record.subject,
    details: record.details,
  });
  return createHash('sha256').update(prevHash, 'utf8').update(body, 'utf8').digest('hex');
}

/** The record that follows `head`: the next seq, linked to head's hash. */
export function chainAuditRecord(
  head: AuditChainHead,
  record: Omit<AuditRecord, 'seq'>,
): ChainedAuditRecord {
  const next: AuditRecord = { ...record, seq: head.seq + 1 };
  return { ...next, prevHash: head.hash, hash: hashAuditRecord(head.hash, next) };
}
