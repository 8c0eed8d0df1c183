import { describe, expect, it } from 'vitest';
import type { NewAuditEntry } from '../../src/service/ports/audit-log.js';
import { expectSafeguardError, useStore } from './store-fixture.js';
import type { DatabaseKind } from './test-databases.js';

const entry = (n: number, action = 'scan.verdict'): NewAuditEntry => ({
  actor: 'key:abcdefghij',
  action,
  subject: `scan:${n}`,
  details: { n, verdict: n % 2 === 0 ? 'allow' : 'block' },
});

/** Appending and listing: what every AuditLog must do, on every database. */
export function describeAuditLogContract(kind: DatabaseKind): void {
  describe.skipIf(!kind.enabled)(`AuditLog on ${kind.name}: append and list`, () => {
    const fixture = useStore(kind);

    it('appends entries chained from the genesis hash, with the store clock', async () => {
      const first = await fixture.store.audit.append({
        actor: 'cli',
        action: 'bank.create',
        subject: 'bank:1',
        details: { name: 'known', skipped: undefined, nested: { b: 1, a: [true, null] } },
      });
      expect(first).toEqual({
        seq: 1,
        at: '2024-05-01T00:00:00.000Z',
        actor: 'cli',
        action: 'bank.create',
        subject: 'bank:1',
        details: { name: 'known', nested: { a: [true, null], b: 1 } },
        prevHash: '0'.repeat(64),
        hash: expect.stringMatching(/^[0-9a-f]{64}$/) as string,
      });
      const second = await fixture.store.audit.append({
        ...entry(2),
        at: '2023-01-01T00:00:00.000Z',
      });
      expect(second).toMatchObject({
        seq: 2,
        prevHash: first.hash,
        at: '2023-01-01T00:00:00.000Z',
      });
      const row = await fixture.store.db
        .selectFrom('audit_log')
        .select('details')
        .where('seq', '=', 1)
        .executeTakeFirstOrThrow();
      expect(row.details).toBe('{"name":"known","nested":{"a":[true,null],"b":1}}');
      expect(await fixture.store.audit.list({ limit: 10 })).toEqual([first, second]);
    });

    it('appends a batch in order in one go', async () => {
      await fixture.store.audit.append(entry(0));
      const batch = await fixture.store.audit.appendMany([entry(1), entry(2), entry(3)]);
      expect(batch.map((e) => e.seq)).toEqual([2, 3, 4]);
      expect(batch[1].prevHash).toBe(batch[0].hash);
      expect(new Set(batch.map((e) => e.at)).size).toBe(1);
      expect(await fixture.store.audit.appendMany([])).toEqual([]);
      await expectSafeguardError(
        fixture.store.audit.appendMany([entry(4), { ...entry(5), action: 'Bad Action' }]),
        'invalid_argument',
        /entries\[1\]\.action/,
      );
      await expectSafeguardError(
        fixture.store.audit.appendMany(Array.from({ length: 1001 }, (_, i) => entry(i))),
        'invalid_argument',
        /At most 1000/,
      );
      expect((await fixture.store.audit.verify()).ok).toBe(true);
      expect(await fixture.store.audit.list({ afterSeq: 4, limit: 10 })).toEqual([]);
    });

    it('lists by seq, forwards or backwards, after or before a seq, by action', async () => {
      for (let n = 1; n <= 12; n += 1) {
        await fixture.store.audit.append(entry(n, n % 3 === 0 ? 'bank.update' : 'scan.verdict'));
      }
      const seqs = async (query: Parameters<typeof fixture.store.audit.list>[0]) =>
        (await fixture.store.audit.list(query)).map((e) => e.seq);
      expect(await seqs({ limit: 5 })).toEqual([1, 2, 3, 4, 5]);
      expect(await seqs({ afterSeq: 9, limit: 5 })).toEqual([10, 11, 12]);
      expect(await seqs({ order: 'desc', limit: 3 })).toEqual([12, 11, 10]);
      expect(await seqs({ order: 'desc', beforeSeq: 10, limit: 2 })).toEqual([9, 8]);
      expect(await seqs({ action: 'bank.update', limit: 10 })).toEqual([3, 6, 9, 12]);
      expect(await seqs({ action: 'bank.update', afterSeq: 3, beforeSeq: 12, limit: 10 })).toEqual([
        6, 9,
      ]);
      expect(await seqs({ action: 'key.create', limit: 10 })).toEqual([]);
    });

    it('refuses bad entries and queries, naming the field', async () => {
      const cases: Array<[NewAuditEntry, RegExp]> = [
        [{ ...entry(1), actor: '' }, /entry\.actor must be 1 to 200/],
        [{ ...entry(1), action: 'scan verdict' }, /entry\.action must be lowercase words/],
        [{ ...entry(1), action: 'Scan.verdict' }, /entry\.action/],
        [{ ...entry(1), subject: 'x'.repeat(301) }, /entry\.subject must be 1 to 300/],
        [{ ...entry(1), at: 'yesterday' }, /entry\.at must be an ISO 8601/],
        [
          { ...entry(1), details: { when: new Date(0) } as unknown as NewAuditEntry['details'] },
          /entry\.details\.when: a Date/,
        ],
        [
          { ...entry(1), details: [1, 2] as unknown as NewAuditEntry['details'] },
          /entry\.details must be an object/,
        ],
        [{ ...entry(1), details: { blob: 'x'.repeat(70_000) } }, /at most 65536/],
      ];
      for (const [bad, message] of cases) {
        await expectSafeguardError(fixture.store.audit.append(bad), 'invalid_argument', message);
      }
      await expectSafeguardError(
        fixture.store.audit.list({ limit: 0 }),
        'invalid_argument',
        /limit/,
      );
      await expectSafeguardError(
        fixture.store.audit.list({ limit: 1, afterSeq: -1 }),
        'invalid_argument',
        /afterSeq/,
      );
      await expectSafeguardError(
        fixture.store.audit.list({ limit: 1, action: 'a b' }),
        'invalid_argument',
        /action/,
      );
      expect(await fixture.store.audit.list({ limit: 10 })).toEqual([]);
    });

    it('verifies an empty log and a long one read in small pages', async () => {
      expect(await fixture.store.audit.verify()).toEqual({
        ok: true,
        rows: 0,
        head: { seq: 0, hash: '0'.repeat(64) },
      });
      await fixture.store.audit.appendMany(Array.from({ length: 57 }, (_, i) => entry(i)));
      const last = (await fixture.store.audit.list({ order: 'desc', limit: 1 }))[0];
      for (const pageSize of [1, 7, 57, 1000]) {
        expect(await fixture.store.audit.verify({ pageSize })).toEqual({
          ok: true,
          rows: 57,
          head: { seq: 57, hash: last.hash },
        });
      }
    });

    it('keeps one chain under appends from many callers at once', async () => {
      await Promise.all(
        Array.from({ length: 6 }, (_, worker) =>
          (async () => {
            for (let i = 0; i < 10; i += 1) {
              if (i % 4 === 3) await fixture.store.audit.appendMany([entry(i), entry(i + 100)]);
              else await fixture.store.audit.append(entry(worker * 100 + i));
            }
          })(),
        ),
      );
      expect(await fixture.store.audit.verify({ pageSize: 9 })).toMatchObject({
        ok: true,
        rows: 72,
      });
    });
  });
}
