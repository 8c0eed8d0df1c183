/**
 * The case store: a `review` or `block` verdict opens a case that a moderator later decides
 * (the review console). A case copies what it needs of its scan (verdict, ids, the matched
 * banks' names), so it neither waits for a batched scan record nor dies with an old one.
 */

import type { Scan } from './scan-store.js';

/** `open` awaits a decision; `confirmed` and `false_positive` are decisions. */
export const caseStatuses = ['open', 'confirmed', 'false_positive'] as const;
export type CaseStatus = (typeof caseStatuses)[number];

/** The verdicts that open a case. */
export const caseVerdicts = ['review', 'block'] as const;
export type CaseVerdict = (typeof caseVerdicts)[number];

/**
 * The status changes a decision may make: open is decided either way; a decision may be
 * corrected to the other one; any case may be reopened. The status must change.
 */
export const caseTransitions: Readonly<Record<CaseStatus, readonly CaseStatus[]>> = {
  open: ['confirmed', 'false_positive'],
  confirmed: ['false_positive', 'open'],
  false_positive: ['confirmed', 'open'],
};

/** Longest case note, in characters. */
export const caseNoteMaxLength = 10_000;
/** Longest actor name (who decided). */
export const caseActorMaxLength = 200;

export interface Case {
  readonly id: number;
  readonly scanId: string;
  readonly status: CaseStatus;
  readonly verdict: CaseVerdict;
  readonly contentId?: string;
  readonly uploaderId?: string;
  /** Names of the banks the scan matched, each once, in the scan's match order. */
  readonly banks: readonly string[];
  /** ISO 8601, UTC. */
  readonly createdAt: string;
  /** Strictly increases with every update, even if the clock does not: a version to compare. */
  readonly updatedAt: string;
  /** Who made the current decision and when; absent while the case is open. */
  readonly decidedBy?: string;
  readonly decidedAt?: string;
  readonly note?: string;
}

/** What `open` needs of a scan. */
export type ScanForCase = Pick<Scan, 'id' | 'verdict' | 'contentId' | 'uploaderId' | 'matches'>;

export interface OpenedCase {
  readonly case: Case;
  /** False when the scan already had a case (returned unchanged). */
  readonly opened: boolean;
}

export interface CaseUpdate {
  readonly status: CaseStatus;
  /** A new note (at most 10,000 characters); null removes it; absent keeps it. */
  readonly note?: string | null;
  /** The `updatedAt` the caller saw: if the case changed since, the update is refused. */
  readonly expectedUpdatedAt?: string;
}

export interface UpdatedCase {
  readonly before: Case;
  readonly after: Case;
}

export interface CaseQuery {
  readonly status?: CaseStatus;
  /** The `next` of the previous page; absent for the newest cases. */
  readonly before?: string;
  /** 1 to 1000. */
  readonly limit: number;
}

export interface CasePage {
  /** Newest first (by descending id). */
  readonly cases: Case[];
  /** An opaque cursor to pass as `before` for the next page; absent on the last page. */
  readonly next?: string;
  /** All cases by status, whatever the query's filter and page. */
  readonly counts: Readonly<Record<CaseStatus, number>>;
}

/**
 * Throws SafeguardError: `invalid_argument` (a field out of bounds, an `allow` verdict, a bad
 * cursor or limit), `not_found` (no case with that id), `conflict` (a transition the rules
 * refuse, or a case changed since `expectedUpdatedAt` or during the update).
 */
export interface CaseStore {
  /** Opens the scan's case; a scan has at most one, so opening again returns it. */
  open(scan: ScanForCase): Promise<OpenedCase>;
  get(id: number): Promise<Case | undefined>;
  getByScanId(scanId: string): Promise<Case | undefined>;
  list(query: CaseQuery): Promise<CasePage>;
  /**
   * Changes the status (and note) along `caseTransitions`. A decision (confirmed,
   * false_positive) records `actor` as decidedBy; reopening clears decidedBy and decidedAt.
   */
  update(id: number, update: CaseUpdate, actor: string): Promise<UpdatedCase>;
}
