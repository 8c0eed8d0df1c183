import { join } from 'node:path';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/open-store.js';
import type { Store } from '../../src/store/open-store.js';
import { expectSafeguardError } from './store-fixture.js';
import { createSqliteDatabase } from './test-databases.js';
import type { TestDatabase } from './test-databases.js';

describe('openStore', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  const track = <T extends Store | TestDatabase>(opened: T): T => {
    cleanups.push('drop' in opened ? () => opened.drop() : () => opened.close());
    return opened;
  };

  it('opens an in-memory SQLite store, migrated and working', async () => {
    const store = track(await openStore({ kind: 'sqlite', path: ':memory:' }));
    const bank = await store.banks.createBank({ name: 'm' });
    expect(await store.banks.addSignals(bank.id, [{ type: 'md5', value: 'a'.repeat(32) }])).toEqual(
      {
        added: 1,
        duplicates: 0,
      },
    );
  });

  it('opens a SQLite file in WAL mode with foreign keys enforced', async () => {
    const database = track(await createSqliteDatabase());
    const store = await database.open();
    const pragma = async (name: string): Promise<unknown> =>
      Object.values(
        (await sql<Record<string, unknown>>`${sql.raw(`pragma ${name}`)}`.execute(store.db))
          .rows[0],
      )[0];
    expect(await pragma('journal_mode')).toBe('wal');
    expect(await pragma('foreign_keys')).toBe(1);
    expect(await pragma('busy_timeout')).toBeGreaterThan(0);
    await expect(
      store.db
        .insertInto('signals')
        .values({
          bank_id: 42,
          type: 'md5',
          value: 'ab',
          value_key: 'ab',
          metadata: null,
          added_at: 'now',
          added_seq: 1,
        })
        .execute(),
    ).rejects.toThrow(/FOREIGN KEY/);
  });

  it('reports a SQLite file it cannot create as io_error', async () => {
    await expectSafeguardError(
      openStore({ kind: 'sqlite', path: join('/nonexistent-directory', 'x', 'safeguard.db') }),
      'io_error',
      /nonexistent-directory/,
    );
  });

  it('refuses a PostgreSQL schema name that is not a plain identifier', async () => {
    await expectSafeguardError(
      openStore({
        kind: 'postgres',
        url: 'postgres://nobody@127.0.0.1:1/none',
        schema: 'x; drop table y',
      }),
      'invalid_argument',
      /schema/,
    );
  });

  it('reports an unreachable PostgreSQL as io_error', async () => {
    await expectSafeguardError(
      openStore({ kind: 'postgres', url: 'postgres://nobody@127.0.0.1:1/none' }),
      'io_error',
    );
  });
});
