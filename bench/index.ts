/**
 * Benchmark of the PDQ multi-index (src/core/index/pdq-index.ts) on synthetic banks.
 *
 *   npm run bench:index                       # 1M and 10M hashes, random and clustered
 *   npm run bench:index -- --sizes 100000     # quick run
 *   options: --sizes N[,N...]  --queries Q (default 1000)  --seed S
 *
 * For each size and kind it prints, in one JSON line on stdout (progress goes to stderr): build
 * time, memory added by the index, query p50/p99 at threshold 31 (half the queries near a stored
 * hash, half random), recall against an independent brute force, linear-scan time on the same
 * data and the speed-up, and the time from `add` to a query that returns the new entry.
 *
 * Run with --expose-gc (the npm script does) so memory is measured after a full collection.
 */
import { loadavg } from 'node:os';
import { PdqIndex, type PdqMatch } from '../src/core/index/pdq-index.js';
import { popcount32 } from '../src/core/hash/pdq-hash.js';

const THRESHOLD = 31;
const RECALL_QUERIES = 100;
const SCAN_QUERIES = 30;
const MATCHABLE_TRIALS = 200;
const WARMUP_QUERIES = 100;

type BankKind = 'random' | 'clustered';

interface Options {
  sizes: number[];
  queries: number;
  seed: number;
}

function parseOptions(argv: readonly string[]): Options {
  const options: Options = { sizes: [1_000_000, 10_000_000], queries: 1000, seed: 20260717 };
  for (let i = 0; i < argv.length; i++) {
    const value = argv[i + 1];
    switch (argv[i]) {
      case '--sizes':
        options.sizes = (value ?? '').split(',').map((s) => Number.parseInt(s, 10));
        i++;
        break;
      case '--queries':
        options.queries = Number.parseInt(value ?? '', 10);
        i++;
        break;
      case '--seed':
        options.seed = Number.parseInt(value ?? '', 10);
        i++;
        break;
      default:
        throw new Error(`unknown argument ${argv[i]}`);
    }
  }
  const bad = options.sizes.some((n) => !Number.isInteger(n) || n < 1000);
  if (bad || !Number.isInteger(options.queries) || options.queries < 100) {
    throw new Error('--sizes takes integers >= 1000, --queries an integer >= 100');
  }
  return options;
}

/** mulberry32: a small seeded PRNG, uniform 32-bit outputs. */
function createRandom(seed: number): () => number {
  let state = seed | 0;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return (t ^ (t >>> 14)) >>> 0;
  };
}

/** Flips `bits` distinct random bits of the 8 words at out[at..]. */
function flipBits(out: Uint32Array, at: number, bits: number, random: () => number): void {
  const flipped = new Set<number>();
  while (flipped.size < bits) {
    const b = random() & 255;
    if (flipped.has(b)) continue;
    flipped.add(b);
    out[at + (b >>> 5)] ^= 1 << (b & 31);
  }
}

/**
 * A bank of n hashes. Random: uniform. Clustered: clusters of 1-20 near-duplicates, each within
 * 8 bits of the cluster's (random) centre, like re-encoded copies of one image.
 */
function generateBank(n: number, kind: BankKind, random: () => number): Uint32Array {
  const hashes = new Uint32Array(8 * n);
  for (let i = 0; i < 8 * n; i++) hashes[i] = random();
  if (kind === 'clustered') {
    const centre = new Uint32Array(8);
    for (let i = 0; i < n;) {
      const size = 1 + (random() % 20);
      for (let w = 0; w < 8; w++) centre[w] = random();
      for (let j = 0; j < size && i < n; j++, i++) {
        hashes.set(centre, 8 * i);
        flipBits(hashes, 8 * i, random() % 9, random);
      }
    }
  }
  return hashes;
}

/** Half near a stored hash (0-16 bits away: a true match), half uniform random. */
function generateQueries(bank: Uint32Array, count: number, random: () => number): Uint32Array[] {
  const n = bank.length / 8;
  const queries: Uint32Array[] = [];
  for (let i = 0; i < count; i++) {
    const q = new Uint32Array(8);
    if (i % 2 === 0) {
      const at = 8 * (random() % n);
      q.set(bank.subarray(at, at + 8));
      flipBits(q, 0, random() % 17, random);
    } else {
      for (let w = 0; w < 8; w++) q[w] = random();
    }
    queries.push(q);
  }
  return queries;
}

/** The oracle: compares the query with every hash of the bank (ids are positions). */
function bruteForce(bank: Uint32Array, q: Uint32Array, threshold: number): PdqMatch[] {
  const out: PdqMatch[] = [];
  for (let i = 0, n = bank.length / 8; i < n; i++) {
    let d = 0;
    for (let w = 0; w < 8 && d <= threshold; w++) d += popcount32(bank[8 * i + w] ^ q[w]);
    if (d <= threshold) out.push({ id: i, distance: d });
  }
  return out.sort((a, b) => a.distance - b.distance || a.id - b.id);
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

function round(x: number, digits = 4): number {
  return Number(x.toFixed(digits));
}

function collect(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

function memoryMb(): number {
  const m = process.memoryUsage();
  return (m.heapUsed + m.arrayBuffers) / 2 ** 20;
}

function timeQueries(index: PdqIndex, queries: readonly Uint32Array[]): number[] {
  return queries.map((q) => {
    const start = performance.now();
    index.query(q, THRESHOLD);
    return performance.now() - start;
  });
}

function summarize(times: readonly number[]): { p50Ms: number; p99Ms: number; meanMs: number } {
  const sorted = [...times].sort((a, b) => a - b);
  const mean = sorted.reduce((s, x) => s + x, 0) / sorted.length;
  return {
    p50Ms: round(percentile(sorted, 50)),
    p99Ms: round(percentile(sorted, 99)),
    meanMs: round(mean),
  };
}

function log(message: string): void {
  process.stderr.write(`[bench:index] ${message}\n`);
}

/** Ids are positions in the bank; the id array is garbage once the index is built. */
function buildIndex(bank: Uint32Array): PdqIndex {
  const index = new PdqIndex();
  index.bulkLoad(
    Int32Array.from({ length: bank.length / 8 }, (_, i) => i),
    bank,
  );
  return index;
}

function runOne(n: number, kind: BankKind, options: Options): Record<string, unknown> {
  const random = createRandom(options.seed ^ n ^ (kind === 'random' ? 0 : 0x5bd1e995));
  log(`${kind} n=${n}: generating`);
  const bank = generateBank(n, kind, random);
  collect();
  const before = memoryMb();

  log(`${kind} n=${n}: building`);
  const buildStart = performance.now();
  const index = buildIndex(bank);
  const buildS = (performance.now() - buildStart) / 1000;
  collect();
  const memory = memoryMb() - before;
  const rssAfterBuildMb = process.memoryUsage().rss / 2 ** 20;
  const stats = index.stats();

  log(`${kind} n=${n}: ${options.queries} queries`);
  const queries = generateQueries(bank, options.queries, random);
  timeQueries(index, generateQueries(bank, WARMUP_QUERIES, random));
  const times = timeQueries(index, queries);
  const near = times.filter((_, i) => i % 2 === 0);
  const far = times.filter((_, i) => i % 2 === 1);

  log(`${kind} n=${n}: recall on ${RECALL_QUERIES} queries (brute force)`);
  let expected = 0;
  let found = 0;
  let identical = 0;
  let bruteMs = 0;
  for (const q of queries.slice(0, RECALL_QUERIES)) {
    const start = performance.now();
    const truth = bruteForce(bank, q, THRESHOLD);
    bruteMs += performance.now() - start;
    const got = index.query(q, THRESHOLD);
    const keys = new Set(got.map((m) => `${m.id}:${m.distance}`));
    expected += truth.length;
    found += truth.filter((m) => keys.has(`${m.id}:${m.distance}`)).length;
    if (JSON.stringify(got) === JSON.stringify(truth)) identical++;
  }

  log(`${kind} n=${n}: linear scan on ${SCAN_QUERIES} queries`);
  const scanTimes = queries.slice(0, SCAN_QUERIES).map((q) => {
    const start = performance.now();
    index.query(q, THRESHOLD, { strategy: 'scan' });
    return performance.now() - start;
  });
  const scanMean = scanTimes.reduce((s, x) => s + x, 0) / scanTimes.length;
  const indexMean = times.reduce((s, x) => s + x, 0) / times.length;

  log(`${kind} n=${n}: time to matchable`);
  const matchable: number[] = [];
  let removedReturned = 0;
  for (let j = 0; j < MATCHABLE_TRIALS; j++) {
    const hash = generateQueries(bank, 1, random)[0];
    const id = n + j;
    const start = performance.now();
    index.add(id, hash);
    const hit = index.query(hash, THRESHOLD).some((m) => m.id === id);
    matchable.push(performance.now() - start);
    if (!hit) throw new Error(`added entry ${id} was not matchable`);
    index.remove(id);
    if (index.query(hash, THRESHOLD).some((m) => m.id === id)) removedReturned++;
  }
  const matchableSorted = matchable.sort((a, b) => a - b);

  log(`${kind} n=${n}: rebuild (what an automatic compaction costs)`);
  const compactStart = performance.now();
  index.compact();
  const compactS = (performance.now() - compactStart) / 1000;

  return {
    n,
    kind,
    layout: { substrings: stats.substrings, widths: stats.widths },
    largestBucket: stats.largestBucket,
    buildS: round(buildS, 2),
    memoryMb: round(memory, 1),
    indexBytesMb: round(stats.bytes / 2 ** 20, 1),
    rssAfterBuildMb: round(rssAfterBuildMb, 0),
    query: {
      threshold: THRESHOLD,
      count: times.length,
      ...summarize(times),
      near: summarize(near),
      random: summarize(far),
    },
    recall: expected === 0 ? 1 : found / expected,
    recallQueries: RECALL_QUERIES,
    recallTruePairs: expected,
    identicalToBruteForce: `${identical}/${RECALL_QUERIES}`,
    bruteForceMsPerQuery: round(bruteMs / RECALL_QUERIES, 2),
    linearScan: { queries: SCAN_QUERIES, meanMs: round(scanMean, 2) },
    speedup: round(scanMean / indexMean, 1),
    timeToMatchableMs: {
      p50: round(percentile(matchableSorted, 50)),
      max: round(matchableSorted[matchableSorted.length - 1]),
    },
    removedReturned,
    compactS: round(compactS, 2),
  };
}

function main(): void {
  const options = parseOptions(process.argv.slice(2));
  // The machine may be shared: the load average says how far to trust the latencies.
  const loadBefore = loadavg().map((x) => round(x, 2));
  if ((globalThis as { gc?: () => void }).gc === undefined) log('no --expose-gc: memory is noisy');
  const results: Record<string, unknown>[] = [];
  for (const n of options.sizes) {
    for (const kind of ['random', 'clustered'] as const) {
      results.push(runOne(n, kind, options));
      collect();
    }
  }
  const maxRssMb = round(process.resourceUsage().maxRSS / 1024, 0);
  process.stdout.write(
    `${JSON.stringify({
      bench: 'index',
      node: process.version,
      threshold: THRESHOLD,
      loadavg: { before: loadBefore, after: loadavg().map((x) => round(x, 2)) },
      maxRssMb,
      results,
    })}\n`,
  );
}

main();
