import type { BankStore, Signal } from './ports/bank-store.js';

export type SignalReader = Pick<BankStore, 'getSignals'>;

/**
 * `getSignals` with the answers remembered: a signal row never changes once added (removal
 * and re-adding make new rows), so what a match reports of it (its metadata) can be served
 * from memory. A matched lookup then costs no database read on the event loop, where the
 * read (a query prepared and run on the main thread's connection) cost more than the match.
 *
 * Bounded: the least recently reported signals are forgotten past `maxEntries`.
 */
export function cacheSignals(store: SignalReader, maxEntries = 100_000): SignalReader {
  const cache = new Map<number, Signal>();
  const remember = (signal: Signal) => {
    cache.delete(signal.id);
    cache.set(signal.id, signal);
    if (cache.size > maxEntries) {
      const oldest = cache.keys().next();
      if (!oldest.done) cache.delete(oldest.value);
    }
  };
  return {
    async getSignals(ids) {
      const found: Signal[] = [];
      const missing: number[] = [];
      for (const id of ids) {
        const signal = cache.get(id);
        if (signal === undefined) {
          missing.push(id);
        } else {
          remember(signal);
          found.push(signal);
        }
      }
      if (missing.length > 0) {
        const read = await store.getSignals(missing);
        for (const signal of read) remember(signal);
        found.push(...read);
      }
      // The store's order: ascending id, each once.
      const unique = new Map(found.map((s) => [s.id, s]));
      return [...unique.values()].sort((a, b) => a.id - b.id);
    },
  };
}
