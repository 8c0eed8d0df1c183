import { isActiveStatus, type StreamMatch, type StreamRecord } from '../ports/stream-store.js';
import { signalKey } from './stream-matches.js';

/** One stream this process is working on: its record and what it has matched so far. */
export interface LiveStream {
  record: StreamRecord;
  /** Matched signals by signalKey. */
  readonly seen: Map<string, StreamMatch>;
  frames: number;
  lastFrameAt: string | undefined;
  /** When progress was last written to the store (ms). */
  lastSaved: number;
  /** Serializes matching, so two frames never both open a case for one new signal. */
  queue: Promise<unknown>;
  /** Pushed frames being handled: a stream nobody uses is forgotten. */
  pushes: number;
  /** Set while this process pulls the stream. */
  monitor?: { readonly controller: AbortController; done: Promise<void> };
}

export function createLiveStream(record: StreamRecord, now: number): LiveStream {
  return {
    record,
    seen: new Map(record.matches.map((m) => [signalKey(m), m])),
    frames: record.framesSampled,
    lastFrameAt: record.lastFrameAt,
    lastSaved: now,
    queue: Promise.resolve(),
    pushes: 0,
  };
}

/** The stored record brought up to date with what this process knows and has not yet saved. */
export function currentRecord(live: LiveStream, stored: StreamRecord): StreamRecord {
  return {
    ...stored,
    ...(isActiveStatus(stored.status) ? { status: live.record.status } : {}),
    framesSampled: Math.max(stored.framesSampled, live.frames),
    ...(live.lastFrameAt === undefined ? {} : { lastFrameAt: live.lastFrameAt }),
    matches: [...live.seen.values()],
  };
}
