import type { Case, CaseStatus, CaseStore, CaseVerdict, ScanForCase } from './ports/case-store.js';
import { caseVerdicts } from './ports/case-store.js';

/** What opening a case did, for the caller's response and audit entry. */
export interface CaseOpening {
  readonly case: Case;
  /** False when the scan's case was already open (a retried request): nothing changed. */
  readonly opened: boolean;
}

/**
 * Opens a review case for a scan whose verdict asks for one (`review`, `block`); an `allow`
 * verdict opens none and gives undefined. Idempotent: a scan has at most one case.
 */
export async function openCaseIfNeeded(
  deps: { readonly caseStore: Pick<CaseStore, 'open'> },
  scan: ScanForCase,
): Promise<CaseOpening | undefined> {
  if (!opensCase(scan.verdict)) return undefined;
  return deps.caseStore.open(scan);
}

/** Whether a verdict opens a case. */
export function opensCase(verdict: ScanForCase['verdict']): verdict is CaseVerdict {
  return (caseVerdicts as readonly string[]).includes(verdict);
}

export interface CaseDecisionInput {
  readonly status: CaseStatus;
  /** A new note (at most 10,000 characters); null removes it; absent keeps it. */
  readonly note?: string | null;
  /** The `updatedAt` the moderator saw; a case changed since is refused (`conflict`). */
  readonly expectedUpdatedAt?: string;
}

/** What a decision changed, for the caller's response and audit entry. */
export interface CaseDecision {
  /** The case after the decision. */
  readonly case: Case;
  readonly from: CaseStatus;
  readonly to: CaseStatus;
  readonly noteChanged: boolean;
  /** Who decided, as given. */
  readonly actor: string;
}

/**
 * Decides (or corrects, or reopens) a case. Throws SafeguardError `not_found` for an unknown
 * case, `conflict` for a transition the rules refuse (the status must change) or a stale
 * `expectedUpdatedAt`, `invalid_argument` for a bad status, note or actor.
 */
export async function decideCase(
  deps: { readonly caseStore: Pick<CaseStore, 'update'> },
  id: number,
  decision: CaseDecisionInput,
  actor: string,
): Promise<CaseDecision> {
  const { before, after } = await deps.caseStore.update(id, decision, actor);
  return {
    case: after,
    from: before.status,
    to: after.status,
    noteChanged: before.note !== after.note,
    actor,
  };
}
