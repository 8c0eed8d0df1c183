import type { NewAuditEntry } from './audit-log.js';
import type { OpenedCase, ScanForCase } from './case-store.js';
import type { Scan } from './scan-store.js';

/** Verdicts written together: what the scan recorder hands over at each write. */
export interface VerdictBatch {
  /** In the order they were given (a flagged scan last). */
  readonly scans: readonly Scan[];
  /** Their audit entries, in the same order. */
  readonly audits: readonly NewAuditEntry[];
  /** The flagged (last) scan, when it opens a case; its audit entry gets `caseId`. */
  readonly caseFor?: ScanForCase;
}

/**
 * Does the scan recorder's writes: each batch in one transaction. On a SQLite file a thread
 * with its own connection does the writing, so the server's event loop never waits on the
 * inserts and the fsync of each commit; elsewhere the store itself.
 */
export interface RecordWriter {
  /**
   * Records the scans, opens the case (`caseFor`), appends the audit entries — all or
   * nothing. Returns the case (opened now, or the scan's existing one).
   */
  write(batch: VerdictBatch): Promise<OpenedCase | undefined>;
  /** Call it once the writes asked for have settled. */
  close(): Promise<void>;
}
