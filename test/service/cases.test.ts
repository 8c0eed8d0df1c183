import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decideCase, openCaseIfNeeded, opensCase } from '../../src/service/cases.js';
import { openStore } from '../../src/store/open-store.js';
import type { Store } from '../../src/store/open-store.js';
import { makeScan, matchReport } from '../store/scan-store-fixture.js';
import { expectSafeguardError } from '../store/store-fixture.js';

/** A clock that never moves. */
const fixedNow = new Date('2024-06-01T12:00:00.000Z');

describe('cases', () => {
  let store: Store;
  let deps: { caseStore: Store['cases'] };
  beforeEach(async () => {
    store = await openStore({ kind: 'sqlite', path: ':memory:' }, { now: () => fixedNow });
    deps = { caseStore: store.cases };
  });
  afterEach(() => store.close());

  it('opens a case for review and block verdicts, none for allow', async () => {
    expect(await openCaseIfNeeded(deps, makeScan(1))).toBeUndefined();
    const review = await openCaseIfNeeded(
      deps,
      makeScan(2, { verdict: 'review', matches: [matchReport('watch')] }),
    );
    const block = await openCaseIfNeeded(deps, makeScan(3, { verdict: 'block' }));
    expect(review).toMatchObject({
      opened: true,
      case: { scanId: 'scan-00002', verdict: 'review', status: 'open', banks: ['watch'] },
    });
    expect(block).toMatchObject({ opened: true, case: { scanId: 'scan-00003', banks: [] } });
    const page = await store.cases.list({ limit: 10 });
    expect(page.cases.map((c) => c.scanId)).toEqual(['scan-00003', 'scan-00002']);
    expect(page.counts).toEqual({ open: 2, confirmed: 0, false_positive: 0 });
    expect([opensCase('allow'), opensCase('review'), opensCase('block')]).toEqual([
      false,
      true,
      true,
    ]);
  });

  it('opens a scan case once: a retried scan gets the same case back', async () => {
    const scan = makeScan(1, { verdict: 'block' });
    const first = await openCaseIfNeeded(deps, scan);
    const again = await openCaseIfNeeded(deps, scan);
    expect(again).toEqual({ case: first?.case, opened: false });
  });

  it('returns what a decision changed, for the audit log', async () => {
    const opened = await openCaseIfNeeded(deps, makeScan(1, { verdict: 'review' }));
    const id = opened?.case.id ?? 0;
    const decision = await decideCase(
      deps,
      id,
      { status: 'false_positive', note: 'a cat' },
      'alice',
    );
    expect(decision).toMatchObject({
      from: 'open',
      to: 'false_positive',
      noteChanged: true,
      actor: 'alice',
      case: { id, status: 'false_positive', decidedBy: 'alice', note: 'a cat' },
    });
    const correction = await decideCase(deps, id, { status: 'confirmed' }, 'bob');
    expect(correction).toMatchObject({
      from: 'false_positive',
      to: 'confirmed',
      noteChanged: false,
    });
  });

  it('gives every update a new updatedAt even when the clock stands still', async () => {
    const opened = await openCaseIfNeeded(deps, makeScan(1, { verdict: 'review' }));
    const id = opened?.case.id ?? 0;
    expect(opened?.case.updatedAt).toBe('2024-06-01T12:00:00.000Z');
    const first = await decideCase(
      deps,
      id,
      { status: 'confirmed', expectedUpdatedAt: '2024-06-01T12:00:00.000Z' },
      'alice',
    );
    expect(first.case.updatedAt).toBe('2024-06-01T12:00:00.001Z');
    // Seen before alice's decision: refused, although the clock has not moved.
    await expectSafeguardError(
      decideCase(
        deps,
        id,
        { status: 'false_positive', expectedUpdatedAt: '2024-06-01T12:00:00.000Z' },
        'bob',
      ),
      'conflict',
      /has changed since 2024-06-01T12:00:00\.000Z/,
    );
    const reopened = await decideCase(
      deps,
      id,
      { status: 'open', expectedUpdatedAt: first.case.updatedAt },
      'bob',
    );
    expect(reopened.case.updatedAt).toBe('2024-06-01T12:00:00.002Z');
    expect(reopened.case.decidedBy).toBeUndefined();
  });

  it('passes refusals through: an unchanged status, an unknown case', async () => {
    const opened = await openCaseIfNeeded(deps, makeScan(1, { verdict: 'block' }));
    await expectSafeguardError(
      decideCase(deps, opened?.case.id ?? 0, { status: 'open' }, 'alice'),
      'conflict',
      /is already open/,
    );
    await expectSafeguardError(
      decideCase(deps, 999, { status: 'confirmed' }, 'alice'),
      'not_found',
      /No case with id 999/,
    );
  });
});
