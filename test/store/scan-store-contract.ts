import { describe, expect, it } from 'vitest';
import type { Scan, ScanQuery, ScanStore } from '../../src/service/ports/scan-store.js';
import { expectSafeguardError, useStore } from './store-fixture.js';
import { makeScan, matchReport, scanTime } from './scan-store-fixture.js';
import type { DatabaseKind } from './test-databases.js';

/** Every page of a query, following `next`, checking that only the last page lacks one. */
async function listAll(scans: ScanStore, query: Omit<ScanQuery, 'before'>): Promise<Scan[]> {
  const all: Scan[] = [];
  let before: string | undefined;
  for (let pages = 0; pages < 1_000; pages++) {
    const page = await scans.list({ ...query, ...(before === undefined ? {} : { before }) });
    expect(page.scans.length).toBeLessThanOrEqual(query.limit);
    all.push(...page.scans);
    if (page.next === undefined) return all;
    expect(page.scans).toHaveLength(query.limit);
    before = page.next;
  }
  throw new Error('listAll: the pages never end');
}

const ids = (scans: readonly Scan[]): string[] => scans.map((scan) => scan.id);

/** Recording scans and reading them back: what every ScanStore must do, on every database. */
export function describeScanStoreContract(kind: DatabaseKind): void {
  describe.skipIf(!kind.enabled)(`ScanStore on ${kind.name}`, () => {
    const fixture = useStore(kind);

    it('records a scan and gets it back field for field, JSON included', async () => {
      const scan = makeScan(1, {
        kind: 'lookup',
        verdict: 'block',
        contentId: 'post/42 ünïcode',
        uploaderId: 'user-7',
        keyId: 'key_1',
        matches: [
          matchReport('csam-hashes'),
          matchReport('other', {
            signalType: 'md5',
            value: 'b'.repeat(32),
            distance: 0,
            metadata: null,
          }),
        ],
        reasons: ["bank 'csam-hashes' (block) matched pdq at distance 3", 'a "quoted" reason'],
        durationMs: 12.345,
      });
      await fixture.store.scans.record(scan);
      expect(await fixture.store.scans.get(scan.id)).toEqual(scan);
      expect(await fixture.store.scans.get('scan-99999')).toBeUndefined();
    });

    it('leaves out the optional fields a scan did not have', async () => {
      const scan = makeScan(2, { hashes: { md5: 'd'.repeat(32) }, durationMs: 0 });
      await fixture.store.scans.record(scan);
      const got = await fixture.store.scans.get(scan.id);
      expect(got).toStrictEqual(scan);
      expect(Object.keys(got ?? {})).not.toContain('contentId');
    });

    it('refuses a second scan with a recorded id, keeping the first', async () => {
      await fixture.store.scans.record(makeScan(1));
      await expectSafeguardError(
        fixture.store.scans.record(makeScan(1, { verdict: 'block' })),
        'conflict',
        /^A scan with id scan-00001 is already recorded\.$/,
      );
      expect((await fixture.store.scans.get('scan-00001'))?.verdict).toBe('allow');
    });

    it('records a batch of thousands across several statements', async () => {
      const batch = Array.from({ length: 2_500 }, (_, i) => makeScan(i + 1));
      await fixture.store.scans.recordMany(batch);
      await fixture.store.scans.recordMany([]);
      const all = await listAll(fixture.store.scans, { limit: 1_000 });
      expect(all).toHaveLength(2_500);
      expect(all[0]).toEqual(batch[2_499]);
      expect(all[2_499]).toEqual(batch[0]);
    });

    it('records a batch all or nothing: an id repeated or already recorded fails it all', async () => {
      await fixture.store.scans.record(makeScan(1_500));
      const batch = Array.from({ length: 2_000 }, (_, i) => makeScan(i + 1));
      await expectSafeguardError(
        fixture.store.scans.recordMany(batch),
        'conflict',
        /^A scan with id scan-01500 is already recorded\.$/,
      );
      await expectSafeguardError(
        fixture.store.scans.recordMany([makeScan(7), makeScan(8), makeScan(7)]),
        'conflict',
        /^Scan id scan-00007 appears twice in the batch\.$/,
      );
      expect(ids((await fixture.store.scans.list({ limit: 10 })).scans)).toEqual(['scan-01500']);
    });

    it('lists newest first, ties broken by id, each scan on exactly one page', async () => {
      const scans = [
        makeScan(1),
        makeScan(2, { id: 'b-same-time', createdAt: scanTime(10) }),
        makeScan(3, { id: 'a-same-time', createdAt: scanTime(10) }),
        makeScan(4, { id: 'c-same-time', createdAt: scanTime(10) }),
        makeScan(5, { createdAt: scanTime(-3_600) }),
        makeScan(6),
      ];
      await fixture.store.scans.recordMany(scans);
      const expected = [
        'c-same-time',
        'b-same-time',
        'a-same-time',
        'scan-00006',
        'scan-00001',
        'scan-00005',
      ];
      expect(ids((await fixture.store.scans.list({ limit: 100 })).scans)).toEqual(expected);
      for (const limit of [1, 2, 3, 5, 6]) {
        expect(ids(await listAll(fixture.store.scans, { limit })), `limit ${limit}`).toEqual(
          expected,
        );
      }
      const first = await fixture.store.scans.list({ limit: 2 });
      expect(ids(first.scans)).toEqual(['c-same-time', 'b-same-time']);
      const second = await fixture.store.scans.list({ limit: 2, before: first.next });
      expect(ids(second.scans)).toEqual(['a-same-time', 'scan-00006']);
      // A scan recorded later but older than the cursor still shows up on the later pages.
      await fixture.store.scans.record(makeScan(7, { createdAt: scanTime(-1) }));
      const rest = await fixture.store.scans.list({ limit: 10, before: second.next });
      expect(ids(rest.scans)).toEqual(['scan-00001', 'scan-00007', 'scan-00005']);
      expect(rest.next).toBeUndefined();
    });

    it('filters by verdict, contentId and uploaderId, alone or together, across pages', async () => {
      const verdictOf = ['allow', 'review', 'block'] as const;
      await fixture.store.scans.recordMany(
        Array.from({ length: 30 }, (_, i) =>
          makeScan(i + 1, {
            verdict: verdictOf[i % 3],
            ...(i % 2 === 0 ? { contentId: `content-${i % 4}` } : {}),
            ...(i % 5 === 0 ? {} : { uploaderId: `user-${i % 5}` }),
          }),
        ),
      );
      const numbers = (scans: Scan[]): number[] => scans.map((scan) => Number(scan.id.slice(5)));
      const expectNumbers = (predicate: (i: number) => boolean): number[] =>
        Array.from({ length: 30 }, (_, i) => i)
          .filter(predicate)
          .map((i) => i + 1)
          .reverse();

      expect(numbers(await listAll(fixture.store.scans, { verdict: 'block', limit: 4 }))).toEqual(
        expectNumbers((i) => i % 3 === 2),
      );
      expect(
        numbers(await listAll(fixture.store.scans, { contentId: 'content-2', limit: 3 })),
      ).toEqual(expectNumbers((i) => i % 2 === 0 && i % 4 === 2));
      expect(
        numbers(await listAll(fixture.store.scans, { uploaderId: 'user-3', limit: 2 })),
      ).toEqual(expectNumbers((i) => i % 5 === 3));
      expect(
        numbers(
          await listAll(fixture.store.scans, {
            verdict: 'review',
            contentId: 'content-0',
            uploaderId: 'user-1',
            limit: 1,
          }),
        ),
      ).toEqual(expectNumbers((i) => i % 3 === 1 && i % 4 === 0 && i % 5 === 1));
      expect(
        (await fixture.store.scans.list({ contentId: 'no-such-content', limit: 5 })).scans,
      ).toEqual([]);
    });

    it('refuses a bad scan, naming the field, and records nothing of its batch', async () => {
      const bad: [Partial<Scan>, RegExp][] = [
        [{ id: 'has space' }, /scan id must be 1 to 64 letters/],
        [{ id: 'x'.repeat(65) }, /scan id must be 1 to 64/],
        [{ createdAt: '2024-05-01T00:00:00Z' }, /createdAt must be an ISO 8601 UTC time/],
        [{ createdAt: '2024-02-30T00:00:00.000Z' }, /createdAt must be an ISO 8601 UTC time/],
        [
          { kind: 'movie' as Scan['kind'] },
          /kind must be one of image, lookup, video, stream; got "movie"/,
        ],
        [{ verdict: 'maybe' as Scan['verdict'] }, /verdict must be one of allow, review, block/],
        [{ contentId: 'c'.repeat(201) }, /contentId must be a string of 1 to 200 characters/],
        [{ uploaderId: '' }, /uploaderId must be a string of 1 to 200 characters/],
        [{ hashes: { pdq: 'A'.repeat(64) } }, /hashes\.pdq must be 64 lowercase hex digits/],
        [{ hashes: { md5: 'b'.repeat(31) } }, /hashes\.md5 must be 32 lowercase hex digits/],
        [{ hashes: { quality: 101 } }, /hashes\.quality must be an integer from 0 to 100/],
        [{ durationMs: -1 }, /durationMs must be a finite number/],
        [{ durationMs: Number.NaN }, /durationMs must be a finite number/],
        [{ reasons: [1] as unknown as string[] }, /reasons must be a list of strings/],
      ];
      for (const [overrides, message] of bad) {
        await expectSafeguardError(
          fixture.store.scans.recordMany([makeScan(1), makeScan(2, overrides)]),
          'invalid_argument',
          message,
        );
      }
      expect((await fixture.store.scans.list({ limit: 10 })).scans).toEqual([]);
    });

    it('refuses a bad limit, cursor or id', async () => {
      await fixture.store.scans.record(makeScan(1));
      for (const limit of [0, 1_001, 1.5]) {
        await expectSafeguardError(
          fixture.store.scans.list({ limit }),
          'invalid_argument',
          /limit must be an integer from 1 to 1000/,
        );
      }
      const casesCursor = Buffer.from(JSON.stringify([5])).toString('base64url');
      const badTime = Buffer.from(JSON.stringify(['yesterday', 'scan-1'])).toString('base64url');
      for (const before of ['', 'not a cursor', casesCursor, badTime]) {
        await expectSafeguardError(
          fixture.store.scans.list({ limit: 5, before }),
          'invalid_argument',
          /before must be the `next` cursor of a previous page/,
        );
      }
      await expectSafeguardError(
        fixture.store.scans.get('../etc'),
        'invalid_argument',
        /scan id must be/,
      );
    });
  });
}
