import type { Selectable } from 'kysely';
import {
  caseActorMaxLength,
  caseNoteMaxLength,
  caseStatuses,
  caseVerdicts,
} from '../service/ports/case-store.js';
import type {
  Case,
  CaseStatus,
  CaseUpdate,
  CaseVerdict,
  ScanForCase,
} from '../service/ports/case-store.js';
import type { CasesTable } from './database.js';
import {
  badCursor,
  checkOptionalReference,
  checkScanId,
  checkTimestamp,
  decodeCursor,
} from './scan-store-input.js';
import { checkOneOf, invalid } from './check-input.js';

/** The case store's own guard on what it writes; see scan-store-input.ts. */

export function checkCaseId(id: unknown): number {
  if (typeof id !== 'number' || !Number.isSafeInteger(id) || id < 1) {
    throw invalid('A case id must be a positive integer.', { field: 'caseId', value: id });
  }
  return id;
}

export function checkCaseStatus(status: unknown): CaseStatus {
  return checkOneOf('status', caseStatuses, status);
}

export interface CheckedScanForCase {
  readonly scanId: string;
  readonly verdict: CaseVerdict;
  readonly contentId: string | null;
  readonly uploaderId: string | null;
  /** JSON text: the matched banks' names, each once, in match order. */
  readonly banks: string;
}

export function checkScanForCase(scan: ScanForCase): CheckedScanForCase {
  const scanId = checkScanId(scan.id);
  if (scan.verdict === 'allow') {
    throw invalid(`Scan ${scanId} has the verdict allow: only review and block open a case.`, {
      field: 'verdict',
      value: scan.verdict,
    });
  }
  const matches: unknown = scan.matches;
  if (!Array.isArray(matches)) throw invalid('matches must be a list.', { field: 'matches' });
  const banks = new Set<string>();
  for (const match of matches as unknown[]) {
    const bank: unknown = (match as { bank?: unknown } | null)?.bank;
    if (typeof bank !== 'string') {
      throw invalid('Each match must name its bank.', { field: 'matches' });
    }
    banks.add(bank);
  }
  return {
    scanId,
    verdict: checkOneOf('verdict', caseVerdicts, scan.verdict),
    contentId: checkOptionalReference('contentId', scan.contentId),
    uploaderId: checkOptionalReference('uploaderId', scan.uploaderId),
    banks: JSON.stringify([...banks]),
  };
}

export interface CheckedCaseUpdate {
  readonly status: CaseStatus;
  /** Undefined keeps the note, null removes it. */
  readonly note: string | null | undefined;
  readonly expectedUpdatedAt: string | undefined;
}

export function checkCaseUpdate(update: CaseUpdate): CheckedCaseUpdate {
  const note: unknown = update.note;
  if (
    note !== undefined &&
    note !== null &&
    (typeof note !== 'string' || note.length > caseNoteMaxLength)
  ) {
    throw invalid(`A case note must be a string of at most ${caseNoteMaxLength} characters.`, {
      field: 'note',
    });
  }
  return {
    status: checkCaseStatus(update.status),
    note,
    expectedUpdatedAt:
      update.expectedUpdatedAt === undefined
        ? undefined
        : checkTimestamp('expectedUpdatedAt', update.expectedUpdatedAt),
  };
}

export function checkActor(actor: unknown): string {
  if (typeof actor !== 'string' || actor.trim().length === 0 || actor.length > caseActorMaxLength) {
    throw invalid(`The actor must be 1 to ${caseActorMaxLength} characters, not blank.`, {
      field: 'actor',
    });
  }
  return actor;
}

/** The id of the last case of a page. */
export function decodeCaseCursor(cursor: unknown): number {
  const [id] = decodeCursor(cursor, 1);
  if (typeof id !== 'number' || !Number.isSafeInteger(id) || id < 1) throw badCursor(cursor);
  return id;
}

/**
 * The updatedAt of a change made at `now` to a row last updated at `previous`: `now`, or one
 * millisecond after `previous` if the clock has not moved past it, so that every update gives
 * a new value and updatedAt can serve as the row's version.
 */
export function nextUpdatedAt(now: Date, previous: string): string {
  const after = Date.parse(previous) + 1;
  return new Date(Math.max(now.getTime(), after)).toISOString();
}

export function toCase(row: Selectable<CasesTable>): Case {
  return {
    id: Number(row.id),
    scanId: row.scan_id,
    status: row.status,
    verdict: row.verdict,
    ...(row.content_id === null ? {} : { contentId: row.content_id }),
    ...(row.uploader_id === null ? {} : { uploaderId: row.uploader_id }),
    banks: JSON.parse(row.banks) as string[],
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    ...(row.decided_by === null ? {} : { decidedBy: row.decided_by }),
    ...(row.decided_at === null ? {} : { decidedAt: row.decided_at }),
    ...(row.note === null ? {} : { note: row.note }),
  };
}
