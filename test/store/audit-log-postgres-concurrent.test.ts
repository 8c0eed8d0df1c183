import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../../src/store/open-store.js';
import { createPostgresDatabase, databaseUrl } from './test-databases.js';
import type { TestDatabase } from './test-databases.js';

/**
 * Several processes appending to one PostgreSQL audit log, as several nodes do behind a load
 * balancer: each store has its own pool, as a separate process would. The chain must come
 * out as one: seqs 1..n with no gap or repeat, every link sound.
 */
describe.skipIf(databaseUrl === undefined)('AuditLog on postgres: concurrent appenders', () => {
  let database: TestDatabase;
  beforeEach(async () => {
    database = await createPostgresDatabase(databaseUrl ?? '');
  });
  afterEach(async () => {
    await database.drop();
  });

  it('keeps one valid chain while two stores append and a third verifies', async () => {
    const writers: Store[] = [await database.open(), await database.open()];
    const reader = await database.open();
    let writing = true;
    const verifying = (async () => {
      let runs = 0;
      while (writing || runs === 0) {
        const result = await reader.audit.verify({ pageSize: 13 });
        expect(result.ok, JSON.stringify(result)).toBe(true);
        runs += 1;
      }
      return runs;
    })();
    const work = async (store: Store, writer: number, worker: number): Promise<void> => {
      for (let i = 0; i < 15; i += 1) {
        const subject = `scan:${writer}-${worker}-${i}`;
        if (i % 5 === 4) {
          await store.audit.appendMany([
            { actor: 'system', action: 'scan.verdict', subject, details: { i, part: 1 } },
            { actor: 'system', action: 'scan.verdict', subject, details: { i, part: 2 } },
          ]);
        } else {
          await store.audit.append({
            actor: 'system',
            action: 'scan.verdict',
            subject,
            details: { i },
          });
        }
      }
    };
    try {
      await Promise.all(
        writers.flatMap((store, writer) =>
          [0, 1, 2, 3].map((worker) => work(store, writer, worker)),
        ),
      );
    } finally {
      writing = false;
      await verifying.catch(() => undefined);
    }
    expect(await verifying).toBeGreaterThan(0);
    const total = 2 * 4 * (15 + 3);
    expect(await reader.audit.verify()).toMatchObject({ ok: true, rows: total });
    const entries = await reader.audit.list({ limit: 1000 });
    expect(entries.map((e) => e.seq)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    expect(new Set(entries.map((e) => `${e.subject}/${JSON.stringify(e.details)}`)).size).toBe(
      total,
    );
  });
});
