import { afterEach, beforeEach, expect } from 'vitest';
import { isSafeguardError } from '../../src/core/errors.js';
import type { ErrorCode } from '../../src/core/errors.js';
import type { BankStore, NewSignal, SignalType } from '../../src/service/ports/bank-store.js';
import type { Store } from '../../src/store/open-store.js';
import type { DatabaseKind, TestDatabase } from './test-databases.js';

/** A clock that moves one second per reading, from 2024-05-01T00:00:00Z. */
export function createTickingClock(): () => Date {
  let tick = 0;
  return () => new Date(Date.UTC(2024, 4, 1, 0, 0, tick++));
}

export interface StoreFixture {
  readonly database: TestDatabase;
  readonly store: Store;
  readonly banks: BankStore;
}

/** A fresh database and open store for each test of the enclosing describe. */
export function useStore(kind: DatabaseKind): StoreFixture {
  let database: TestDatabase | undefined;
  let current: StoreFixture | undefined;
  beforeEach(async () => {
    database = await kind.create();
    const store = await database.open({ now: createTickingClock() });
    current = { database, store, banks: store.banks };
  });
  // Dropped even when opening failed half-way, so no schema is left behind.
  afterEach(async () => {
    await database?.drop();
    database = undefined;
    current = undefined;
  });
  const get = (): StoreFixture => {
    if (current === undefined) throw new Error('useStore: no store outside a test');
    return current;
  };
  return {
    get database() {
      return get().database;
    },
    get store() {
      return get().store;
    },
    get banks() {
      return get().banks;
    },
  };
}

/** A distinct lowercase hex value of `length` digits for number n. */
export function hexValue(n: number, length = 64): string {
  return n.toString(16).padStart(length, '0');
}

export function signal(type: SignalType, n: number): NewSignal {
  return { type, value: type === 'md5' ? hexValue(n, 32) : hexValue(n) };
}

export function pdqSignals(from: number, count: number): NewSignal[] {
  return Array.from({ length: count }, (_, i) => signal('pdq', from + i));
}

export async function expectSafeguardError(
  promise: Promise<unknown>,
  code: ErrorCode,
  message?: RegExp,
): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(isSafeguardError(error), `expected a SafeguardError ${code}, got ${String(error)}`).toBe(
    true,
  );
  if (!isSafeguardError(error)) return;
  expect(error.code).toBe(code);
  if (message !== undefined) expect(error.message).toMatch(message);
}
