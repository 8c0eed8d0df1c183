import { describe, expect, it } from 'vitest';
import { hashAuditRecord } from '../../src/core/audit/audit-record.js';
import type { AuditChainVerification } from '../../src/service/ports/audit-log.js';
import type { Store } from '../../src/store/open-store.js';
import { expectSafeguardError, useStore } from './store-fixture.js';
import type { DatabaseKind } from './test-databases.js';

async function appendTen(store: Store): Promise<void> {
  for (let n = 1; n <= 10; n += 1) {
    await store.audit.append({
      actor: n % 2 === 0 ? 'cli' : 'key:abcdefghij',
      action: n % 3 === 0 ? 'bank.update' : 'scan.verdict',
      subject: `scan:${n}`,
      details: { n, verdict: 'block' },
    });
  }
}

function firstBad(result: AuditChainVerification) {
  return result.ok ? undefined : { seq: result.firstBad.seq, reason: result.firstBad.reason };
}

/**
 * Tampering with the table behind the log's back, with plain SQL: verify must name the first
 * bad row and why, whatever the page size.
 */
export function describeAuditLogTamperContract(kind: DatabaseKind): void {
  describe.skipIf(!kind.enabled)(`AuditLog on ${kind.name}: tampering`, () => {
    const fixture = useStore(kind);
    const verifyAll = async () => {
      const results = await Promise.all(
        [1, 3, 500].map((pageSize) => fixture.store.audit.verify({ pageSize })),
      );
      for (const result of results.slice(1)) expect(result).toEqual(results[0]);
      return results[0];
    };

    it('finds a row whose details were edited', async () => {
      await appendTen(fixture.store);
      await fixture.store.db
        .updateTable('audit_log')
        .set({ details: '{"n":4,"verdict":"allow"}' })
        .where('seq', '=', 4)
        .execute();
      const result = await verifyAll();
      expect(firstBad(result)).toEqual({ seq: 4, reason: 'edited' });
      expect(result.ok ? '' : result.firstBad.explanation).toMatch(/row 4/);
    });

    it('finds a row whose actor was edited and hash recomputed by hand, naming that row', async () => {
      await appendTen(fixture.store);
      await fixture.store.db
        .updateTable('audit_log')
        .set({ actor: 'cli', hash: 'e'.repeat(64) })
        .where('seq', '=', 7)
        .execute();
      expect(firstBad(await verifyAll())).toEqual({ seq: 7, reason: 'edited' });
    });

    it('finds a deleted row, in the middle, at the start and at the end', async () => {
      await appendTen(fixture.store);
      await fixture.store.db.deleteFrom('audit_log').where('seq', '=', 6).execute();
      expect(firstBad(await verifyAll())).toEqual({ seq: 6, reason: 'deleted' });
      await fixture.store.db.deleteFrom('audit_log').where('seq', '=', 1).execute();
      expect(firstBad(await verifyAll())).toEqual({ seq: 1, reason: 'deleted' });
    });

    it('finds the last rows deleted, against the head', async () => {
      await appendTen(fixture.store);
      await fixture.store.db.deleteFrom('audit_log').where('seq', '>=', 9).execute();
      expect(firstBad(await verifyAll())).toEqual({ seq: 9, reason: 'deleted' });
    });

    it('finds two rows whose seqs were swapped', async () => {
      await appendTen(fixture.store);
      // Through a free seq: PostgreSQL checks the primary key row by row.
      const move = (from: number, to: number) =>
        fixture.store.db
          .updateTable('audit_log')
          .set({ seq: to })
          .where('seq', '=', from)
          .execute();
      await move(5, 1_000);
      await move(6, 5);
      await move(1_000, 6);
      const result = await verifyAll();
      expect(firstBad(result)).toEqual({ seq: 5, reason: 'reordered' });
      expect(result.ok ? '' : result.firstBad.explanation).toMatch(/row 5 was written to follow/);
    });

    it('finds a row added behind the log', async () => {
      await appendTen(fixture.store);
      const last = (await fixture.store.audit.list({ order: 'desc', limit: 1 }))[0];
      await fixture.store.db
        .insertInto('audit_log')
        .values({
          seq: 11,
          at: last.at,
          actor: 'cli',
          action: 'key.create',
          subject: 'key:x',
          details: '{}',
          prev_hash: last.hash,
          hash: 'd'.repeat(64),
        })
        .execute();
      expect(firstBad(await verifyAll())).toEqual({ seq: 11, reason: 'edited' });
      // Even a row chained and hashed right is caught: the head never moved to it.
      const forged = hashAuditRecord(last.hash, {
        seq: 11,
        at: last.at,
        actor: 'cli',
        action: 'key.create',
        subject: 'key:x',
        details: {},
      });
      await fixture.store.db
        .updateTable('audit_log')
        .set({ hash: forged })
        .where('seq', '=', 11)
        .execute();
      expect(firstBad(await verifyAll())).toEqual({ seq: 11, reason: 'inserted' });
    });

    it('goes on appending to a sound chain, and the next append keeps it sound', async () => {
      await appendTen(fixture.store);
      const reopened = await fixture.database.open();
      await reopened.audit.append({ actor: 'cli', action: 'key.revoke', subject: 'key:y' });
      expect(await reopened.audit.verify()).toMatchObject({ ok: true, rows: 11 });
    });

    it('lists a row whose details are not JSON with an error that says so', async () => {
      await appendTen(fixture.store);
      await fixture.store.db
        .updateTable('audit_log')
        .set({ details: 'oops' })
        .where('seq', '=', 2)
        .execute();
      await expectSafeguardError(
        fixture.store.audit.list({ limit: 10 }),
        'internal',
        /entry 2 .*audit verify/,
      );
      expect(firstBad(await verifyAll())).toEqual({ seq: 2, reason: 'edited' });
    });
  });
}
