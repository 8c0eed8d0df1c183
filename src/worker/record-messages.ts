import type { NewAuditEntry } from '../service/ports/audit-log.js';
import type { ScanForCase } from '../service/ports/case-store.js';
import type { Scan } from '../service/ports/scan-store.js';
import type { ErrorBody } from './hash-messages.js';

export type RecordRequest =
  | { id: number; kind: 'scan'; scan: Scan }
  | { id: number; kind: 'scans'; scans: readonly Scan[] }
  | { id: number; kind: 'case'; scan: ScanForCase }
  | { id: number; kind: 'audit'; entries: readonly NewAuditEntry[] }
  | { id: number; kind: 'close' };

/** `value`: what the store call returned (the opened case), for the caller. */
export type RecordResponse =
  { id: number; ok: true; value: unknown } | { id: number; ok: false; error: ErrorBody };

/** What the thread is started with. */
export interface RecordThreadData {
  /** The SQLite database file (already migrated by the main thread). */
  readonly path: string;
}
