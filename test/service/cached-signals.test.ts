import { describe, expect, it } from 'vitest';
import { cacheSignals } from '../../src/service/cached-signals.js';
import type { Signal } from '../../src/service/ports/bank-store.js';

const signal = (id: number): Signal => ({
  id,
  bankId: 1,
  type: 'md5',
  value: id.toString(16).padStart(32, '0'),
  metadata: { note: `signal ${id}` },
  addedAt: '2026-01-01T00:00:00.000Z',
  seq: id,
});

/** A store holding signals 1..100 that counts the ids it is asked for. */
function fakeStore() {
  const asked: number[][] = [];
  return {
    asked,
    getSignals: (ids: readonly number[]) => {
      asked.push([...ids]);
      return Promise.resolve(
        [...new Set(ids)]
          .filter((id) => id >= 1 && id <= 100)
          .sort((a, b) => a - b)
          .map(signal),
      );
    },
  };
}

describe('cacheSignals', () => {
  it('reads a signal once, then answers from memory, in ascending id order like the store', async () => {
    const store = fakeStore();
    const cached = cacheSignals(store);
    expect((await cached.getSignals([7, 3])).map((s) => s.id)).toEqual([3, 7]);
    expect(await cached.getSignals([7, 3, 3])).toEqual([signal(3), signal(7)]);
    expect(store.asked).toEqual([[7, 3]]);
    // Only the ids it has not seen go to the store.
    expect((await cached.getSignals([9, 7])).map((s) => s.id)).toEqual([7, 9]);
    expect(store.asked).toEqual([[7, 3], [9]]);
  });

  it('does not remember an id the store does not have: it is asked again', async () => {
    const store = fakeStore();
    const cached = cacheSignals(store);
    expect(await cached.getSignals([500])).toEqual([]);
    expect(await cached.getSignals([500])).toEqual([]);
    expect(store.asked).toEqual([[500], [500]]);
  });

  it('forgets the least recently used signal past its bound', async () => {
    const store = fakeStore();
    const cached = cacheSignals(store, 2);
    await cached.getSignals([1]);
    await cached.getSignals([2]);
    await cached.getSignals([1]); // 1 is now the most recent
    await cached.getSignals([3]); // 2 goes
    store.asked.length = 0;
    await cached.getSignals([1, 3]);
    expect(store.asked).toEqual([]);
    await cached.getSignals([2]);
    expect(store.asked).toEqual([[2]]);
  });

  it('passes on the store errors', async () => {
    const cached = cacheSignals({ getSignals: () => Promise.reject(new Error('database gone')) });
    await expect(cached.getSignals([1])).rejects.toThrow('database gone');
  });
});
