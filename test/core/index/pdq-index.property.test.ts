import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hammingDistance } from '../../../src/core/hash/pdq-hash.js';
import {
  PdqIndex,
  type PdqMatch,
  type PdqQueryStrategy,
} from '../../../src/core/index/pdq-index.js';
import { chooseSubstringLayout, probeRadii } from '../../../src/core/index/substring-layout.js';

/**
 * The index must answer exactly like brute force, whatever happened to it: bulk loads, adds,
 * removes, re-adds of removed ids, replaced hashes, compactions, on random and on clustered
 * banks, with each substring layout (chosen through expectedSize).
 */

type Model = Map<number, Uint32Array>;

function bruteForce(model: Model, query: Uint32Array, threshold: number): PdqMatch[] {
  const out: PdqMatch[] = [];
  for (const [id, hash] of model) {
    const distance = hammingDistance(query, hash);
    if (distance <= threshold) out.push({ id, distance });
  }
  return out.sort((a, b) => a.distance - b.distance || a.id - b.id);
}

function flip(hash: Uint32Array, bits: readonly number[]): Uint32Array {
  const out = hash.slice();
  for (const b of bits) out[b >>> 5] ^= 1 << (b & 31);
  return out;
}

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

const hashArb = fc.uint32Array({ minLength: 8, maxLength: 8 });
const flipsArb = (max: number) =>
  fc.uniqueArray(fc.integer({ min: 0, max: 255 }), { maxLength: max });

/**
 * A pool of hashes the operations draw from. Random: independent hashes. Clustered: small
 * perturbations (up to 12 bits) of one to three centres, plus a few farther ones (up to 40
 * bits), so results at thresholds 0..63 are many and buckets are crowded.
 */
const poolArb = fc.oneof(
  fc.array(hashArb, { minLength: 1, maxLength: 40 }),
  fc
    .record({
      centres: fc.array(hashArb, { minLength: 1, maxLength: 3 }),
      members: fc.array(fc.tuple(fc.nat(), fc.oneof(flipsArb(12), flipsArb(40))), {
        minLength: 1,
        maxLength: 40,
      }),
    })
    .map(({ centres, members }) =>
      members.map(([c, bits]) => flip(centres[c % centres.length], bits)),
    ),
);

const ID_RANGE = 48;
const opArb = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({ op: fc.constant('add' as const), id: fc.nat(ID_RANGE), hash: fc.nat() }),
  },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('remove' as const), id: fc.nat(ID_RANGE) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('compact' as const) }) },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('bulk' as const),
      entries: fc.array(fc.tuple(fc.nat(ID_RANGE), fc.nat()), { maxLength: 30 }),
    }),
  },
);

const queryArb = fc.record({ base: fc.nat(), bits: flipsArb(40), random: fc.option(hashArb) });

const scenarioArb = fc.record({
  expectedSize: fc.constantFrom(0, 200_000, 1_000_000, 4_000_000, 10_000_000),
  pool: poolArb,
  initial: fc.array(fc.tuple(fc.nat(ID_RANGE), fc.nat()), { maxLength: 40 }),
  ops: fc.array(opArb, { maxLength: 60 }),
  queries: fc.array(queryArb, { minLength: 1, maxLength: 4 }),
  thresholds: fc.array(fc.integer({ min: 0, max: 63 }), { minLength: 1, maxLength: 3 }),
});

const STRATEGIES: readonly PdqQueryStrategy[] = ['auto', 'probe', 'scan'];

describe('PdqIndex equals brute force', () => {
  it('after any sequence of bulk loads, adds, removes and compactions', () => {
    fc.assert(
      fc.property(scenarioArb, (s) => {
        const pick = (n: number) => s.pool[n % s.pool.length];
        const index = new PdqIndex({ expectedSize: s.expectedSize });
        const model: Model = new Map();

        const bulkLoad = (entries: ReadonlyArray<readonly [number, number]>) => {
          const words = new Uint32Array(8 * entries.length);
          entries.forEach(([id, h], i) => {
            words.set(pick(h), 8 * i);
            model.set(id, pick(h));
          });
          index.bulkLoad(
            entries.map(([id]) => id),
            words,
          );
        };

        bulkLoad(s.initial);
        for (const op of s.ops) {
          switch (op.op) {
            case 'add':
              index.add(op.id, pick(op.hash));
              model.set(op.id, pick(op.hash));
              break;
            case 'remove':
              expect(index.remove(op.id)).toBe(model.delete(op.id));
              break;
            case 'compact':
              index.compact();
              break;
            case 'bulk':
              bulkLoad(op.entries);
              break;
          }
        }

        expect(index.size).toBe(model.size);
        for (const id of [...Array(ID_RANGE + 1).keys()]) expect(index.has(id)).toBe(model.has(id));
        for (const q of s.queries) {
          const query = q.random ?? flip(pick(q.base), q.bits);
          for (const threshold of [0, 31, 32, 63, ...s.thresholds]) {
            const expected = bruteForce(model, query, threshold);
            for (const strategy of STRATEGIES) {
              expect(index.query(query, threshold, { strategy })).toEqual(expected);
            }
          }
        }
      }),
      { numRuns: 150 },
    );
  });

  it('at every threshold 0..256 on a clustered bank', () => {
    fc.assert(
      fc.property(
        hashArb,
        fc.array(flipsArb(80), { minLength: 1, maxLength: 60 }),
        (centre, members) => {
          const index = new PdqIndex();
          const model: Model = new Map();
          members.forEach((bits, id) => {
            index.add(id, flip(centre, bits));
            model.set(id, flip(centre, bits));
          });
          for (let threshold = 0; threshold <= 256; threshold += 1 + (threshold >> 4)) {
            expect(index.query(centre, threshold)).toEqual(bruteForce(model, centre, threshold));
          }
        },
      ),
      { numRuns: 30 },
    );
  });
});

describe('PdqIndex at the pigeonhole boundary', () => {
  /**
   * For each substring k, a hash that differs from the query by radii[j] + 1 bits in every
   * other substring j and by radii[k] bits in k: its distance is exactly the threshold, and
   * only substring k's probe can find it. One more bit anywhere must put it out.
   */
  it('finds entries that only one substring reaches', () => {
    const caseArb = fc.record({
      expectedSize: fc.constantFrom(0, 200_000, 1_000_000, 4_000_000, 10_000_000),
      query: hashArb,
      threshold: fc.integer({ min: 0, max: 63 }),
      seed: fc.integer(),
      viaBulk: fc.boolean(),
    });
    fc.assert(
      fc.property(caseArb, ({ expectedSize, query, threshold, seed, viaBulk }) => {
        const layout = chooseSubstringLayout(1, expectedSize);
        const radii = probeRadii(layout, threshold);
        const random = createRandom(seed);
        const pickBits = (k: number, count: number): number[] => {
          const bits = new Set<number>();
          while (bits.size < Math.min(count, layout.widths[k])) {
            bits.add(layout.offsets[k] + (random() % layout.widths[k]));
          }
          return [...bits];
        };
        const entries: Uint32Array[] = [];
        for (let k = 0; k < layout.count; k++) {
          if (radii[k] < 0) continue;
          const bits: number[] = [];
          for (let j = 0; j < layout.count; j++)
            bits.push(...pickBits(j, j === k ? radii[k] : radii[j] + 1));
          const onBoundary = flip(query, bits);
          expect(hammingDistance(onBoundary, query)).toBe(threshold);
          entries.push(onBoundary);
          const outside = pickBits((k + 1) % layout.count, layout.widths[0]).find(
            (b) => !bits.includes(b),
          );
          if (outside !== undefined) entries.push(flip(onBoundary, [outside]));
        }
        const index = new PdqIndex({ expectedSize });
        const model: Model = new Map(entries.map((hash, id) => [id, hash]));
        if (viaBulk) {
          const words = new Uint32Array(8 * entries.length);
          entries.forEach((hash, i) => words.set(hash, 8 * i));
          index.bulkLoad(
            entries.map((_, i) => i),
            words,
          );
        } else {
          entries.forEach((hash, id) => index.add(id, hash));
        }
        const expected = bruteForce(model, query, threshold);
        expect(index.query(query, threshold, { strategy: 'probe' })).toEqual(expected);
        expect(index.query(query, threshold)).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });
});
