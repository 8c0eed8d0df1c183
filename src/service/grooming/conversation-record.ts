import type { AlertReason, GroomingAlert } from '../../core/grooming/conversation-risk.js';
import {
  parseConversationRiskState,
  parseSignalHit,
  type ConversationRiskState,
} from '../../core/grooming/conversation-state.js';
import { HASH_SIZE } from '../../core/grooming/hash-features.js';
import type { SignalHit } from '../../core/grooming/signal-codes.js';
import { decodeSeen, encodeSeen, type SeenMessage } from './seen-messages.js';

/** What identifies the stored text as a conversation record, and the one version this reads. */
export const CONVERSATION_RECORD_FORMAT = 'safeguard-grooming-conversation';
export const CONVERSATION_RECORD_VERSION = 1;

/** An alert as kept with its conversation: its id (the case's scan id) and, once known, its case. */
export interface RecordedAlert extends GroomingAlert {
  readonly alertId: string;
  readonly caseId?: number;
}

/**
 * What the store keeps for one conversation: the rolling state, the alerts it raised, and the
 * fingerprint of the model that built the state.
 */
export interface ConversationRecord {
  readonly model: string;
  readonly state: ConversationRiskState;
  readonly alerts: readonly RecordedAlert[];
  /** Messages scored under an id the platform gave (see seen-messages.ts); absent: none. */
  readonly seen?: readonly SeenMessage[];
}

export type RecordParse =
  | { readonly ok: true; readonly record: ConversationRecord }
  | { readonly ok: false; readonly issues: string[] };

export function encodeConversationRecord(record: ConversationRecord): string {
  return JSON.stringify({
    format: CONVERSATION_RECORD_FORMAT,
    version: CONVERSATION_RECORD_VERSION,
    model: record.model,
    state: record.state,
    alerts: record.alerts,
    // Only when the platform sends message ids: a record without them reads as before.
    ...(record.seen === undefined || record.seen.length === 0
      ? {}
      : { seen: encodeSeen(record.seen) }),
  });
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const isCount = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;

function parseAlert(v: unknown): RecordedAlert | undefined {
  if (!isRecord(v) || typeof v.alertId !== 'string' || typeof v.author !== 'string')
    return undefined;
  const { messageIndex, score, threshold, reasons, evidence, evidenceMessages, caseId } = v;
  if (!isCount(messageIndex) || typeof score !== 'number' || typeof threshold !== 'number')
    return undefined;
  if (!Array.isArray(reasons) || !reasons.every((r) => typeof r === 'string')) return undefined;
  if (!Array.isArray(evidenceMessages) || !evidenceMessages.every(isCount)) return undefined;
  if (caseId !== undefined && !(isCount(caseId) && caseId > 0)) return undefined;
  const hits = Array.isArray(evidence) ? evidence.map(parseSignalHit) : [undefined];
  if (hits.some((h) => h === undefined)) return undefined;
  return {
    alertId: v.alertId,
    author: v.author,
    messageIndex,
    score,
    threshold,
    reasons: reasons as AlertReason[],
    evidence: hits as SignalHit[],
    evidenceMessages,
    ...(caseId === undefined ? {} : { caseId }),
  };
}

/**
 * Reads stored text back. Anything but version 1 of this format is refused with the reason
 * (a newer version was written by a newer release: this one must not overwrite it).
 */
export function decodeConversationRecord(text: string): RecordParse {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, issues: ['not JSON'] };
  }
  if (!isRecord(value) || value.format !== CONVERSATION_RECORD_FORMAT)
    return { ok: false, issues: [`not a ${CONVERSATION_RECORD_FORMAT} record`] };
  if (value.version !== CONVERSATION_RECORD_VERSION)
    return {
      ok: false,
      issues: [
        `record version ${JSON.stringify(value.version)} is not one this release reads (${CONVERSATION_RECORD_VERSION}); was it written by a newer Safeguard?`,
      ],
    };
  const issues: string[] = [];
  if (typeof value.model !== 'string') issues.push('model must be a string');
  const state = parseConversationRiskState(value.state, HASH_SIZE);
  if (!state.ok) issues.push(...state.issues.map((i) => `state: ${i}`));
  const alerts = Array.isArray(value.alerts) ? value.alerts.map(parseAlert) : [undefined];
  if (alerts.some((a) => a === undefined)) issues.push('alerts must be alert records');
  const seen = value.seen === undefined ? [] : decodeSeen(value.seen);
  if (seen === undefined) issues.push('seen must be a list of scored message ids');
  if (issues.length > 0 || !state.ok) return { ok: false, issues };
  return {
    ok: true,
    record: {
      model: value.model as string,
      state: state.state,
      alerts: alerts as RecordedAlert[],
      ...(seen === undefined || seen.length === 0 ? {} : { seen }),
    },
  };
}
