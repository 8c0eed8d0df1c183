import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { GroomingStateStore } from '../../src/service/ports/grooming-state-store.js';
import { MemoryGroomingStateStore } from '../../src/store/memory-grooming-state-store.js';
import { expectSafeguardError } from './store-fixture.js';
import { databaseKinds, type TestDatabase } from './test-databases.js';

/**
 * A store kind: open() gives stores on one shared backing. `nodes` says whether two opens are
 * two connections, as two processes would have: not for SQLite here, since two connections in
 * one thread deadlock (one waits synchronously for the lock the other holds across an await);
 * two processes on one SQLite file each wait in their own thread.
 */
interface GroomingStoreKind {
  readonly name: string;
  readonly enabled: boolean;
  readonly nodes: boolean;
  create(): Promise<{ open(): Promise<GroomingStateStore>; drop(): Promise<void> }>;
}

const kinds: GroomingStoreKind[] = [
  {
    name: 'memory',
    enabled: true,
    nodes: false,
    create: () => {
      const store = new MemoryGroomingStateStore();
      return Promise.resolve({ open: () => Promise.resolve(store), drop: () => Promise.resolve() });
    },
  },
  ...databaseKinds.map((kind) => ({
    name: kind.name,
    enabled: kind.enabled,
    nodes: kind.name === 'postgres',
    async create() {
      const database: TestDatabase = await kind.create();
      return {
        open: async () => (await database.open()).grooming,
        drop: () => database.drop(),
      };
    },
  })),
];

for (const kind of kinds) {
  describe.skipIf(!kind.enabled)(`GroomingStateStore on ${kind.name}`, () => {
    let backing: Awaited<ReturnType<GroomingStoreKind['create']>>;
    let store: GroomingStateStore;
    beforeEach(async () => {
      backing = await kind.create();
      store = await backing.open();
    });
    afterEach(async () => {
      await backing.drop();
    });

    it('saves a conversation only from the version it was computed from', async () => {
      expect(await store.getConversation('c1')).toBeUndefined();
      expect(await store.saveConversation('c1', 'one', 0, [])).toBe(1);
      expect(await store.saveConversation('c1', 'again from nothing', 0, [])).toBeUndefined();
      expect(await store.saveConversation('c1', 'two', 1, [])).toBe(2);
      expect(await store.saveConversation('c1', 'stale', 1, [])).toBeUndefined();
      expect(await store.saveConversation('c1', 'ahead', 7, [])).toBeUndefined();
      expect(await store.getConversation('c1')).toEqual({ id: 'c1', version: 2, state: 'two' });
      expect(await store.getConversation('c2')).toBeUndefined();
    });

    it("aggregates an author's standings; they only rise, and a lost save writes none", async () => {
      expect(await store.getAuthor('a')).toBeUndefined();
      await store.saveConversation('c1', 's', 0, [
        { author: 'a', risk: 0.5, alerted: false },
        { author: 'b', risk: 0.1, alerted: false },
      ]);
      await store.saveConversation('c2', 's', 0, [{ author: 'a', risk: 0.25, alerted: true }]);
      await store.saveConversation('c1', 's', 1, [{ author: 'a', risk: 0.3, alerted: false }]);
      expect(
        await store.saveConversation('c1', 's', 1, [{ author: 'z', risk: 1, alerted: true }]),
      ).toBeUndefined();
      expect(await store.getAuthor('a')).toEqual({
        author: 'a',
        risk: 0.5,
        conversations: 2,
        alertedConversations: 1,
      });
      expect(await store.getAuthor('z')).toBeUndefined();
      await store.saveConversation('c1', 's', 2, [
        { author: 'a', risk: 0.9, alerted: true },
        { author: 'a', risk: 0.8, alerted: false }, // one author twice: merged
      ]);
      expect(await store.getAuthor('a')).toEqual({
        author: 'a',
        risk: 0.9,
        conversations: 2,
        alertedConversations: 2,
      });
    });

    it('lets exactly one of many writers from one version win', async () => {
      const other = kind.nodes ? await backing.open() : store;
      await store.saveConversation('c', 'base', 0, []);
      const results = await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          (i % 2 ? other : store).saveConversation('c', `writer ${i}`, 1, [
            { author: `w${i}`, risk: 0.5, alerted: false },
          ]),
        ),
      );
      const winners = results.flatMap((v, i) => (v === undefined ? [] : [i]));
      expect(winners).toHaveLength(1);
      expect(results[winners[0] ?? -1]).toBe(2);
      expect((await other.getConversation('c'))?.state).toBe(`writer ${winners[0]}`);
      for (let i = 0; i < 12; i++)
        expect(await store.getAuthor(`w${i}`)).toEqual(
          i === winners[0]
            ? { author: `w${i}`, risk: 0.5, conversations: 1, alertedConversations: 0 }
            : undefined,
        );
    });

    it('saves arriving together are each decided on their own (group commit)', async () => {
      await store.saveConversation('held', 'base', 0, []);
      const saves = await Promise.all([
        ...Array.from({ length: 40 }, (_, i) =>
          store.saveConversation(`g${i}`, `s${i}`, 0, [
            { author: `u${i % 4}`, risk: i / 100, alerted: i === 7 },
          ]),
        ),
        store.saveConversation('held', 'second', 1, []),
        store.saveConversation('held', 'third', 2, []), // after the second, in the same batch
        store.saveConversation('held', 'late', 1, [{ author: 'late', risk: 1, alerted: true }]),
        store.saveConversation('', 'bad', 0, []).catch(() => 'refused'),
      ]);
      expect(saves).toEqual([...Array.from({ length: 40 }, () => 1), 2, 3, undefined, 'refused']);
      expect((await store.getConversation('held'))?.state).toBe('third');
      expect((await store.getConversation('g39'))?.state).toBe('s39');
      expect(await store.getAuthor('u3')).toEqual({
        author: 'u3',
        risk: 0.39,
        conversations: 10,
        alertedConversations: 1,
      });
      expect(await store.getAuthor('late')).toBeUndefined();
    });

    it('refuses ids and values out of bounds, naming them', async () => {
      await expectSafeguardError(store.getConversation(''), 'invalid_argument', /conversationId/);
      await expectSafeguardError(
        store.saveConversation('x'.repeat(201), 's', 0, []),
        'invalid_argument',
        /conversationId/,
      );
      await expectSafeguardError(store.saveConversation('c', '', 0, []), 'invalid_argument');
      await expectSafeguardError(
        store.saveConversation('c', 's', -1, []),
        'invalid_argument',
        /expectedVersion/,
      );
      await expectSafeguardError(
        store.saveConversation('c', 's', 0, [{ author: 'a', risk: Number.NaN, alerted: false }]),
        'invalid_argument',
        /risk/,
      );
      await expectSafeguardError(store.getAuthor('x'.repeat(201)), 'invalid_argument', /author/);
      expect(await store.getConversation('c')).toBeUndefined();
    });
  });
}

describe('MemoryGroomingStateStore bounds', () => {
  it('forgets the conversations and authors idle longest past its limits', async () => {
    const store = new MemoryGroomingStateStore({ maxConversations: 10, maxAuthors: 5 });
    for (let i = 0; i < 1000; i++)
      await store.saveConversation(`c${i}`, 's', 0, [
        { author: `u${i}`, risk: 0.1, alerted: false },
      ]);
    expect(store.size).toEqual({ conversations: 10, authors: 5 });
    expect(await store.getConversation('c0')).toBeUndefined();
    expect(await store.getConversation('c999')).toMatchObject({ version: 1 });
    expect(await store.getAuthor('u0')).toBeUndefined();
  });
});
