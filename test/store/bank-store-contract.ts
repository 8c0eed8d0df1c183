import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { signalTypes } from '../../src/service/ports/bank-store.js';
import type { BankAction, SignalType } from '../../src/service/ports/bank-store.js';
import { expectSafeguardError, pdqSignals, signal, useStore } from './store-fixture.js';
import type { DatabaseKind } from './test-databases.js';

/** Banks and signals: what every BankStore must do, on every database. */
export function describeBankStoreContract(kind: DatabaseKind): void {
  describe.skipIf(!kind.enabled)(`BankStore on ${kind.name}: banks and signals`, () => {
    const fixture = useStore(kind);

    it('creates a bank with defaults and finds it by id and by name', async () => {
      const bank = await fixture.banks.createBank({ name: 'ncmec-hashes' });
      expect(bank).toEqual({
        id: expect.any(Number) as number,
        name: 'ncmec-hashes',
        action: 'block',
        kind: 'match',
        pdqThreshold: 31,
        enabled: true,
        createdAt: '2024-05-01T00:00:00.000Z',
        updatedAt: '2024-05-01T00:00:00.000Z',
        signalCount: 0,
      });
      expect(await fixture.banks.getBank(bank.id)).toEqual(bank);
      expect(await fixture.banks.getBank('ncmec-hashes')).toEqual(bank);
      expect(await fixture.banks.getBank('nope')).toBeUndefined();
      expect(await fixture.banks.getBank(bank.id + 1000)).toBeUndefined();
    });

    it('lists banks by id', async () => {
      const a = await fixture.banks.createBank({
        name: 'a',
        action: 'review',
        kind: 'allow',
        pdqThreshold: 0,
      });
      const b = await fixture.banks.createBank({ name: 'b', pdqThreshold: 255 });
      const banks = await fixture.banks.listBanks();
      expect(
        banks.map((bank) => [bank.id, bank.name, bank.action, bank.kind, bank.pdqThreshold]),
      ).toEqual([
        [a.id, 'a', 'review', 'allow', 0],
        [b.id, 'b', 'block', 'match', 255],
      ]);
    });

    it('gets signals by id, leaving unknown ids out', async () => {
      const bank = await fixture.banks.createBank({ name: 'ids' });
      await fixture.banks.addSignals(bank.id, [
        { type: 'md5', value: 'a'.repeat(32), metadata: { category: 'A1' } },
        { type: 'md5', value: 'b'.repeat(32) },
      ]);
      const listed = await fixture.banks.listSignals(bank.id, { limit: 10 });
      const got = await fixture.banks.getSignals([listed[1].id, 999_999, listed[0].id]);
      expect(got.map((s) => s.value)).toEqual(['a'.repeat(32), 'b'.repeat(32)]);
      expect(got[0].metadata).toEqual({ category: 'A1' });
      expect(await fixture.banks.getSignals([])).toEqual([]);
    });

    it('keeps a whole video (a vPDQ value of megabytes): duplicates found, removed by value', async () => {
      const bank = await fixture.banks.createBank({ name: 'videos' });
      const frames = (seed: number, n: number) =>
        JSON.stringify(
          Array.from(
            { length: n },
            (_, i) => `${(seed + i).toString(16).padStart(64, '0')},100,${i}`,
          ),
        );
      const long = frames(1, 30_000); // ~2.1 MB: over any index's key limit
      const other = frames(2, 30_000); // differs only in its frames
      expect(Buffer.byteLength(long)).toBeGreaterThan(2_000_000);
      expect(
        await fixture.banks.addSignals(bank.id, [
          { type: 'vpdq', value: long },
          { type: 'vpdq', value: other },
          { type: 'vpdq', value: long },
        ]),
      ).toEqual({ added: 2, duplicates: 1 });
      const listed = await fixture.banks.listSignals(bank.id, { limit: 10 });
      expect(listed.map((s) => s.value)).toEqual([long, other]);
      expect(await fixture.banks.removeSignals(bank.id, [{ type: 'vpdq', value: long }])).toBe(1);
      expect((await fixture.banks.listSignals(bank.id, { limit: 10 })).map((s) => s.value)).toEqual(
        [other],
      );
      await expectSafeguardError(
        fixture.banks.addSignals(bank.id, [
          { type: 'vpdq', value: 'x'.repeat(4 * 1024 * 1024 + 1) },
        ]),
        'invalid_argument',
        /4194304 bytes/,
      );
    });

    it('refuses a second bank with a taken name, naming the problem', async () => {
      await fixture.banks.createBank({ name: 'csam' });
      await expectSafeguardError(
        fixture.banks.createBank({ name: 'csam' }),
        'conflict',
        /"csam" already exists/,
      );
      expect(await fixture.banks.listBanks()).toHaveLength(1);
    });

    it('updates a bank, refusing a name taken by another bank', async () => {
      const bank = await fixture.banks.createBank({ name: 'one' });
      await fixture.banks.createBank({ name: 'two' });
      const updated = await fixture.banks.updateBank(bank.id, {
        name: 'uno',
        action: 'review',
        kind: 'allow',
        pdqThreshold: 10,
        enabled: false,
      });
      expect(updated).toMatchObject({
        id: bank.id,
        name: 'uno',
        action: 'review',
        kind: 'allow',
        pdqThreshold: 10,
        enabled: false,
      });
      expect(updated.createdAt).toBe(bank.createdAt);
      expect(updated.updatedAt > bank.updatedAt).toBe(true);
      expect(await fixture.banks.getBank(bank.id)).toEqual(updated);
      expect(await fixture.banks.updateBank(bank.id, { name: 'uno' })).toMatchObject({
        name: 'uno',
      });
      await expectSafeguardError(
        fixture.banks.updateBank(bank.id, { name: 'two' }),
        'conflict',
        /"two" already exists/,
      );
      expect((await fixture.banks.updateBank(bank.id, { enabled: true })).enabled).toBe(true);
    });

    it('refuses bad bank settings', async () => {
      await expectSafeguardError(
        fixture.banks.createBank({ name: '' }),
        'invalid_argument',
        /name/,
      );
      await expectSafeguardError(
        fixture.banks.createBank({ name: '   ' }),
        'invalid_argument',
        /name/,
      );
      await expectSafeguardError(
        fixture.banks.createBank({ name: 'x'.repeat(101) }),
        'invalid_argument',
        /100/,
      );
      expect((await fixture.banks.createBank({ name: 'x'.repeat(100) })).name).toHaveLength(100);
      for (const pdqThreshold of [-1, 256, 1.5]) {
        await expectSafeguardError(
          fixture.banks.createBank({ name: 't', pdqThreshold }),
          'invalid_argument',
          /pdqThreshold/,
        );
      }
      const action = 'delete' as unknown as BankAction;
      await expectSafeguardError(
        fixture.banks.createBank({ name: 't', action }),
        'invalid_argument',
        /action/,
      );
      const bank = await fixture.banks.createBank({ name: 't' });
      await expectSafeguardError(
        fixture.banks.updateBank(bank.id, { pdqThreshold: 300 }),
        'invalid_argument',
      );
    });

    it('reports a missing bank as not_found', async () => {
      await expectSafeguardError(fixture.banks.updateBank(999, { name: 'x' }), 'not_found', /999/);
      await expectSafeguardError(fixture.banks.deleteBank(999), 'not_found');
      await expectSafeguardError(fixture.banks.addSignals(999, [signal('md5', 1)]), 'not_found');
      await expectSafeguardError(fixture.banks.removeSignals(999, [signal('md5', 1)]), 'not_found');
      await expectSafeguardError(
        fixture.banks.importSignals(999, batchesOf([[signal('md5', 1)]])),
        'not_found',
      );
    });

    it('adds signals, counting duplicates instead of doubling them', async () => {
      const bank = await fixture.banks.createBank({ name: 'b' });
      const first = [signal('pdq', 1), signal('md5', 1), signal('sha256', 1), signal('pdq', 1)];
      expect(await fixture.banks.addSignals(bank.id, first)).toEqual({ added: 3, duplicates: 1 });
      expect(await fixture.banks.addSignals(bank.id, [signal('pdq', 1), signal('pdq', 2)])).toEqual(
        { added: 1, duplicates: 1 },
      );
      expect(await fixture.banks.addSignals(bank.id, [])).toEqual({ added: 0, duplicates: 0 });
      expect((await fixture.banks.getBank(bank.id))?.signalCount).toBe(4);
      const listed = await fixture.banks.listSignals(bank.id, { limit: 100 });
      expect(listed.map((s) => [s.type, s.value])).toEqual([
        ['pdq', signal('pdq', 1).value],
        ['md5', signal('md5', 1).value],
        ['sha256', signal('sha256', 1).value],
        ['pdq', signal('pdq', 2).value],
      ]);
    });

    it('keeps the same value apart across types and banks', async () => {
      const a = await fixture.banks.createBank({ name: 'a' });
      const b = await fixture.banks.createBank({ name: 'b' });
      const value = 'ab'.repeat(32);
      expect(
        await fixture.banks.addSignals(a.id, [
          { type: 'pdq', value },
          { type: 'sha256', value },
        ]),
      ).toEqual({ added: 2, duplicates: 0 });
      expect(await fixture.banks.addSignals(b.id, [{ type: 'pdq', value }])).toEqual({
        added: 1,
        duplicates: 0,
      });
    });

    it('stores signals with their metadata, time and sequence number', async () => {
      const bank = await fixture.banks.createBank({ name: 'b' });
      const metadata = {
        category: 'A1',
        source: 'ncmec',
        sourceId: '42',
        note: 'from the 2024 list',
      };
      await fixture.banks.addSignals(bank.id, [
        { ...signal('md5', 7), metadata },
        signal('md5', 8),
        { ...signal('md5', 9), metadata: {} },
      ]);
      const [with7, with8, with9] = await fixture.banks.listSignals(bank.id, { limit: 10 });
      expect(with7).toEqual({
        id: expect.any(Number) as number,
        bankId: bank.id,
        type: 'md5',
        value: signal('md5', 7).value,
        metadata,
        addedAt: '2024-05-01T00:00:01.000Z',
        seq: expect.any(Number) as number,
      });
      expect(with8.metadata).toBeNull();
      expect(with9.metadata).toBeNull();
      expect(with8.seq).toBeGreaterThan(with7.seq);
    });

    it('refuses bad signals, adding none of the call', async () => {
      const bank = await fixture.banks.createBank({ name: 'b' });
      const type = 'sha1' as unknown as SignalType;
      await expectSafeguardError(
        fixture.banks.addSignals(bank.id, [signal('pdq', 1), { type, value: 'ab' }]),
        'invalid_argument',
        /sha1/,
      );
      await expectSafeguardError(
        fixture.banks.addSignals(bank.id, [{ type: 'url', value: '' }]),
        'invalid_argument',
        /url/,
      );
      await expectSafeguardError(
        fixture.banks.addSignals(bank.id, [{ type: 'url', value: 'x'.repeat(2049) }]),
        'invalid_argument',
        /2048/,
      );
      expect(await fixture.banks.listSignals(bank.id, { limit: 10 })).toEqual([]);
      expect(signalTypes).toContain('photodna');
    });

    it('removes signals as tombstones; adding one again makes a new live signal', async () => {
      const bank = await fixture.banks.createBank({ name: 'b' });
      await fixture.banks.addSignals(bank.id, [
        signal('pdq', 1),
        signal('pdq', 2),
        signal('md5', 3),
      ]);
      const [one] = await fixture.banks.listSignals(bank.id, { limit: 1 });
      expect(
        await fixture.banks.removeSignals(bank.id, [
          signal('pdq', 1),
          signal('pdq', 1),
          signal('pdq', 99),
          signal('md5', 2),
        ]),
      ).toBe(1);
      expect(await fixture.banks.removeSignals(bank.id, [signal('pdq', 1)])).toBe(0);
      expect((await fixture.banks.listSignals(bank.id, { limit: 10 })).map((s) => s.value)).toEqual(
        [signal('pdq', 2).value, signal('md5', 3).value],
      );
      expect((await fixture.banks.getBank(bank.id))?.signalCount).toBe(2);

      expect(await fixture.banks.addSignals(bank.id, [signal('pdq', 1)])).toEqual({
        added: 1,
        duplicates: 0,
      });
      const again = (await fixture.banks.listSignals(bank.id, { limit: 10 })).at(-1);
      expect(again?.value).toBe(one.value);
      expect(again?.id).toBeGreaterThan(one.id);
      expect(again?.seq).toBeGreaterThan(one.seq);
      expect((await fixture.banks.getBank(bank.id))?.signalCount).toBe(3);
      const rows = await fixture.store.db
        .selectFrom('signals')
        .select(['id', 'removed_seq'])
        .where('value', '=', one.value)
        .orderBy('id')
        .execute();
      expect(rows).toHaveLength(2);
      expect(rows[0].removed_seq).not.toBeNull();
      expect(rows[1].removed_seq).toBeNull();
    });

    it('pages live signals of a bank by id', async () => {
      const bank = await fixture.banks.createBank({ name: 'b' });
      const other = await fixture.banks.createBank({ name: 'other' });
      await fixture.banks.addSignals(other.id, pdqSignals(0, 5));
      await fixture.banks.addSignals(bank.id, pdqSignals(0, 25));
      await fixture.banks.removeSignals(bank.id, pdqSignals(10, 5));
      const seen: string[] = [];
      let afterId = 0;
      for (;;) {
        const page = await fixture.banks.listSignals(bank.id, { afterId, limit: 7 });
        if (page.length === 0) break;
        expect(page.length).toBeLessThanOrEqual(7);
        seen.push(...page.map((s) => s.value));
        afterId = page[page.length - 1].id;
      }
      expect(seen).toEqual([...pdqSignals(0, 10), ...pdqSignals(15, 10)].map((s) => s.value));
      await expectSafeguardError(
        fixture.banks.listSignals(bank.id, { limit: 0 }),
        'invalid_argument',
        /limit/,
      );
      await expectSafeguardError(
        fixture.banks.listSignals(bank.id, { limit: 10_001 }),
        'invalid_argument',
        /limit/,
      );
    });

    it('deletes a bank with its signals and frees its name', async () => {
      const bank = await fixture.banks.createBank({ name: 'doomed' });
      const kept = await fixture.banks.createBank({ name: 'kept' });
      await fixture.banks.addSignals(bank.id, pdqSignals(0, 10));
      await fixture.banks.addSignals(kept.id, pdqSignals(0, 3));
      await fixture.banks.removeSignals(bank.id, pdqSignals(0, 2));
      await fixture.banks.deleteBank(bank.id);
      expect(await fixture.banks.getBank(bank.id)).toBeUndefined();
      expect(await fixture.banks.listSignals(bank.id, { limit: 100 })).toEqual([]);
      const live = await fixture.banks.loadLiveSignals(['pdq'], { limit: 100 });
      expect(live.every((s) => s.bankId === kept.id)).toBe(true);
      expect(live).toHaveLength(3);
      const reborn = await fixture.banks.createBank({ name: 'doomed' });
      expect(reborn.id).toBeGreaterThan(kept.id);
    });

    it('migrates once: opening the database again keeps the data and applies nothing twice', async () => {
      const bank = await fixture.banks.createBank({ name: 'b' });
      await fixture.banks.addSignals(bank.id, pdqSignals(0, 3));
      const second = await fixture.database.open();
      const third = await fixture.database.open();
      expect(await second.banks.getBank('b')).toMatchObject({ id: bank.id, signalCount: 3 });
      expect(await third.banks.currentSeq()).toBe(await fixture.banks.currentSeq());
      const migrations = await sql<{ name: string }>`select name from kysely_migration`.execute(
        third.db,
      );
      const names = migrations.rows.map((row) => row.name);
      expect(names[0]).toBe('0001_banks_and_signals');
      expect(new Set(names).size).toBe(names.length); // each applied exactly once
    });
  });
}

async function* batchesOf<T>(batches: T[][]): AsyncIterable<T[]> {
  for (const batch of batches) {
    await Promise.resolve();
    yield batch;
  }
}
