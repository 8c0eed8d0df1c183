import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { connect } from '../../../src/store/sqlite/connect.js';
import { retryWhileBusy } from '../../../src/store/sqlite/retry-busy.js';
import type { StoreConnection } from '../../../src/store/store-connection.js';

describe('retryWhileBusy (SQLite writers in several processes)', () => {
  let dir: string;
  let path: string;
  let holder: BetterSqlite3.Database;
  let waiter: StoreConnection;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'safeguard-busy-'));
    path = join(dir, 'db.sqlite');
    holder = new BetterSqlite3(path);
    holder.pragma('journal_mode = WAL');
    holder.exec('create table t (v integer)');
    waiter = await connect({ path, busyTimeoutMs: 0 });
  });
  afterEach(async () => {
    await waiter.db.destroy();
    holder.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const insert = (v: number) =>
    waiter.db.transaction().execute(async (trx) => {
      await sql`insert into t (v) values (${v})`.execute(trx);
    });

  it('without it, a connection with busyTimeoutMs 0 fails at once while another holds the lock', async () => {
    holder.exec('begin immediate');
    await expect(insert(1)).rejects.toMatchObject({ code: 'SQLITE_BUSY' });
    holder.exec('commit');
  });

  it('retries until the lock is free, then writes once', async () => {
    holder.exec('begin immediate');
    holder.exec('insert into t (v) values (0)');
    setTimeout(() => holder.exec('commit'), 60);
    const started = performance.now();
    await retryWhileBusy(() => insert(1));
    const waited = performance.now() - started;
    expect(waited).toBeGreaterThanOrEqual(50);
    expect(holder.prepare('select v from t order by v').pluck().all()).toEqual([0, 1]);
  });

  it('gives up after its time with the busy error; other errors are not retried', async () => {
    holder.exec('begin immediate');
    await expect(retryWhileBusy(() => insert(1), 30)).rejects.toMatchObject({
      code: 'SQLITE_BUSY',
    });
    holder.exec('commit');
    let calls = 0;
    await expect(
      retryWhileBusy(() => {
        calls++;
        return sql`insert into missing_table values (1)`.execute(waiter.db);
      }),
    ).rejects.toThrow(/no such table/);
    expect(calls).toBe(1);
  });
});
