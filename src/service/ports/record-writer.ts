import type { NewAuditEntry } from './audit-log.js';
import type { OpenedCase, ScanForCase } from './case-store.js';
import type { Scan } from './scan-store.js';

/** A case to open for a scan of a batch. */
export interface CaseToOpen {
  readonly scan: ScanForCase;
  /** Index of the scan's entry in the batch's `audits`: it gets `caseId` in its details. */
  readonly audit: number;
}

/** Verdicts written together: what the scan recorder hands over at each write. */
export interface VerdictBatch {
  /** In the order the verdicts were given. */
  readonly scans: readonly Scan[];
  /** Their audit entries, in the same order. */
  readonly audits: readonly NewAuditEntry[];
  /** Cases to open (review and block verdicts), in order. */
  readonly cases?: readonly CaseToOpen[];
}

/**
 * Does the scan recorder's writes: each batch in one transaction. On a SQLite file a thread
 * with its own connection does the writing, so the server's event loop never waits on the
 * inserts and the fsync of each commit; elsewhere the store itself.
 */
export interface RecordWriter {
  /**
   * Records the scans, opens the cases, appends the audit entries — all or nothing. Returns
   * the cases (each opened now, or its scan's existing one), in the order of `cases`.
   */
  write(batch: VerdictBatch): Promise<OpenedCase[]>;
  /** Call it once the writes asked for have settled. */
  close(): Promise<void>;
}
