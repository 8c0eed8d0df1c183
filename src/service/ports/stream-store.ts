/**
 * The stream store: the record of every live stream registered for monitoring, so that
 * `GET /v1/streams/{id}` answers on any node and after a restart. Monitoring itself (the
 * ffmpeg process, the frames) lives in one process; the record is what it reports.
 */

import type { Verdict } from '../../core/policy/decide-verdict.js';

/**
 * `starting` until the first frame, `live` while frames arrive; the rest are final: `ended`
 * (the stream finished), `stalled` (no frame for too long), `failed` (could not be opened or
 * broke off), `stopped` (DELETE, or the server shut down).
 */
export const streamStatuses = [
  'starting',
  'live',
  'ended',
  'stalled',
  'failed',
  'stopped',
] as const;
export type StreamStatus = (typeof streamStatuses)[number];

export const activeStreamStatuses: readonly StreamStatus[] = ['starting', 'live'];

/** Why monitoring ended: the `reason` of the `stream.ended` event. */
export const streamEndReasons = ['ended', 'stalled', 'unreachable', 'failed', 'stopped'] as const;
export type StreamEndReason = (typeof streamEndReasons)[number];

export function isActiveStatus(status: StreamStatus): boolean {
  return activeStreamStatuses.includes(status);
}

/** One banked signal the stream matched, once per signal however many frames showed it. */
export interface StreamMatch {
  readonly bank: string;
  readonly bankId: number;
  readonly signalType: 'pdq' | 'md5' | 'sha256' | 'vpdq';
  readonly value: string;
  readonly action: 'block' | 'review';
  /** The closest distance seen. */
  readonly distance: number;
  readonly verdict: Verdict;
  /** Seconds into the stream of the first and the last frame that matched. */
  readonly firstTimestamp: number;
  readonly lastTimestamp: number;
  /** When the first matching frame was seen (ISO 8601, UTC). */
  readonly firstSeenAt: string;
  /** Frames that matched it. */
  readonly frames: number;
  /** The case the first match opened. */
  readonly caseId?: number;
}

export interface StreamRecord {
  /** `str_…`, chosen by the service. */
  readonly id: string;
  readonly name?: string;
  /** Absent for a push-only stream (frames come by POST /v1/streams/{id}/frames). */
  readonly url?: string;
  readonly callbackUrl?: string;
  /** Frames per second sampled from the URL. */
  readonly sampleFps: number;
  readonly contentId?: string;
  readonly uploaderId?: string;
  /** The API key that registered it. */
  readonly keyId?: string;
  readonly status: StreamStatus;
  readonly endReason?: StreamEndReason;
  /** What went wrong, for `failed` and `stalled`. */
  readonly error?: string;
  /** Frames sampled (pulled) or pushed so far. */
  readonly framesSampled: number;
  /** When the last frame was seen (ISO 8601, UTC). */
  readonly lastFrameAt?: string;
  readonly matches: readonly StreamMatch[];
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly endedAt?: string;
}

export type NewStream = Omit<
  StreamRecord,
  | 'status'
  | 'endReason'
  | 'error'
  | 'framesSampled'
  | 'lastFrameAt'
  | 'matches'
  | 'updatedAt'
  | 'endedAt'
> & { readonly status: 'starting' | 'live' };

/** What monitoring learns as frames arrive. */
export interface StreamProgress {
  readonly framesSampled?: number;
  readonly lastFrameAt?: string;
  readonly matches?: readonly StreamMatch[];
}

/** A status change; final statuses carry the reason and time. */
export interface StreamStatusChange {
  readonly status: StreamStatus;
  readonly endReason?: StreamEndReason;
  readonly error?: string;
  readonly at: string;
}

export interface StreamQuery {
  readonly status?: StreamStatus;
  /** The `next` of the previous page. */
  readonly before?: string;
  /** 1 to 1000. */
  readonly limit: number;
}

export interface StreamPage {
  /** Newest first. */
  readonly streams: StreamRecord[];
  readonly next?: string;
}

/** Throws SafeguardError `invalid_argument` (a field out of bounds), `conflict` (id taken). */
export interface StreamStore {
  create(stream: NewStream): Promise<StreamRecord>;
  get(id: string): Promise<StreamRecord | undefined>;
  list(query: StreamQuery): Promise<StreamPage>;
  /** Records progress; the status is left alone. Undefined for an unknown stream. */
  progress(id: string, progress: StreamProgress): Promise<StreamRecord | undefined>;
  /**
   * Changes the status of a stream that is still active (`starting`, `live`); a final status
   * never changes again. Gives the record after the call and whether it changed.
   */
  setStatus(
    id: string,
    change: StreamStatusChange,
  ): Promise<{ record: StreamRecord; changed: boolean } | undefined>;
}
