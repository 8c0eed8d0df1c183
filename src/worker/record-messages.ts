import type { GroomingStateStore } from '../service/ports/grooming-state-store.js';
import type { VerdictBatch } from '../service/ports/record-writer.js';
import type { ErrorBody } from './hash-messages.js';

/** A call of the grooming state store, made on the thread's connection. */
export type GroomingCall = {
  [M in keyof GroomingStateStore]: { method: M; args: Parameters<GroomingStateStore[M]> };
}[keyof GroomingStateStore];

export type RecordRequest =
  | { id: number; kind: 'write'; batch: VerdictBatch }
  | ({ id: number; kind: 'grooming' } & GroomingCall)
  | { id: number; kind: 'close' };

/** `value`: what the write returned (the opened case), for the caller. */
export type RecordResponse =
  { id: number; ok: true; value: unknown } | { id: number; ok: false; error: ErrorBody };

/** What the thread is started with. */
export interface RecordThreadData {
  /** The SQLite database file (already migrated by the main thread). */
  readonly path: string;
}
