import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SafeguardError } from '../../../src/core/errors.js';
import { hammingDistance, pdqFromHex } from '../../../src/core/hash/pdq-hash.js';
import { PdqIndex, type PdqMatch } from '../../../src/core/index/pdq-index.js';
import { pdqDataDir } from '../../support/shared.js';

/** mulberry32: a small seeded PRNG owned by the test. */
function createRandom(seed: number): () => number {
  let state = seed | 0;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return (t ^ (t >>> 14)) >>> 0;
  };
}

function randomHash(random: () => number): Uint32Array {
  return Uint32Array.from({ length: 8 }, () => random());
}

function flipRandomBits(hash: Uint32Array, count: number, random: () => number): Uint32Array {
  const out = hash.slice();
  const bits = new Set<number>();
  while (bits.size < count) bits.add(random() & 255);
  for (const b of bits) out[b >>> 5] ^= 1 << (b & 31);
  return out;
}

function bruteForce(
  entries: ReadonlyMap<number, Uint32Array>,
  q: Uint32Array,
  t: number,
): PdqMatch[] {
  const out: PdqMatch[] = [];
  for (const [id, hash] of entries) {
    const distance = hammingDistance(q, hash);
    if (distance <= t) out.push({ id, distance });
  }
  return out.sort((a, b) => a.distance - b.distance || a.id - b.id);
}

function readHashes(name: string): Uint32Array[] {
  return readFileSync(join(pdqDataDir, 'data/reg-test-input', name), 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => pdqFromHex(line.trim()));
}

function invalidArgument(run: () => unknown): void {
  let caught: unknown;
  try {
    run();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(SafeguardError);
  expect((caught as SafeguardError).code).toBe('invalid_argument');
}

describe('PdqIndex on the reference needles and haystack', () => {
  // Ids are 1-based line numbers, as in the expected pairs file.
  const needles = readHashes('needles.txt');
  const haystack = readHashes('haystack.txt');
  const expectedPairs = readFileSync(
    join(pdqDataDir, 'expected/needles-vs-haystack.d32.csv'),
    'utf8',
  )
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => line.split(',').map(Number));

  function pairsAt32(index: PdqIndex): number[][] {
    const pairs: number[][] = [];
    needles.forEach((needle, i) => {
      for (const match of index.query(needle, 32)) pairs.push([i + 1, match.id, match.distance]);
    });
    return pairs;
  }

  const sortPairs = (pairs: number[][]) =>
    [...pairs].sort((a, b) => a[0] - b[0] || a[2] - b[2] || a[1] - b[1]);

  it('has the files the test expects', () => {
    expect(needles).toHaveLength(100);
    expect(haystack).toHaveLength(1350);
    expect(expectedPairs).toHaveLength(250);
  });

  it('finds exactly the 250 expected pairs after a bulk load', () => {
    const index = new PdqIndex();
    const words = new Uint32Array(8 * haystack.length);
    haystack.forEach((hash, i) => words.set(hash, 8 * i));
    index.bulkLoad(
      haystack.map((_, i) => i + 1),
      words,
    );
    expect(sortPairs(pairsAt32(index))).toEqual(sortPairs(expectedPairs));
  });

  it('finds exactly the 250 expected pairs after one-by-one adds, with the 10M layout', () => {
    const index = new PdqIndex({ expectedSize: 10_000_000 });
    haystack.forEach((hash, i) => index.add(i + 1, hash));
    expect(sortPairs(pairsAt32(index))).toEqual(sortPairs(expectedPairs));
  });
});

describe('PdqIndex', () => {
  it('orders results by distance, then id', () => {
    const random = createRandom(1);
    const centre = randomHash(random);
    const index = new PdqIndex();
    index.add(9, flipRandomBits(centre, 3, random));
    index.add(7, flipRandomBits(centre, 3, random));
    index.add(8, centre);
    index.add(1, flipRandomBits(centre, 5, random));
    expect(index.query(centre, 31)).toEqual([
      { id: 8, distance: 0 },
      { id: 7, distance: 3 },
      { id: 9, distance: 3 },
      { id: 1, distance: 5 },
    ]);
  });

  it('makes an added hash matchable at once and never returns a removed one', () => {
    const random = createRandom(2);
    const index = new PdqIndex();
    const words = new Uint32Array(8 * 5000);
    for (let i = 0; i < words.length; i++) words[i] = random();
    index.bulkLoad(
      Int32Array.from({ length: 5000 }, (_, i) => i),
      words,
    );
    const hash = randomHash(random);
    index.add(123_456, hash);
    expect(index.query(flipRandomBits(hash, 10, random), 31).map((m) => m.id)).toEqual([123_456]);
    expect(index.remove(123_456)).toBe(true);
    expect(index.query(hash, 31)).toEqual([]);
    // a bulk-loaded entry, removed and re-added with another hash
    const old = words.slice(8 * 42, 8 * 43);
    expect(index.remove(42)).toBe(true);
    expect(index.query(old, 0)).toEqual([]);
    index.add(42, hash);
    expect(index.query(old, 0)).toEqual([]);
    expect(index.query(hash, 0)).toEqual([{ id: 42, distance: 0 }]);
  });

  it('replaces the hash of an id that is added again', () => {
    const random = createRandom(3);
    const [a, b] = [randomHash(random), randomHash(random)];
    const index = new PdqIndex();
    index.add(1, a);
    index.add(1, a);
    expect(index.size).toBe(1);
    index.add(1, b);
    expect(index.size).toBe(1);
    expect(index.query(a, 0)).toEqual([]);
    expect(index.query(b, 0)).toEqual([{ id: 1, distance: 0 }]);
    expect(index.get(1)).toEqual(b);
    expect(index.get(2)).toBeUndefined();
  });

  it('reports removal of an absent id as false', () => {
    const index = new PdqIndex();
    expect(index.remove(5)).toBe(false);
    expect(index.remove(-1)).toBe(false);
    expect(index.has(5)).toBe(false);
    expect(index.query(new Uint32Array(8), 256)).toEqual([]);
  });

  it('rejects bad ids, hashes, thresholds and batches with invalid_argument', () => {
    const index = new PdqIndex();
    const hash = new Uint32Array(8);
    for (const id of [-1, 1.5, 2 ** 31, Number.NaN]) invalidArgument(() => index.add(id, hash));
    invalidArgument(() => index.add(1, new Uint32Array(7)));
    invalidArgument(() => index.add(1, [0, 0, 0, 0, 0, 0, 0, 0] as unknown as Uint32Array));
    for (const t of [-1, 257, 2.5]) invalidArgument(() => index.query(hash, t));
    invalidArgument(() => index.query(hash, 3, { strategy: 'fast' as 'auto' }));
    invalidArgument(() => index.bulkLoad([1, 2], new Uint32Array(8)));
    invalidArgument(() => index.bulkLoad([1, -2], new Uint32Array(16)));
    invalidArgument(() => new PdqIndex({ expectedSize: -3 }));
    expect(index.size).toBe(0);
  });

  it('stays exact across automatic rebuilds of a growing index', () => {
    const random = createRandom(4);
    const index = new PdqIndex();
    const model = new Map<number, Uint32Array>();
    const centres = Array.from({ length: 50 }, () => randomHash(random));
    for (let id = 0; id < 90_000; id++) {
      const hash = flipRandomBits(centres[id % 50], random() % 12, random);
      index.add(id, hash);
      model.set(id, hash);
      if (id % 7 === 0 && id > 0) {
        index.remove(id - 1);
        model.delete(id - 1);
      }
    }
    const stats = index.stats();
    expect(stats.bulkEntries).toBeGreaterThan(60_000); // rebuilt at least once
    expect(stats.size).toBe(model.size);
    for (let i = 0; i < 20; i++) {
      const q = flipRandomBits(centres[i], 6, random);
      expect(index.query(q, 10)).toEqual(bruteForce(model, q, 10));
    }
  });

  it('copes with heavy skew: thousands of identical hashes', () => {
    const random = createRandom(5);
    const blank = new Uint32Array(8); // e.g. the hash of many blank images
    const index = new PdqIndex();
    const model = new Map<number, Uint32Array>();
    const n = 20_000;
    const words = new Uint32Array(8 * n);
    for (let id = 0; id < n; id++) {
      const hash = id % 4 === 0 ? blank : randomHash(random);
      words.set(hash, 8 * id);
      model.set(id, hash);
    }
    index.bulkLoad(
      Int32Array.from({ length: n }, (_, i) => i),
      words,
    );
    expect(index.stats().largestBucket).toBeGreaterThanOrEqual(n / 4);
    expect(index.query(blank, 31)).toHaveLength(n / 4);
    const q = randomHash(random);
    expect(index.query(q, 31)).toEqual(bruteForce(model, q, 31));
    expect(index.remove(0)).toBe(true);
    expect(index.query(blank, 0)).toHaveLength(n / 4 - 1);
  });
});
