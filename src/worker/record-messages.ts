import type { VerdictBatch } from '../service/ports/record-writer.js';
import type { ErrorBody } from './hash-messages.js';

export type RecordRequest =
  { id: number; kind: 'write'; batch: VerdictBatch } | { id: number; kind: 'close' };

/** `value`: what the write returned (the opened case), for the caller. */
export type RecordResponse =
  { id: number; ok: true; value: unknown } | { id: number; ok: false; error: ErrorBody };

/** What the thread is started with. */
export interface RecordThreadData {
  /** The SQLite database file (already migrated by the main thread). */
  readonly path: string;
}
