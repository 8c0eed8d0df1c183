import { describe, expect, it } from 'vitest';
import { isSafeguardError } from '../../src/core/errors.js';
import type { Case, CaseQuery, CaseStore } from '../../src/service/ports/case-store.js';
import { makeScan, matchReport } from './scan-store-fixture.js';
import { expectSafeguardError, useStore } from './store-fixture.js';
import type { DatabaseKind } from './test-databases.js';

/** The fixture's ticking clock: the n-th reading (from 0). */
const tick = (n: number): string => new Date(Date.UTC(2024, 4, 1, 0, 0, n)).toISOString();

function flaggedScan(n: number, verdict: 'review' | 'block' = 'review') {
  return makeScan(n, {
    verdict,
    contentId: `content-${n}`,
    matches: [matchReport('bank-b'), matchReport('bank-a'), matchReport('bank-b')],
  });
}

async function openCases(cases: CaseStore, count: number): Promise<Case[]> {
  const opened: Case[] = [];
  for (let n = 1; n <= count; n++) opened.push((await cases.open(flaggedScan(n))).case);
  return opened;
}

async function listAll(cases: CaseStore, query: Omit<CaseQuery, 'before'>): Promise<number[]> {
  const all: number[] = [];
  let before: string | undefined;
  for (let pages = 0; pages < 1_000; pages++) {
    const page = await cases.list({ ...query, ...(before === undefined ? {} : { before }) });
    all.push(...page.cases.map((c) => c.id));
    if (page.next === undefined) return all;
    expect(page.cases).toHaveLength(query.limit);
    before = page.next;
  }
  throw new Error('listAll: the pages never end');
}

/** Opening, listing and deciding cases: what every CaseStore must do, on every database. */
export function describeCaseStoreContract(kind: DatabaseKind): void {
  describe.skipIf(!kind.enabled)(`CaseStore on ${kind.name}`, () => {
    const fixture = useStore(kind);

    it('opens a case from a flagged scan, with the matched banks once each', async () => {
      const { case: opened, opened: isNew } = await fixture.store.cases.open({
        ...flaggedScan(1, 'block'),
        uploaderId: 'user-9',
      });
      expect(isNew).toBe(true);
      expect(opened).toStrictEqual({
        id: expect.any(Number) as number,
        scanId: 'scan-00001',
        status: 'open',
        verdict: 'block',
        contentId: 'content-1',
        uploaderId: 'user-9',
        banks: ['bank-b', 'bank-a'],
        createdAt: tick(0),
        updatedAt: tick(0),
      });
      expect(await fixture.store.cases.get(opened.id)).toStrictEqual(opened);
      expect(await fixture.store.cases.getByScanId('scan-00001')).toStrictEqual(opened);
      expect(await fixture.store.cases.get(opened.id + 1_000)).toBeUndefined();
      expect(await fixture.store.cases.getByScanId('scan-00002')).toBeUndefined();
    });

    it('opens one case per scan: opening again returns it unchanged', async () => {
      const first = await fixture.store.cases.open(flaggedScan(1));
      await fixture.store.cases.update(first.case.id, { status: 'confirmed' }, 'mod');
      const again = await fixture.store.cases.open(flaggedScan(1, 'block'));
      expect(again.opened).toBe(false);
      expect(again.case.id).toBe(first.case.id);
      expect(again.case.status).toBe('confirmed');
      expect(again.case.verdict).toBe('review');
      const both = await Promise.all([
        fixture.store.cases.open(flaggedScan(2)),
        fixture.store.cases.open(flaggedScan(2)),
      ]);
      expect(both.map((result) => result.opened).sort()).toEqual([false, true]);
      expect(both[0].case.id).toBe(both[1].case.id);
      expect((await fixture.store.cases.list({ limit: 10 })).cases).toHaveLength(2);
    });

    it('refuses to open a case for an allow verdict', async () => {
      await expectSafeguardError(
        fixture.store.cases.open(makeScan(1)),
        'invalid_argument',
        /^Scan scan-00001 has the verdict allow: only review and block open a case\.$/,
      );
      expect((await fixture.store.cases.list({ limit: 10 })).counts.open).toBe(0);
    });

    it('lists newest first by pages, filtered by status, with counts of all cases', async () => {
      const opened = await openCases(fixture.store.cases, 7);
      const newestFirst = opened.map((c) => c.id).reverse();
      for (const limit of [1, 2, 3, 7, 10]) {
        expect(await listAll(fixture.store.cases, { limit }), `limit ${limit}`).toEqual(
          newestFirst,
        );
      }
      await fixture.store.cases.update(opened[1].id, { status: 'confirmed' }, 'mod');
      await fixture.store.cases.update(opened[4].id, { status: 'confirmed' }, 'mod');
      await fixture.store.cases.update(opened[5].id, { status: 'false_positive' }, 'mod');
      expect(await listAll(fixture.store.cases, { status: 'confirmed', limit: 1 })).toEqual([
        opened[4].id,
        opened[1].id,
      ]);
      expect(await listAll(fixture.store.cases, { status: 'open', limit: 2 })).toEqual(
        [0, 2, 3, 6].map((i) => opened[i].id).reverse(),
      );
      const page = await fixture.store.cases.list({ status: 'false_positive', limit: 1 });
      expect(page.cases.map((c) => c.id)).toEqual([opened[5].id]);
      expect(page.next).toBeUndefined();
      expect(page.counts).toEqual({ open: 4, confirmed: 2, false_positive: 1 });
      const first = await fixture.store.cases.list({ limit: 3 });
      const second = await fixture.store.cases.list({ limit: 3, before: first.next });
      expect(second.cases.map((c) => c.id)).toEqual(newestFirst.slice(3, 6));
      expect(second.counts).toEqual(page.counts);
    });

    it('decides, corrects and reopens a case, keeping who decided and the note', async () => {
      const [opened] = await openCases(fixture.store.cases, 1);
      const confirmed = await fixture.store.cases.update(
        opened.id,
        { status: 'confirmed', note: 'matches a known series' },
        'alice',
      );
      expect(confirmed.before).toStrictEqual(opened);
      expect(confirmed.after).toStrictEqual({
        ...opened,
        status: 'confirmed',
        updatedAt: tick(1),
        decidedBy: 'alice',
        decidedAt: tick(1),
        note: 'matches a known series',
      });
      const corrected = await fixture.store.cases.update(
        opened.id,
        { status: 'false_positive', expectedUpdatedAt: tick(1) },
        'bob',
      );
      expect(corrected.before).toStrictEqual(confirmed.after);
      expect(corrected.after).toMatchObject({
        status: 'false_positive',
        decidedBy: 'bob',
        decidedAt: tick(2),
        note: 'matches a known series',
      });
      const reopened = await fixture.store.cases.update(opened.id, { status: 'open' }, 'carol');
      expect(reopened.after).toStrictEqual({
        ...opened,
        updatedAt: tick(3),
        note: 'matches a known series',
      });
      const noteRemoved = await fixture.store.cases.update(
        opened.id,
        { status: 'confirmed', note: null },
        'alice',
      );
      expect(noteRemoved.after.note).toBeUndefined();
      expect(await fixture.store.cases.get(opened.id)).toStrictEqual(noteRemoved.after);
    });

    it('refuses a decision that does not change the status, saying what may follow', async () => {
      const [opened] = await openCases(fixture.store.cases, 1);
      await expectSafeguardError(
        fixture.store.cases.update(opened.id, { status: 'open' }, 'alice'),
        'conflict',
        new RegExp(
          `^Case ${opened.id} is already open: from open a case may go to confirmed or false_positive\\.$`,
        ),
      );
      await fixture.store.cases.update(opened.id, { status: 'confirmed', note: 'first' }, 'alice');
      await expectSafeguardError(
        fixture.store.cases.update(opened.id, { status: 'confirmed', note: 'second' }, 'bob'),
        'conflict',
        new RegExp(
          `^Case ${opened.id} is already confirmed: from confirmed a case may go to false_positive or open\\.$`,
        ),
      );
      const kept = await fixture.store.cases.get(opened.id);
      expect(kept).toMatchObject({ status: 'confirmed', decidedBy: 'alice', note: 'first' });
    });

    it('refuses an update based on a stale updatedAt, changing nothing', async () => {
      const [opened] = await openCases(fixture.store.cases, 1);
      const seen = opened.updatedAt;
      await fixture.store.cases.update(
        opened.id,
        { status: 'confirmed', expectedUpdatedAt: seen },
        'alice',
      );
      const error = await fixture.store.cases
        .update(opened.id, { status: 'false_positive', expectedUpdatedAt: seen }, 'bob')
        .then(
          () => undefined,
          (thrown: unknown) => thrown,
        );
      expect(isSafeguardError(error) && error.code).toBe('conflict');
      expect(isSafeguardError(error) && error.message).toBe(
        `Case ${opened.id} has changed since ${seen}: reload it and decide again.`,
      );
      expect(isSafeguardError(error) && error.details).toMatchObject({
        reason: 'stale',
        updatedAt: tick(1),
      });
      expect(await fixture.store.cases.get(opened.id)).toMatchObject({
        status: 'confirmed',
        decidedBy: 'alice',
      });
    });

    it('lets exactly one of several racing decisions win, the others conflict', async () => {
      const [opened] = await openCases(fixture.store.cases, 1);
      // Whether a loser read the case before or after the winner wrote it, it must lose.
      const moderators = Array.from({ length: 8 }, (_, i) => `moderator-${i}`);
      const results = await Promise.allSettled(
        moderators.map((actor) =>
          fixture.store.cases.update(opened.id, { status: 'confirmed', note: actor }, actor),
        ),
      );
      const won = results.filter((result) => result.status === 'fulfilled');
      const lost = results.filter((result) => result.status === 'rejected');
      expect(won).toHaveLength(1);
      expect(lost).toHaveLength(moderators.length - 1);
      for (const { reason } of lost) {
        expect(isSafeguardError(reason) && reason.code, String(reason)).toBe('conflict');
      }
      const winner = won[0].value.after;
      expect(winner.note).toBe(winner.decidedBy);
      expect(await fixture.store.cases.get(opened.id)).toStrictEqual(winner);
    });

    it('reports an unknown case as not_found', async () => {
      await expectSafeguardError(
        fixture.store.cases.update(404, { status: 'confirmed' }, 'alice'),
        'not_found',
        /^No case with id 404\.$/,
      );
    });

    it('refuses a bad id, status, note, actor, limit or cursor', async () => {
      const [opened] = await openCases(fixture.store.cases, 1);
      const update = (
        changes: Partial<Parameters<CaseStore['update']>[1]>,
        actor = 'alice',
      ): Promise<unknown> =>
        fixture.store.cases.update(opened.id, { status: 'confirmed', ...changes }, actor);
      await expectSafeguardError(
        update({ status: 'maybe' as Case['status'] }),
        'invalid_argument',
        /status must be one of open, confirmed, false_positive; got "maybe"/,
      );
      await expectSafeguardError(
        update({ note: 'n'.repeat(10_001) }),
        'invalid_argument',
        /note must be a string of at most 10000 characters/,
      );
      await expectSafeguardError(update({}, '  '), 'invalid_argument', /actor must be 1 to 200/);
      await expectSafeguardError(
        update({ expectedUpdatedAt: 'now' }),
        'invalid_argument',
        /expectedUpdatedAt must be an ISO 8601 UTC time/,
      );
      await expectSafeguardError(
        fixture.store.cases.update(0, { status: 'confirmed' }, 'alice'),
        'invalid_argument',
        /case id must be a positive integer/,
      );
      await expectSafeguardError(
        fixture.store.cases.list({ limit: 0 }),
        'invalid_argument',
        /limit must be an integer from 1 to 1000/,
      );
      const scanCursor = Buffer.from(JSON.stringify([tick(0), 'scan-1'])).toString('base64url');
      for (const before of [scanCursor, 'garbage', Buffer.from('[-1]').toString('base64url')]) {
        await expectSafeguardError(
          fixture.store.cases.list({ limit: 5, before }),
          'invalid_argument',
          /before must be the `next` cursor of a previous page/,
        );
      }
      expect(await fixture.store.cases.get(opened.id)).toStrictEqual(opened);
      const long = await update({ note: 'n'.repeat(10_000) });
      expect((long as { after: Case }).after.note).toHaveLength(10_000);
    });
  });
}
