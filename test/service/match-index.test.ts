import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { pdqFromHex } from '../../src/core/hash/pdq-hash.js';
import { matchHashes } from '../../src/service/match-hashes.js';
import { MatchIndex } from '../../src/service/match-index.js';
import { matchVideo } from '../../src/service/match-video.js';
import { defaultVpdqMatchRule } from '../../src/core/video/vpdq-index.js';
import { vpdqSignalValue, type VpdqFrame } from '../../src/core/video/vpdq.js';
import type { Store } from '../../src/store/open-store.js';
import { databaseKinds, type TestDatabase } from '../store/test-databases.js';

const A = 'f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22';
const FAR = '0'.repeat(64);
const MD5 = '8bbbaa9540800e378beadc8bbef7bb32';
const SHA = '05636c50d0c2ffe3a820f964eaba35b404deadd10538fe452ad9fb16fdd823d7';

function flip(hex: string, bits: number[]): string {
  const digits = hex.split('').map((d) => Number.parseInt(d, 16));
  for (const k of bits) digits[63 - (k >> 2)] ^= 1 << (k & 3);
  return digits.map((d) => d.toString(16)).join('');
}

describe.each(databaseKinds.filter((k) => k.enabled))('MatchIndex on $name', (kind) => {
  let database: TestDatabase;
  let store: Store;

  beforeEach(async () => {
    database = await kind.create();
    store = await database.open();
  });
  afterEach(async () => {
    await database.drop();
  });

  async function loaded(): Promise<MatchIndex> {
    const index = new MatchIndex({ bankStore: store.banks });
    await index.load();
    return index;
  }

  it('loads every live PDQ, MD5 and SHA-256 signal and finds them', async () => {
    const bank = await store.banks.createBank({ name: 'known' });
    await store.banks.addSignals(bank.id, [
      { type: 'pdq', value: A, metadata: { category: 'A1' } },
      { type: 'md5', value: MD5 },
      { type: 'sha256', value: SHA },
      { type: 'url', value: 'http://example.invalid/x' },
    ]);
    const index = await loaded();
    expect(index.stats().signals).toEqual({ pdq: 1, md5: 1, sha256: 1, vpdq: 0 });
    const near = flip(A, [1, 7, 100, 200]);
    const hits = index.lookup({ pdq: [pdqFromHex(near)], md5: [MD5.toUpperCase()], sha256: [SHA] });
    expect(hits.map((h) => [h.signalType, h.distance, h.value])).toEqual([
      ['pdq', 4, A],
      ['md5', 0, MD5],
      ['sha256', 0, SHA],
    ]);
    expect(index.lookup({ pdq: [pdqFromHex(FAR)] })).toEqual([]);
  });

  it('sees a signal added, then removed, after sync', async () => {
    const bank = await store.banks.createBank({ name: 'live' });
    const index = await loaded();
    expect(index.lookup({ pdq: [pdqFromHex(A)] })).toEqual([]);
    await store.banks.addSignals(bank.id, [{ type: 'pdq', value: A }]);
    expect(await index.sync()).toBeGreaterThan(0);
    expect(index.lookup({ pdq: [pdqFromHex(A)] })).toHaveLength(1);
    await store.banks.removeSignals(bank.id, [{ type: 'pdq', value: A }]);
    await index.sync();
    expect(index.lookup({ pdq: [pdqFromHex(A)] })).toEqual([]);
  });

  it('follows bank settings and deletions', async () => {
    const bank = await store.banks.createBank({ name: 'b', pdqThreshold: 2 });
    await store.banks.addSignals(bank.id, [
      { type: 'pdq', value: A },
      { type: 'md5', value: MD5 },
    ]);
    const index = await loaded();
    const deps = { matchIndex: index, bankStore: store.banks };
    const near = flip(A, [3, 9, 77]);
    expect((await matchHashes(deps, { pdq: { hash: near, quality: 100 } })).verdict).toBe('allow');
    await store.banks.updateBank(bank.id, { pdqThreshold: 10, action: 'review' });
    await index.sync();
    const review = await matchHashes(deps, { pdq: { hash: near, quality: 100 } });
    expect(review.verdict).toBe('review');
    expect(review.matches[0]).toMatchObject({
      bank: 'b',
      signalType: 'pdq',
      distance: 3,
      value: A,
    });
    await store.banks.updateBank(bank.id, { enabled: false });
    await index.sync();
    expect((await matchHashes(deps, { md5: MD5 })).verdict).toBe('allow');
    await store.banks.deleteBank(bank.id);
    await index.sync();
    expect(index.stats().signals).toEqual({ pdq: 0, md5: 0, sha256: 0, vpdq: 0 });
    expect(index.stats().banks).toBe(0);
  });

  it('matchHashes reports metadata, allow banks and the quality gate', async () => {
    const known = await store.banks.createBank({ name: 'known' });
    const fp = await store.banks.createBank({ name: 'false-positives', kind: 'allow' });
    await store.banks.addSignals(known.id, [
      { type: 'pdq', value: A, metadata: { category: 'A1', source: 'ncmec' } },
      { type: 'pdq', value: FAR },
      { type: 'md5', value: MD5 },
    ]);
    await store.banks.addSignals(fp.id, [{ type: 'pdq', value: FAR }]);
    const index = await loaded();
    const deps = { matchIndex: index, bankStore: store.banks };
    const block = await matchHashes(deps, { pdq: { hash: A, quality: 90 } });
    expect(block.verdict).toBe('block');
    expect(block.matches[0].metadata).toEqual({ category: 'A1', source: 'ncmec' });
    const suppressed = await matchHashes(deps, { pdq: { hash: FAR, quality: 90 } });
    expect(suppressed.verdict).toBe('allow');
    expect(suppressed.suppressed).toHaveLength(1);
    const flat = await matchHashes(deps, { pdq: { hash: A, quality: 10 } });
    expect(flat.verdict).toBe('allow');
    expect(flat.reasons[0]).toMatch(/quality 10 is below 50/);
    const exact = await matchHashes(deps, { pdq: { hash: A, quality: 10 }, md5: MD5 });
    expect(exact.verdict).toBe('block');
  });

  it('matches videos: a clip, a compilation, frames showing a banked image; follows removals', async () => {
    // Ten distinct frame hashes: each is A with a different block of 40 bits flipped.
    const hashes = Array.from({ length: 10 }, (_, i) =>
      flip(
        A,
        Array.from({ length: 40 }, (_, b) => (i * 40 + b) % 256),
      ),
    );
    const video = (list: string[], q = 100): VpdqFrame[] =>
      list.map((hash, i) => ({ frame: i * 30, quality: q, hash, timestamp: i }));
    const banked = video(hashes.slice(0, 8));
    const bank = await store.banks.createBank({ name: 'videos', pdqThreshold: 31 });
    await store.banks.addSignals(bank.id, [
      { type: 'vpdq', value: vpdqSignalValue(banked), metadata: { sourceId: 'v1' } },
    ]);
    const index = await loaded();
    expect(index.stats().signals.vpdq).toBe(1);
    const deps = { matchIndex: index, bankStore: store.banks };

    // A clip (frames 2..5, each 3 bits off): all of it is in the banked video.
    const clip = video(hashes.slice(2, 6).map((h) => flip(h, [3, 90, 200])));
    const clipped = await matchVideo(deps, { frames: clip }, defaultVpdqMatchRule);
    expect(clipped.verdict).toBe('block');
    expect(clipped.matches[0]).toMatchObject({
      signalType: 'vpdq',
      distance: 3,
      metadata: { sourceId: 'v1' },
      video: { queryPct: 100, targetPct: 50, queryMatched: 4, targetMatched: 4 },
    });
    expect(clipped.matches[0].video?.pairs[0]).toEqual({
      queryTimestamp: 0,
      targetTimestamp: 2,
      distance: 3,
    });

    // A compilation: unrelated frames around the whole banked video.
    const other = Array.from({ length: 12 }, (_, i) =>
      createHash('sha256').update(`unrelated frame ${i}`).digest('hex'),
    );
    const compilation = video([...other.slice(0, 6), ...hashes.slice(0, 8), ...other.slice(6)]);
    const compiled = await matchVideo(deps, { frames: compilation }, defaultVpdqMatchRule);
    expect(compiled.verdict).toBe('block');
    expect(compiled.matches[0].video).toMatchObject({ targetPct: 100, queryMatched: 8 });

    // Unrelated: nothing; flat frames (quality < 50) are not matched at all.
    expect((await matchVideo(deps, { frames: video(other) }, defaultVpdqMatchRule)).verdict).toBe(
      'allow',
    );
    const flat = await matchVideo(deps, { frames: video(hashes, 20) }, defaultVpdqMatchRule);
    expect(flat.verdict).toBe('allow');
    expect(flat.reasons[0]).toMatch(/no frame had PDQ quality >= 50/);

    // A frame of an upload showing a banked image is a PDQ match with its timestamp.
    const images = await store.banks.createBank({ name: 'images', action: 'review' });
    await store.banks.addSignals(images.id, [{ type: 'pdq', value: other[3] }]);
    await index.sync();
    const shown = await matchVideo(deps, { frames: video(other) }, defaultVpdqMatchRule);
    expect(shown.verdict).toBe('review');
    expect(shown.matches).toMatchObject([{ signalType: 'pdq', bank: 'images', timestamps: [3] }]);

    await store.banks.removeSignals(bank.id, [{ type: 'vpdq', value: vpdqSignalValue(banked) }]);
    await index.sync();
    expect(index.stats().signals.vpdq).toBe(0);
    expect((await matchVideo(deps, { frames: clip }, defaultVpdqMatchRule)).verdict).toBe('allow');
  });

  it('two indexes on one database converge', async () => {
    const other = await database.open();
    const bank = await store.banks.createBank({ name: 'shared' });
    const first = await loaded();
    const second = new MatchIndex({ bankStore: other.banks });
    await second.load();
    await other.banks.addSignals(bank.id, [{ type: 'sha256', value: SHA }]);
    await Promise.all([first.sync(), second.sync()]);
    expect(first.lookup({ sha256: [SHA] })).toHaveLength(1);
    expect(second.lookup({ sha256: [SHA] })).toHaveLength(1);
    expect(first.stats().seq).toBe(second.stats().seq);
  });
});
