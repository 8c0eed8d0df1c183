import { sql, type Kysely } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { connect } from '../../../src/store/sqlite/connect.js';
import type { StoreConnection } from '../../../src/store/store-connection.js';

/** connect() keeps prepared statements: the same SQL again must still give the right answers. */
describe('SQLite connection: kept prepared statements', () => {
  let connection: StoreConnection;
  let db: Kysely<{ t: { id: number; name: string } }>;
  beforeEach(async () => {
    connection = await connect({ path: ':memory:' });
    db = connection.db as unknown as typeof db;
    await sql`create table t (id integer primary key, name text not null)`.execute(db);
    for (let id = 1; id <= 5; id++)
      await db
        .insertInto('t')
        .values({ id, name: `n${id}` })
        .execute();
  });
  afterEach(async () => {
    await connection.db.destroy();
  });

  const names = async (above: number) =>
    (await db.selectFrom('t').select('name').where('id', '>', above).orderBy('id').execute()).map(
      (r) => r.name,
    );

  it('runs one SQL text again with other parameters', async () => {
    expect(await names(3)).toEqual(['n4', 'n5']);
    expect(await names(1)).toEqual(['n2', 'n3', 'n4', 'n5']);
    await db.insertInto('t').values({ id: 6, name: 'n6' }).execute();
    expect(await names(4)).toEqual(['n5', 'n6']);
  });

  it('runs a query again after a stream of the same SQL was left part-read', async () => {
    const query = db.selectFrom('t').select('name').where('id', '>', 3).orderBy('id');
    const streamed: string[] = [];
    for await (const row of query.stream()) {
      streamed.push(row.name);
      break;
    }
    expect(streamed).toEqual(['n4']);
    expect(await names(3)).toEqual(['n4', 'n5']);
    const again: string[] = [];
    for await (const row of query.stream()) again.push(row.name);
    expect(again).toEqual(['n4', 'n5']);
  });

  it('sees a schema change made after the statement was kept', async () => {
    expect(await db.selectFrom('t').selectAll().where('id', '=', 1).execute()).toEqual([
      { id: 1, name: 'n1' },
    ]);
    await sql`alter table t add column extra text default 'x'`.execute(db);
    expect(await db.selectFrom('t').selectAll().where('id', '=', 1).execute()).toEqual([
      { id: 1, name: 'n1', extra: 'x' },
    ]);
  });
});
