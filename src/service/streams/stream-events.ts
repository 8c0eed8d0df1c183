import type { Verdict } from '../../core/policy/decide-verdict.js';
import type { MatchReport } from '../match-hashes.js';
import { newId } from '../new-id.js';
import type { SignalMetadata } from '../ports/bank-store.js';
import type { StreamEndReason, StreamRecord, StreamStatus } from '../ports/stream-store.js';
import type { WebhookEvent } from '../webhooks/send-webhook.js';

/** A match as the platform receives it in a `stream.match` event. */
export interface StreamEventMatch {
  readonly bank: string;
  readonly signalType: MatchReport['signalType'];
  readonly value: string;
  readonly distance: number;
  readonly action: 'block' | 'review';
  readonly metadata: SignalMetadata | null;
  /** Seconds into the stream of the frame that matched. */
  readonly timestamps: readonly number[];
}

/** `stream.match`: a frame showed banked material not seen before in this stream. */
export interface StreamMatchEventData {
  readonly streamId: string;
  readonly name?: string;
  readonly contentId?: string;
  readonly uploaderId?: string;
  readonly verdict: Verdict;
  /** The signals newly matched by this frame (each signal is reported once per stream). */
  readonly matches: readonly StreamEventMatch[];
  readonly frame: {
    readonly number: number;
    /** Seconds into the stream (since monitoring began, for a pulled stream). */
    readonly timestamp: number;
    /** When Safeguard had the frame (ISO 8601, UTC). */
    readonly seenAt: string;
  };
  readonly scanId: string;
  /** The review case opened for it. */
  readonly caseId?: number;
}

/** `stream.ended`: monitoring stopped, and why. Not sent after a DELETE. */
export interface StreamEndedEventData {
  readonly streamId: string;
  readonly name?: string;
  readonly contentId?: string;
  readonly reason: StreamEndReason;
  readonly status: StreamStatus;
  readonly error?: string;
  readonly framesSampled: number;
  readonly lastFrameAt?: string;
  readonly matched: boolean;
  readonly endedAt: string;
}

function streamRefs(record: StreamRecord) {
  return {
    streamId: record.id,
    ...(record.name === undefined ? {} : { name: record.name }),
    ...(record.contentId === undefined ? {} : { contentId: record.contentId }),
  };
}

export function streamMatchEvent(
  record: StreamRecord,
  input: {
    readonly verdict: Verdict;
    readonly matches: readonly MatchReport[];
    readonly frameNumber: number;
    readonly timestamp: number;
    readonly seenAt: string;
    readonly scanId: string;
    readonly caseId: number | undefined;
  },
  now: number,
): WebhookEvent & { data: StreamMatchEventData } {
  return {
    type: 'stream.match',
    id: newId('evt', now),
    createdAt: new Date(now).toISOString(),
    data: {
      ...streamRefs(record),
      ...(record.uploaderId === undefined ? {} : { uploaderId: record.uploaderId }),
      verdict: input.verdict,
      matches: input.matches.map((m) => ({
        bank: m.bank,
        signalType: m.signalType,
        value: m.value,
        distance: m.distance,
        action: m.action,
        metadata: m.metadata,
        timestamps: [input.timestamp],
      })),
      frame: { number: input.frameNumber, timestamp: input.timestamp, seenAt: input.seenAt },
      scanId: input.scanId,
      ...(input.caseId === undefined ? {} : { caseId: input.caseId }),
    },
  };
}

export function streamEndedEvent(
  record: StreamRecord,
  reason: StreamEndReason,
  now: number,
): WebhookEvent & { data: StreamEndedEventData } {
  return {
    type: 'stream.ended',
    id: newId('evt', now),
    createdAt: new Date(now).toISOString(),
    data: {
      ...streamRefs(record),
      reason,
      status: record.status,
      ...(record.error === undefined ? {} : { error: record.error }),
      framesSampled: record.framesSampled,
      ...(record.lastFrameAt === undefined ? {} : { lastFrameAt: record.lastFrameAt }),
      matched: record.matches.length > 0,
      endedAt: record.endedAt ?? new Date(now).toISOString(),
    },
  };
}
