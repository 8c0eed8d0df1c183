import type { Selectable } from 'kysely';
import { canonicalJson, isJsonObject } from '../core/audit/canonical-json.js';
import type { JsonObject } from '../core/audit/canonical-json.js';
import type { StoredAuditRow } from '../core/audit/verify-chain.js';
import { SafeguardError } from '../core/errors.js';
import {
  auditActionMaxLength,
  auditActorMaxLength,
  auditDetailsMaxBytes,
  auditSubjectMaxLength,
  maxAuditPageSize,
} from '../service/ports/audit-log.js';
import type { AuditEntry, AuditQuery, NewAuditEntry } from '../service/ports/audit-log.js';
import type { AuditLogTable } from './database.js';
import { hasControlCharacter } from './key-store-input.js';
import { checkIntegerInRange, invalid } from './check-input.js';
import { checkTimestamp } from './scan-store-input.js';

/** The audit log's own guard on what it appends and lists, and its rows as values. */

export interface CheckedAuditEntry {
  readonly actor: string;
  readonly action: string;
  readonly subject: string;
  readonly details: JsonObject;
  /** Undefined: the store's clock. */
  readonly at: string | undefined;
}

const actionPattern = /^[a-z][a-z0-9_-]*(\.[a-z0-9_-]+)*$/;

export function checkNewAuditEntry(entry: NewAuditEntry, field = 'entry'): CheckedAuditEntry {
  if (typeof entry !== 'object' || entry === null) {
    throw invalid(`${field} must be an object.`, { field });
  }
  const action = checkAuditAction(entry.action, `${field}.action`);
  return {
    actor: checkText(`${field}.actor`, entry.actor, auditActorMaxLength),
    action,
    subject: checkText(`${field}.subject`, entry.subject, auditSubjectMaxLength),
    details: checkDetails(`${field}.details`, entry.details),
    at: entry.at === undefined ? undefined : checkTimestamp(`${field}.at`, entry.at),
  };
}

export function checkAuditAction(value: unknown, field = 'action'): string {
  const action = checkText(field, value, auditActionMaxLength);
  if (!actionPattern.test(action)) {
    throw invalid(
      `${field} must be lowercase words of letters, digits, "_" or "-" joined by dots, like "bank.create"; got ${JSON.stringify(action)}.`,
      { field, value: action },
    );
  }
  return action;
}

export function checkAuditQuery(query: AuditQuery): AuditQuery {
  const afterSeq = checkSeq('afterSeq', query.afterSeq);
  const beforeSeq = checkSeq('beforeSeq', query.beforeSeq);
  if (query.order !== undefined && query.order !== 'asc' && query.order !== 'desc') {
    throw invalid(`order must be asc or desc; got ${JSON.stringify(query.order)}.`, {
      field: 'order',
      value: query.order,
    });
  }
  return {
    afterSeq,
    beforeSeq,
    action: query.action === undefined ? undefined : checkAuditAction(query.action),
    order: query.order ?? 'asc',
    limit: checkAuditLimit('limit', query.limit),
  };
}

export function checkAuditLimit(field: string, limit: unknown): number {
  return checkIntegerInRange(field, limit, 1, maxAuditPageSize);
}

function checkSeq(field: string, value: unknown): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw invalid(`${field} must be a non-negative integer.`, { field, value });
  }
  return value;
}

function checkText(field: string, value: unknown, maxLength: number): string {
  if (
    typeof value !== 'string' ||
    value.length === 0 ||
    value.length > maxLength ||
    hasControlCharacter(value)
  ) {
    throw invalid(`${field} must be 1 to ${maxLength} characters with no control characters.`, {
      field,
    });
  }
  return value;
}

function checkDetails(field: string, value: unknown): JsonObject {
  if (value === undefined) return {};
  if (!isJsonObject(value)) {
    throw invalid(`${field} must be an object.`, { field });
  }
  const text = canonicalJson(value, field);
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > auditDetailsMaxBytes) {
    throw invalid(`${field} is ${bytes} bytes as JSON; at most ${auditDetailsMaxBytes}.`, {
      field,
    });
  }
  // A copy as plain data: undefined members gone, nothing shared with the caller.
  return JSON.parse(text) as JsonObject;
}

export function toStoredAuditRow(row: Selectable<AuditLogTable>): StoredAuditRow {
  return {
    seq: Number(row.seq),
    at: row.at,
    actor: row.actor,
    action: row.action,
    subject: row.subject,
    details: row.details,
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}

export function toAuditEntry(row: Selectable<AuditLogTable>): AuditEntry {
  const seq = Number(row.seq);
  return {
    seq,
    at: row.at,
    actor: row.actor,
    action: row.action,
    subject: row.subject,
    details: decodeDetails(seq, row.details),
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}

function decodeDetails(seq: number, text: string): JsonObject {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (!isJsonObject(parsed)) {
    throw new SafeguardError(
      'internal',
      `Audit entry ${seq} holds details that are not a JSON object: the log was changed outside Safeguard; run "safeguard audit verify".`,
      { seq },
    );
  }
  return parsed;
}
