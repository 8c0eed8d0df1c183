import type { NewAuditEntry } from './audit-log.js';
import type { CaseStore } from './case-store.js';
import type { ScanStore } from './scan-store.js';

/**
 * Does the scan recorder's writes: scans as the ScanStore, cases as the CaseStore, audit
 * entries as `AuditLog.appendMany` (each call one transaction). On a SQLite file a thread with
 * its own connection does the writing, so the server's event loop never waits on the inserts
 * and the fsync of each commit; elsewhere the stores themselves.
 */
export interface RecordWriter
  extends Pick<ScanStore, 'record' | 'recordMany'>, Pick<CaseStore, 'open'> {
  /** At most 1000 entries at once, like `AuditLog.appendMany`. */
  appendMany(entries: readonly NewAuditEntry[]): Promise<void>;
  /** Call it once the writes asked for have settled. */
  close(): Promise<void>;
}
