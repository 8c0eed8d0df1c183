import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../../src/store/open-store.js';
import { databaseKinds, type TestDatabase } from './test-databases.js';

const entry = (action: string, subject: string) => ({
  actor: 'key:test',
  action,
  subject,
  details: { why: 'a test' },
});

/** Store.atomically: a change and its audit entries commit together or not at all. */
for (const kind of databaseKinds) {
  describe.skipIf(!kind.enabled)(`Store.atomically on ${kind.name}`, () => {
    let database: TestDatabase;
    let store: Store;
    beforeEach(async () => {
      database = await kind.create();
      store = await database.open();
    });
    afterEach(async () => {
      await database.drop();
    });

    it('commits a bank change, its signals and its entry together', async () => {
      const bank = await store.atomically(async (tx) => {
        const created = await tx.banks.createBank({ name: 'together' });
        await tx.banks.addSignals(created.id, [{ type: 'md5', value: 'a'.repeat(32) }]);
        await tx.audit.append(entry('bank.create', `bank:${created.id}`));
        return created;
      });
      expect((await store.banks.getBank('together'))?.signalCount).toBe(1);
      expect((await store.audit.list({ limit: 10 })).map((e) => e.subject)).toEqual([
        `bank:${bank.id}`,
      ]);
    });

    it('an entry the log refuses undoes the change: no bank, no sequence number, no entry', async () => {
      const seq = await store.banks.currentSeq();
      await expect(
        store.atomically(async (tx) => {
          const created = await tx.banks.createBank({ name: 'undone' });
          await tx.audit.append(entry('Not An Action', `bank:${created.id}`));
        }),
      ).rejects.toMatchObject({ code: 'invalid_argument' });
      expect(await store.banks.getBank('undone')).toBeUndefined();
      expect(await store.banks.currentSeq()).toBe(seq);
      expect(await store.audit.list({ limit: 10 })).toEqual([]);
    });

    it('a failure after the entry undoes both, and the chain stays whole', async () => {
      await store.audit.append(entry('test.before', 'x'));
      const opened = await store.cases.open({
        id: 'scan-1',
        verdict: 'review',
        matches: [],
      });
      await expect(
        store.atomically(async (tx) => {
          await tx.cases.update(opened.case.id, { status: 'confirmed' }, 'key:test');
          await tx.audit.append(entry('case.update', `case:${opened.case.id}`));
          throw new Error('the process died here');
        }),
      ).rejects.toThrow('the process died here');
      expect((await store.cases.get(opened.case.id))?.status).toBe('open');
      expect((await store.audit.list({ limit: 10 })).map((e) => e.action)).toEqual(['test.before']);
      expect((await store.audit.verify()).ok).toBe(true);
      // The log goes on from where it was.
      await store.atomically((tx) => tx.audit.append(entry('test.after', 'x')));
      expect((await store.audit.verify()).ok).toBe(true);
    });
  });
}
