import { describe, expect, it } from 'vitest';
import type {
  BankStore,
  Change,
  LiveSignal,
  NewSignal,
  SignalType,
} from '../../src/service/ports/bank-store.js';
import { expectSafeguardError, pdqSignals, signal, useStore } from './store-fixture.js';
import type { DatabaseKind } from './test-databases.js';

/** Sequence numbers, the change feed, snapshots and streaming imports, on every database. */
export function describeBankStoreChangesContract(kind: DatabaseKind): void {
  describe.skipIf(!kind.enabled)(`BankStore on ${kind.name}: changes and imports`, () => {
    const fixture = useStore(kind);

    it('gives every change a higher sequence number and reports them all, in order', async () => {
      const banks = fixture.banks;
      expect(await banks.currentSeq()).toBe(0);
      expect(await banks.changesSince(0, 100)).toEqual([]);
      const bank = await banks.createBank({ name: 'b' });
      const seqs = [await banks.currentSeq()];
      await banks.addSignals(bank.id, [signal('pdq', 1), signal('md5', 2)]);
      seqs.push(await banks.currentSeq());
      await banks.removeSignals(bank.id, [signal('pdq', 1)]);
      seqs.push(await banks.currentSeq());
      await banks.updateBank(bank.id, { pdqThreshold: 20 });
      seqs.push(await banks.currentSeq());
      await banks.addSignals(bank.id, [signal('md5', 2)]); // a duplicate only: no change
      seqs.push(await banks.currentSeq());
      await banks.deleteBank(bank.id);
      seqs.push(await banks.currentSeq());
      expect(seqs[0]).toBeGreaterThan(0);
      expect(seqs[4]).toBeGreaterThanOrEqual(seqs[3]);
      for (const i of [1, 2, 3, 5]) expect(seqs[i]).toBeGreaterThan(seqs[i - 1]);

      const changes = await banks.changesSince(0, 100);
      expectAscending(changes);
      // The bank's signal rows went with it; its deletion stands for them.
      expect(changes.map((change) => change.kind)).toEqual([
        'bank_changed',
        'bank_changed',
        'bank_deleted',
      ]);
      expect(changes.at(-1)).toEqual({ seq: seqs[5], kind: 'bank_deleted', bankId: bank.id });
    });

    it('reports signal additions and removals with what an index needs', async () => {
      const bank = await fixture.banks.createBank({ name: 'b' });
      const before = await fixture.banks.currentSeq();
      await fixture.banks.addSignals(bank.id, [signal('pdq', 1), signal('sha256', 2)]);
      await fixture.banks.removeSignals(bank.id, [signal('pdq', 1)]);
      const [pdq, sha] = await fixture.store.db
        .selectFrom('signals')
        .select(['id', 'added_seq', 'removed_seq'])
        .orderBy('id')
        .execute();
      expect(await fixture.banks.changesSince(before, 100)).toEqual([
        {
          seq: pdq.added_seq,
          kind: 'signal_added',
          signal: { id: pdq.id, bankId: bank.id, ...signal('pdq', 1) },
        },
        {
          seq: sha.added_seq,
          kind: 'signal_added',
          signal: { id: sha.id, bankId: bank.id, ...signal('sha256', 2) },
        },
        {
          seq: pdq.removed_seq,
          kind: 'signal_removed',
          signalId: pdq.id,
          bankId: bank.id,
          ...signal('pdq', 1),
        },
      ]);
      expect(await fixture.banks.currentSeq()).toBe(pdq.removed_seq);
    });

    it('pages the change feed without gaps or repeats', async () => {
      const bank = await fixture.banks.createBank({ name: 'b' });
      await fixture.banks.addSignals(bank.id, pdqSignals(0, 30));
      await fixture.banks.removeSignals(bank.id, pdqSignals(5, 10));
      await fixture.banks.updateBank(bank.id, { enabled: false });
      await fixture.banks.addSignals(bank.id, pdqSignals(5, 3));
      const all = await fixture.banks.changesSince(0, 1000);
      expect(all).toHaveLength(1 + 30 + 10 + 1 + 3);
      expectAscending(all);
      const paged = await followChanges(fixture.banks, 0, 4);
      expect(paged).toEqual(all);
      await expectSafeguardError(fixture.banks.changesSince(-1, 10), 'invalid_argument', /seq/);
      await expectSafeguardError(fixture.banks.changesSince(0, 0), 'invalid_argument', /limit/);
    });

    it('loads live signals by type and id, now or as of a sequence number', async () => {
      const a = await fixture.banks.createBank({ name: 'a' });
      const b = await fixture.banks.createBank({ name: 'b' });
      await fixture.banks.addSignals(a.id, [
        ...pdqSignals(0, 5),
        signal('md5', 1),
        signal('url', 2),
      ]);
      await fixture.banks.addSignals(b.id, pdqSignals(3, 5));
      await fixture.banks.removeSignals(a.id, [signal('pdq', 0)]);
      const snapshotSeq = await fixture.banks.currentSeq();
      const atSnapshot = await loadAll(fixture.banks, ['pdq', 'md5'], snapshotSeq);
      expect(atSnapshot).toHaveLength(4 + 1 + 5);
      expect(await loadAll(fixture.banks, ['pdq', 'md5'])).toEqual(atSnapshot);
      expect(await loadAll(fixture.banks, [])).toEqual([]);
      expect((await loadAll(fixture.banks, ['url'])).map((s) => s.type)).toEqual(['url']);

      await fixture.banks.removeSignals(a.id, pdqSignals(1, 2));
      await fixture.banks.addSignals(a.id, [signal('pdq', 0), signal('md5', 9)]);
      expect(await loadAll(fixture.banks, ['pdq', 'md5'], snapshotSeq)).toEqual(atSnapshot);
      expect(await loadAll(fixture.banks, ['pdq', 'md5'])).toHaveLength(4 - 2 + 1 + 1 + 1 + 5);
    });

    it('a snapshot plus the changes after it rebuild exactly the live set', async () => {
      const banks = fixture.banks;
      const a = await banks.createBank({ name: 'a' });
      const b = await banks.createBank({ name: 'b' });
      await banks.addSignals(a.id, pdqSignals(0, 40));
      await banks.addSignals(b.id, pdqSignals(20, 40));
      const snapshotSeq = await banks.currentSeq();
      const index = new Map((await loadAll(banks, ['pdq'], snapshotSeq)).map((s) => [s.id, s]));
      // Changes after the snapshot, some undoing others.
      await banks.removeSignals(a.id, pdqSignals(0, 15));
      await banks.addSignals(a.id, [...pdqSignals(5, 5), ...pdqSignals(100, 10)]);
      await banks.removeSignals(b.id, pdqSignals(30, 5));
      const c = await banks.createBank({ name: 'c' });
      await banks.addSignals(c.id, pdqSignals(0, 10));
      await banks.deleteBank(c.id);
      for (const change of await followChanges(banks, snapshotSeq, 7)) applyChange(index, change);
      const live = await loadAll(banks, ['pdq']);
      expect([...index.values()].sort((x, y) => x.id - y.id)).toEqual(live);
    });

    it('imports a stream of batches in one go, counting duplicates and reporting progress', async () => {
      const bank = await fixture.banks.createBank({ name: 'b' });
      await fixture.banks.addSignals(bank.id, pdqSignals(0, 100));
      const progress: number[] = [];
      // 6 batches of 5000 (larger than one statement), overlapping each other and the bank.
      const batches = async function* () {
        for (let i = 0; i < 6; i += 1) {
          await Promise.resolve();
          yield pdqSignals(i * 4_000, 5_000);
        }
      };
      const result = await fixture.banks.importSignals(bank.id, batches(), {
        onProgress: (n) => progress.push(n),
      });
      const distinct = 5 * 4_000 + 5_000;
      expect(result).toEqual({ added: distinct - 100, duplicates: 30_000 - (distinct - 100) });
      expect(progress).toEqual([5_000, 10_000, 15_000, 20_000, 25_000, 30_000]);
      expect((await fixture.banks.getBank(bank.id))?.signalCount).toBe(distinct);
      const changes = await fixture.banks.changesSince(0, 10_000);
      expectAscending(changes);
    });

    it('keeps nothing of an import whose stream fails, and passes its error on unchanged', async () => {
      const bank = await fixture.banks.createBank({ name: 'b' });
      await fixture.banks.addSignals(bank.id, pdqSignals(0, 10));
      const before = await bankState(fixture.banks, bank.id);
      const failure = new Error('the upstream feed broke');
      const batches = async function* (): AsyncIterable<NewSignal[]> {
        yield pdqSignals(5, 3_000);
        yield pdqSignals(10_000, 3_000);
        await Promise.resolve();
        throw failure;
      };
      const error = await fixture.banks
        .importSignals(bank.id, batches())
        .catch((thrown: unknown) => thrown);
      expect(error).toBe(failure);
      expect(await bankState(fixture.banks, bank.id)).toEqual(before);
      // The store still works afterwards.
      expect(await fixture.banks.addSignals(bank.id, [signal('pdq', 20_000)])).toEqual({
        added: 1,
        duplicates: 0,
      });
    });

    it('keeps nothing of an import with a bad signal in a late batch', async () => {
      const bank = await fixture.banks.createBank({ name: 'b' });
      const before = await bankState(fixture.banks, bank.id);
      const batches = async function* (): AsyncIterable<NewSignal[]> {
        yield pdqSignals(0, 100);
        await Promise.resolve();
        yield [signal('pdq', 500), { type: 'pdq', value: '' }];
      };
      await expectSafeguardError(
        fixture.banks.importSignals(bank.id, batches()),
        'invalid_argument',
      );
      expect(await bankState(fixture.banks, bank.id)).toEqual(before);
    });
  });
}

function expectAscending(changes: readonly Change[]): void {
  changes.forEach((change, i) => {
    if (i > 0) expect(change.seq).toBeGreaterThan(changes[i - 1].seq);
  });
}

export async function followChanges(
  banks: BankStore,
  from: number,
  pageSize: number,
): Promise<Change[]> {
  const changes: Change[] = [];
  let seq = from;
  for (;;) {
    const page = await banks.changesSince(seq, pageSize);
    if (page.length === 0) return changes;
    changes.push(...page);
    seq = page[page.length - 1].seq;
  }
}

async function loadAll(
  banks: BankStore,
  types: SignalType[],
  asOfSeq?: number,
): Promise<LiveSignal[]> {
  const signals: LiveSignal[] = [];
  let afterId = 0;
  for (;;) {
    const page = await banks.loadLiveSignals(types, { afterId, limit: 6, asOfSeq });
    if (page.length === 0) return signals;
    signals.push(...page);
    afterId = page[page.length - 1].id;
  }
}

export function applyChange(index: Map<number, LiveSignal>, change: Change): void {
  switch (change.kind) {
    case 'signal_added':
      index.set(change.signal.id, change.signal);
      return;
    case 'signal_removed':
      index.delete(change.signalId);
      return;
    case 'bank_deleted':
      for (const [id, live] of index) if (live.bankId === change.bankId) index.delete(id);
      return;
    case 'bank_changed':
      return;
  }
}

async function bankState(banks: BankStore, bankId: number): Promise<unknown> {
  return {
    bank: await banks.getBank(bankId),
    signals: await banks.listSignals(bankId, { limit: 10_000 }),
    seq: await banks.currentSeq(),
    changes: await banks.changesSince(0, 10_000),
  };
}
