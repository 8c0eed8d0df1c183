import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../src/store/open-store.js';
import { ThreadRecordWriter } from '../../src/worker/thread-record-writer.js';
import { makeScan, matchReport } from '../store/scan-store-fixture.js';

/**
 * The recording thread writes on its own connection to the server's SQLite file while the main
 * thread's connection writes too: both append to one audit chain, which must come out whole.
 */
describe('ThreadRecordWriter', () => {
  let dir: string;
  let store: Store;
  let writer: ThreadRecordWriter;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'safeguard-record-thread-'));
    store = await openStore({ kind: 'sqlite', path: join(dir, 'safeguard.sqlite') });
    writer = new ThreadRecordWriter(join(dir, 'safeguard.sqlite'));
  });
  afterEach(async () => {
    await writer.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('records scans and opens cases that the main connection reads', async () => {
    await writer.recordMany([makeScan(1), makeScan(2)]);
    const blocked = makeScan(3, { verdict: 'block', matches: [matchReport('csam')] });
    await writer.record(blocked);
    const opened = await writer.open(blocked);
    expect(opened.opened).toBe(true);
    expect((await writer.open(blocked)).case.id).toBe(opened.case.id);
    expect((await store.scans.get('scan-00002'))?.verdict).toBe('allow');
    expect((await store.cases.getByScanId('scan-00003'))?.id).toBe(opened.case.id);
  });

  it("passes the store's errors back with their code", async () => {
    await writer.record(makeScan(1));
    await expect(writer.record(makeScan(1))).rejects.toMatchObject({ code: 'conflict' });
    await expect(writer.recordMany([makeScan(2), makeScan(2)])).rejects.toMatchObject({
      code: 'conflict',
    });
  });

  it('keeps one audit chain while the thread and the main connection append at once', async () => {
    const entry = (subject: string) => ({
      actor: 'system',
      action: 'scan.verdict',
      subject,
      details: { subject },
    });
    const fromThread = async (worker: number) => {
      for (let i = 0; i < 20; i += 1) {
        await writer.appendMany([entry(`t${worker}-${i}a`), entry(`t${worker}-${i}b`)]);
      }
    };
    const fromMain = async (worker: number) => {
      for (let i = 0; i < 20; i += 1) await store.audit.append(entry(`m${worker}-${i}`));
    };
    await Promise.all([fromThread(0), fromThread(1), fromMain(0), fromMain(1)]);
    const verification = await store.audit.verify({ pageSize: 17 });
    expect(verification.ok, JSON.stringify(verification)).toBe(true);
    const all = await store.audit.list({ limit: 1000 });
    expect(all.map((e) => e.seq)).toEqual(Array.from({ length: 120 }, (_, i) => i + 1));
    expect(new Set(all.map((e) => e.subject)).size).toBe(120);
  });

  it('refuses writes once closed', async () => {
    await writer.record(makeScan(1));
    await writer.close();
    await expect(writer.record(makeScan(2))).rejects.toMatchObject({ code: 'internal' });
  });
});
