import { spawn } from 'node:child_process';
import { statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { pdqSignals } from './store-fixture.js';
import { createSqliteDatabase } from './test-databases.js';
import type { TestDatabase } from './test-databases.js';

const fixture = fileURLToPath(new URL('fixtures/import-until-killed.ts', import.meta.url));
const repositoryRoot = fileURLToPath(new URL('../..', import.meta.url));

/** Waits until the child has printed a count of at least `count`; resolves with that count. */
function waitForProgress(child: ReturnType<typeof spawn>, count: number): Promise<number> {
  return new Promise((resolve, reject) => {
    let stderr = '';
    let stdout = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const lines = stdout.split('\n');
      stdout = lines.pop() ?? '';
      const last = Number(lines.at(-1));
      if (last >= count) resolve(last);
    });
    child.on('exit', (code) => reject(new Error(`the import exited early (${code}): ${stderr}`)));
  });
}

describe('BankStore on sqlite: an import killed with SIGKILL', () => {
  let database: TestDatabase;
  beforeEach(async () => {
    database = await createSqliteDatabase();
  });
  afterEach(async () => {
    await database.drop();
  });

  it('leaves the bank as it was before the import', async () => {
    if (database.config.kind !== 'sqlite') throw new Error('expected a SQLite database');
    const path = database.config.path;
    const store = await database.open();
    const bank = await store.banks.createBank({ name: 'target' });
    await store.banks.addSignals(bank.id, pdqSignals(0, 3));
    const before = {
      bank: await store.banks.getBank(bank.id),
      signals: await store.banks.listSignals(bank.id, { limit: 100 }),
      seq: await store.banks.currentSeq(),
    };
    await store.close();

    const child = spawn(process.execPath, ['--import', 'tsx', fixture, path, String(bank.id)], {
      cwd: repositoryRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      child.on('exit', (_code, signal) => resolve(signal)),
    );
    const imported = await waitForProgress(child, 150_000);
    // The uncommitted import has reached the disk, in the write-ahead log.
    expect(statSync(`${path}-wal`).size).toBeGreaterThan(1_000_000);
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    expect(imported).toBeGreaterThanOrEqual(150_000);

    const reopened = await database.open();
    const integrity = await sql<{ integrity_check: string }>`pragma integrity_check`.execute(
      reopened.db,
    );
    expect(integrity.rows).toEqual([{ integrity_check: 'ok' }]);
    expect({
      bank: await reopened.banks.getBank(bank.id),
      signals: await reopened.banks.listSignals(bank.id, { limit: 100 }),
      seq: await reopened.banks.currentSeq(),
    }).toEqual(before);
    const rows = await reopened.db
      .selectFrom('signals')
      .select((eb) => eb.fn.countAll<number>().as('count'))
      .executeTakeFirstOrThrow();
    expect(rows.count).toBe(3);
    expect(await reopened.banks.changesSince(before.seq, 10)).toEqual([]);
    // And the store takes writes again.
    expect(await reopened.banks.addSignals(bank.id, pdqSignals(10, 2))).toEqual({
      added: 2,
      duplicates: 0,
    });
  }, 60_000);
});
