/**
 * The scan store: the record of every verdict the service gave (`GET /v1/scans/{id}`).
 *
 * Recording is one insert and takes no lock shared with other writers, so it stays cheap.
 * A scan carries its own id and time, chosen by the caller when the scan ran: the caller may
 * therefore hold scans in memory and record them later, many at a time. At thousands of scans
 * a second, buffer them and flush with `recordMany` every few hundred scans or milliseconds:
 * one statement (per ~1000 rows) and one commit per flush, instead of one per scan (a SQLite
 * commit waits for the disk). A buffered scan is lost if the process dies before the flush;
 * record a scan that opens a case before answering, or open the case from the scan in memory
 * (cases do not need the scan row to exist).
 */

import type { Verdict } from '../../core/policy/decide-verdict.js';
import type { MatchReport } from '../match-hashes.js';

export { verdicts, type Verdict } from '../../core/policy/decide-verdict.js';
export type { MatchReport } from '../match-hashes.js';

/**
 * An uploaded image or video hashed here, hashes the platform sent (`lookup`), or a frame of
 * a monitored live stream (`stream`).
 */
export const scanKinds = ['image', 'lookup', 'video', 'stream'] as const;
export type ScanKind = (typeof scanKinds)[number];

/** Longest scan id: a UUID (36), a ULID (26) or any id of letters, digits, `-` and `_`. */
export const scanIdMaxLength = 64;
/** Longest contentId, uploaderId or keyId. */
export const scanReferenceMaxLength = 200;
/** Largest `limit` of one page of scans or cases. */
export const maxRecordPageSize = 1_000;

/** The hashes the scan matched on, lowercase hex (what the caller had; all optional). */
export interface ScanHashes {
  readonly pdq?: string;
  /** PDQ quality, 0 to 100. */
  readonly quality?: number;
  readonly md5?: string;
  readonly sha256?: string;
}

export interface Scan {
  /** Chosen by the caller: 1 to 64 letters, digits, `-` or `_` (a UUID, a ULID). */
  readonly id: string;
  /** When the scan ran: ISO 8601, UTC, with milliseconds (`Date#toISOString()`). */
  readonly createdAt: string;
  readonly kind: ScanKind;
  readonly verdict: Verdict;
  /** The platform's id of the content, at most 200 characters. */
  readonly contentId?: string;
  /** The platform's id of who uploaded it, at most 200 characters. */
  readonly uploaderId?: string;
  /** The API key that asked, at most 200 characters. */
  readonly keyId?: string;
  readonly hashes: ScanHashes;
  readonly matches: readonly MatchReport[];
  readonly reasons: readonly string[];
  /** How long the scan took, in milliseconds (fractions allowed). */
  readonly durationMs: number;
}

export interface ScanQuery {
  readonly verdict?: Verdict;
  readonly contentId?: string;
  readonly uploaderId?: string;
  /** The `next` of the previous page; absent for the newest scans. */
  readonly before?: string;
  /** 1 to 1000. */
  readonly limit: number;
}

export interface ScanPage {
  /** Newest first: by createdAt, then id, both descending. */
  readonly scans: Scan[];
  /** An opaque cursor to pass as `before` for the next page; absent on the last page. */
  readonly next?: string;
}

/**
 * Throws SafeguardError: `invalid_argument` (a field out of bounds, a bad cursor or limit),
 * `conflict` (a scan with that id is already recorded).
 */
export interface ScanStore {
  /** Records one scan: one insert. */
  record(scan: Scan): Promise<void>;
  /**
   * Records a batch of scans in one transaction, all or nothing: multi-row inserts of up to
   * 1000 rows each. An id repeated in the batch or already recorded fails the whole batch.
   */
  recordMany(scans: readonly Scan[]): Promise<void>;
  get(id: string): Promise<Scan | undefined>;
  /** Scans newest first, filtered by every field given, a page at a time. */
  list(query: ScanQuery): Promise<ScanPage>;
}
