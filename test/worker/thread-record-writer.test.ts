import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../src/store/open-store.js';
import { ThreadRecordWriter } from '../../src/worker/thread-record-writer.js';
import type { Scan } from '../../src/service/ports/scan-store.js';
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

  const verdictEntry = (scan: Scan) => ({
    actor: 'system',
    action: 'scan.verdict',
    subject: `scan:${scan.id}`,
    details: { verdict: scan.verdict },
    at: scan.createdAt,
  });

  it('writes a batch in one go: scans, the cases of the flagged ones, audit entries with their case ids', async () => {
    const allows = [makeScan(1), makeScan(2)];
    const blocked = makeScan(3, { verdict: 'block', matches: [matchReport('csam')] });
    const reviewed = makeScan(4, { verdict: 'review', matches: [matchReport('csam')] });
    const [opened, openedToo] = await writer.write({
      scans: [...allows, blocked, reviewed],
      audits: [...allows, blocked, reviewed].map(verdictEntry),
      cases: [
        { scan: blocked, audit: 2 },
        { scan: reviewed, audit: 3 },
      ],
    });
    expect(opened.opened).toBe(true);
    expect(openedToo.case.id).not.toBe(opened.case.id);
    expect((await store.scans.get('scan-00002'))?.verdict).toBe('allow');
    expect((await store.cases.getByScanId('scan-00003'))?.id).toBe(opened.case.id);
    expect((await store.cases.getByScanId('scan-00004'))?.id).toBe(openedToo.case.id);
    const audit = await store.audit.list({ limit: 10 });
    expect(audit.map((e) => e.subject)).toEqual([
      'scan:scan-00001',
      'scan:scan-00002',
      'scan:scan-00003',
      'scan:scan-00004',
    ]);
    expect(audit[2].details).toEqual({ verdict: 'block', caseId: opened.case.id });
    expect(audit[3].details).toEqual({ verdict: 'review', caseId: openedToo.case.id });
    expect(audit[0].details).toEqual({ verdict: 'allow' });
    // Opening again returns the same case.
    const again = await writer.write({
      scans: [],
      audits: [verdictEntry(blocked)],
      cases: [{ scan: blocked, audit: 0 }],
    });
    expect(again).toMatchObject([{ opened: false, case: { id: opened.case.id } }]);
  });

  it('all or nothing: a batch the store refuses leaves nothing behind, and the error keeps its code', async () => {
    await writer.write({ scans: [makeScan(1)], audits: [verdictEntry(makeScan(1))] });
    const blocked = makeScan(3, { verdict: 'block', matches: [matchReport('csam')] });
    // scan-00001 again: a conflict, so neither scan-00002, the block, its case nor any entry.
    await expect(
      writer.write({
        scans: [makeScan(2), makeScan(1), blocked],
        audits: [makeScan(2), makeScan(1), blocked].map(verdictEntry),
        cases: [{ scan: blocked, audit: 2 }],
      }),
    ).rejects.toMatchObject({ code: 'conflict' });
    expect(await store.scans.get('scan-00002')).toBeUndefined();
    expect(await store.cases.getByScanId('scan-00003')).toBeUndefined();
    expect((await store.audit.list({ limit: 10 })).map((e) => e.seq)).toEqual([1]);
    expect((await store.audit.verify()).ok).toBe(true);
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
        await writer.write({
          scans: [],
          audits: [entry(`t${worker}-${i}a`), entry(`t${worker}-${i}b`)],
        });
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

  it('keeps grooming state on its connection: compare-and-set, author standings, errors with their code', async () => {
    const grooming = writer.grooming;
    expect(await grooming.getConversation('chat-1')).toBeUndefined();
    const author = { author: 'u1', risk: 0.4, alerted: false };
    expect(await grooming.saveConversation('chat-1', '{"n":1}', 0, [author])).toBe(1);
    // A writer that computed from version 0 too loses.
    expect(await grooming.saveConversation('chat-1', '{"n":9}', 0, [author])).toBeUndefined();
    expect(
      await grooming.saveConversation('chat-1', '{"n":2}', 1, [{ ...author, risk: 0.9 }]),
    ).toBe(2);
    // The main connection reads what the thread wrote.
    expect(await store.grooming.getConversation('chat-1')).toEqual({
      id: 'chat-1',
      version: 2,
      state: '{"n":2}',
    });
    expect(await grooming.getAuthor('u1')).toMatchObject({ risk: 0.9, conversations: 1 });
    await expect(grooming.getConversation('x'.repeat(201))).rejects.toMatchObject({
      code: 'invalid_argument',
    });
  });

  it('refuses writes once closed', async () => {
    await writer.write({ scans: [makeScan(1)], audits: [] });
    await writer.close();
    await expect(writer.write({ scans: [makeScan(2)], audits: [] })).rejects.toMatchObject({
      code: 'internal',
    });
  });
});
