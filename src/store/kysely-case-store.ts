import type { Kysely } from 'kysely';
import { SafeguardError } from '../core/errors.js';
import { caseStatuses, caseTransitions } from '../service/ports/case-store.js';
import type {
  Case,
  CasePage,
  CaseQuery,
  CaseStatus,
  CaseStore,
  CaseUpdate,
  OpenedCase,
  ScanForCase,
  UpdatedCase,
} from '../service/ports/case-store.js';
import {
  checkActor,
  checkCaseId,
  checkCaseStatus,
  checkCaseUpdate,
  checkScanForCase,
  decodeCaseCursor,
  nextUpdatedAt,
  toCase,
} from './case-store-input.js';
import type { Database } from './database.js';
import { checkRecordLimit, checkScanId, encodeCursor } from './scan-store-input.js';

export interface KyselyCaseStoreOptions {
  /** The clock for createdAt, updatedAt and decidedAt; the system clock by default. */
  readonly now?: () => Date;
}

/**
 * The case store on SQLite or PostgreSQL through Kysely; see the CaseStore port. Cases take
 * no sequence numbers: each write is one statement, guarded by the row it read, so no lock is
 * shared with bank writes.
 */
export class KyselyCaseStore implements CaseStore {
  readonly #db: Kysely<Database>;
  readonly #now: () => Date;

  constructor(db: Kysely<Database>, options: KyselyCaseStoreOptions = {}) {
    this.#db = db;
    this.#now = options.now ?? (() => new Date());
  }

  async open(scan: ScanForCase): Promise<OpenedCase> {
    const checked = checkScanForCase(scan);
    const now = this.#now().toISOString();
    // Two callers opening at once: one inserts, the other's insert does nothing and it reads.
    const inserted = await this.#db
      .insertInto('cases')
      .values({
        scan_id: checked.scanId,
        status: 'open',
        verdict: checked.verdict,
        content_id: checked.contentId,
        uploader_id: checked.uploaderId,
        banks: checked.banks,
        created_at: now,
        updated_at: now,
        decided_by: null,
        decided_at: null,
        note: null,
      })
      .onConflict((conflict) => conflict.column('scan_id').doNothing())
      .returningAll()
      .executeTakeFirst();
    if (inserted !== undefined) return { case: toCase(inserted), opened: true };
    const existing = await this.getByScanId(checked.scanId);
    if (existing === undefined) {
      throw new SafeguardError('internal', `The case of scan ${checked.scanId} vanished.`, {
        scanId: checked.scanId,
      });
    }
    return { case: existing, opened: false };
  }

  async get(id: number): Promise<Case | undefined> {
    const row = await this.#db
      .selectFrom('cases')
      .selectAll()
      .where('id', '=', checkCaseId(id))
      .executeTakeFirst();
    return row === undefined ? undefined : toCase(row);
  }

  async getByScanId(scanId: string): Promise<Case | undefined> {
    const row = await this.#db
      .selectFrom('cases')
      .selectAll()
      .where('scan_id', '=', checkScanId(scanId, 'scanId'))
      .executeTakeFirst();
    return row === undefined ? undefined : toCase(row);
  }

  async list(query: CaseQuery): Promise<CasePage> {
    const limit = checkRecordLimit(query.limit);
    let select = this.#db.selectFrom('cases').selectAll();
    if (query.status !== undefined) {
      select = select.where('status', '=', checkCaseStatus(query.status));
    }
    if (query.before !== undefined) {
      select = select.where('id', '<', decodeCaseCursor(query.before));
    }
    const rows = await select
      .orderBy('id', 'desc')
      .limit(limit + 1)
      .execute();
    const cases = rows.slice(0, limit).map(toCase);
    const counts = await this.#countByStatus();
    const last = cases.at(-1);
    return rows.length > limit && last !== undefined
      ? { cases, next: encodeCursor([last.id]), counts }
      : { cases, counts };
  }

  async update(id: number, update: CaseUpdate, actor: string): Promise<UpdatedCase> {
    checkCaseId(id);
    const checked = checkCaseUpdate(update);
    checkActor(actor);
    const row = await this.#db
      .selectFrom('cases')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    if (row === undefined) {
      throw new SafeguardError('not_found', `No case with id ${id}.`, { caseId: id });
    }
    const before = toCase(row);
    if (checked.expectedUpdatedAt !== undefined && checked.expectedUpdatedAt !== before.updatedAt) {
      throw changedSince(before, checked.expectedUpdatedAt);
    }
    assertTransition(before, checked.status);
    const updatedAt = nextUpdatedAt(this.#now(), before.updatedAt);
    const decided = checked.status !== 'open';
    // Guarded by the version read above: a concurrent update in between makes this one a no-op.
    const updated = await this.#db
      .updateTable('cases')
      .set({
        status: checked.status,
        updated_at: updatedAt,
        decided_by: decided ? actor : null,
        decided_at: decided ? updatedAt : null,
        ...(checked.note === undefined ? {} : { note: checked.note }),
      })
      .where('id', '=', id)
      .where('updated_at', '=', before.updatedAt)
      .returningAll()
      .executeTakeFirst();
    if (updated === undefined) {
      throw new SafeguardError(
        'conflict',
        `Case ${id} changed while this update was being made: reload it and decide again.`,
        { caseId: id, reason: 'stale', expectedUpdatedAt: before.updatedAt },
      );
    }
    return { before, after: toCase(updated) };
  }

  async #countByStatus(): Promise<Record<CaseStatus, number>> {
    const rows = await this.#db
      .selectFrom('cases')
      .select((eb) => ['status', eb.fn.countAll<number>().as('count')])
      .groupBy('status')
      .execute();
    const counts = Object.fromEntries(caseStatuses.map((status) => [status, 0])) as Record<
      CaseStatus,
      number
    >;
    for (const row of rows) counts[row.status] = Number(row.count);
    return counts;
  }
}

function assertTransition(before: Case, status: CaseStatus): void {
  const allowed = caseTransitions[before.status];
  if (allowed.includes(status)) return;
  const options = `from ${before.status} a case may go to ${allowed.join(' or ')}`;
  throw new SafeguardError(
    'conflict',
    status === before.status
      ? `Case ${before.id} is already ${before.status}: ${options}.`
      : `Case ${before.id} cannot go from ${before.status} to ${status}: ${options}.`,
    { caseId: before.id, reason: 'transition', from: before.status, to: status, allowed },
  );
}

function changedSince(before: Case, seen: string): SafeguardError {
  return new SafeguardError(
    'conflict',
    `Case ${before.id} has changed since ${seen}: reload it and decide again.`,
    { caseId: before.id, reason: 'stale', expectedUpdatedAt: seen, updatedAt: before.updatedAt },
  );
}
