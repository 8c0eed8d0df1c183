import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BankStore, Change } from '../../src/service/ports/bank-store.js';
import type { Store } from '../../src/store/open-store.js';
import { pdqSignals } from './store-fixture.js';
import { createPostgresDatabase, databaseUrl } from './test-databases.js';
import type { TestDatabase } from './test-databases.js';

/**
 * Several processes writing one PostgreSQL database, as several nodes do behind a load
 * balancer: each store here has its own pool, as a separate process would. A reader following
 * changesSince must see every change exactly once and in order, however the writes interleave.
 */
describe.skipIf(databaseUrl === undefined)('BankStore on postgres: concurrent writers', () => {
  let database: TestDatabase;
  beforeEach(async () => {
    database = await createPostgresDatabase(databaseUrl ?? '');
  });
  afterEach(async () => {
    await database.drop();
  });

  it('never lets a reader of changesSince miss or repeat a change', async () => {
    const writers: Store[] = [await database.open(), await database.open()];
    const reader = await database.open();
    const shared = await writers[0].banks.createBank({ name: 'shared' });
    const own = [
      await writers[0].banks.createBank({ name: 'own-0' }),
      await writers[1].banks.createBank({ name: 'own-1' }),
    ];

    let writing = true;
    const seen: Change[] = [];
    const following = (async () => {
      let seq = 0;
      for (;;) {
        const done = !writing;
        const page = await reader.banks.changesSince(seq, 37);
        seen.push(...page);
        if (page.length > 0) seq = page[page.length - 1].seq;
        else if (done) return;
      }
    })();

    // Each writer store runs three workers at once: adds to its own bank, adds to the shared
    // bank (where the other writer adds the same values), removes, and a bank update.
    const work = async (banks: BankStore, writer: number, worker: number): Promise<void> => {
      for (let round = 0; round < 12; round += 1) {
        const base = (writer * 3 + worker) * 100_000 + round * 1_000;
        await banks.addSignals(own[writer].id, pdqSignals(base, 20));
        await banks.addSignals(shared.id, pdqSignals(worker * 100_000 + round * 1_000, 15));
        if (round % 3 === 2) await banks.removeSignals(own[writer].id, pdqSignals(base, 5));
        if (round % 4 === 3)
          await banks.removeSignals(shared.id, pdqSignals(worker * 100_000 + round * 1_000, 3));
        if (round === 6) await banks.updateBank(own[writer].id, { pdqThreshold: 10 + worker });
      }
    };
    try {
      await Promise.all(
        writers.flatMap((store, writer) =>
          [0, 1, 2].map((worker) => work(store.banks, writer, worker)),
        ),
      );
    } finally {
      writing = false;
      await following;
    }

    // In order, each change once.
    seen.forEach((change, i) => {
      if (i > 0) expect(change.seq).toBeGreaterThan(seen[i - 1].seq);
    });
    // Every change the database holds, none missed.
    const expected = await reader.banks.changesSince(0, 10_000);
    expect(expected.length).toBeLessThan(10_000);
    expect(seen).toEqual(expected);
    const signals = await reader.db
      .selectFrom('signals')
      .select(['added_seq', 'removed_seq'])
      .execute();
    const bankChanges = await reader.db.selectFrom('bank_changes').select('seq').execute();
    const allSeqs = [
      ...signals.flatMap((row) =>
        row.removed_seq === null ? [row.added_seq] : [row.added_seq, row.removed_seq],
      ),
      ...bankChanges.map((row) => row.seq),
    ].sort((a, b) => a - b);
    expect(seen.map((change) => change.seq)).toEqual(allSeqs);
    // Own banks: 3 workers x 12 rounds x 20 added, 4 rounds x 5 removed.
    for (const bank of own)
      expect((await reader.banks.getBank(bank.id))?.signalCount).toBe(3 * 12 * 20 - 3 * 4 * 5);
    // The shared bank holds each value at most once, whoever added it first.
    const sharedLive = await reader.banks.listSignals(shared.id, { limit: 10_000 });
    expect(new Set(sharedLive.map((signal) => signal.value)).size).toBe(sharedLive.length);
    expect((await reader.banks.getBank(shared.id))?.signalCount).toBe(sharedLive.length);
  });
});
