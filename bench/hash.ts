/**
 * npm run bench:hash — hashing throughput (PDQ + MD5 + SHA-256, decode included) over
 *   1. the shared reference test images (../shared/testdata/pdq), and
 *   2. a set of generated 2-megapixel JPEGs (1732x1155, quality 90, cached in bench/.cache),
 * with one hashing thread and with one per core (the threads hash on the WebAssembly kernels);
 * then the stages of one 2 MP image in this thread, PDQ on the WebAssembly kernels and on the
 * JavaScript path. Prints one JSON line on stdout (with the load average before and after);
 * progress goes to stderr.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { md5Hex, sha256Hex } from '../src/core/hash/digest.js';
import { jaroszDownsample, jaroszWindowSize } from '../src/core/hash/jarosz.js';
import { lumaFromImage } from '../src/core/hash/luma.js';
import { computePdq, PdqScratch } from '../src/core/hash/pdq.js';
import { SharpImageDecoder } from '../src/media/sharp-image-decoder.js';
import { HashPool } from '../src/worker/hash-pool.js';

const here = dirname(fileURLToPath(import.meta.url));
const shared = resolve(here, '../../shared/testdata/pdq');
const cache = join(here, '.cache/jpeg-2mp');
const GENERATED = 200;
const WIDTH = 1732;
const HEIGHT = 1155;
const limits = { maxPixels: 64_000_000, maxBytes: 64 * 1024 * 1024 };

function listImages(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const full = join(dir, name);
      if (statSync(full).isDirectory()) return listImages(full);
      return /\.(jpe?g|png|webp)$/i.test(name) ? [full] : [];
    });
}

/** Photo-like content: smooth gradients, shapes and noise, different per seed. */
async function generateJpegs(): Promise<string[]> {
  mkdirSync(cache, { recursive: true });
  const paths: string[] = [];
  for (let i = 0; i < GENERATED; i++) {
    const path = join(cache, `img-${String(i).padStart(3, '0')}.jpg`);
    paths.push(path);
    if (existsSync(path)) continue;
    const raw = Buffer.alloc(WIDTH * HEIGHT * 3);
    let seed = i * 2654435761 + 1;
    const rand = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
    const fx = 1 + rand() * 6;
    const fy = 1 + rand() * 6;
    const cx = rand() * WIDTH;
    const cy = rand() * HEIGHT;
    for (let y = 0; y < HEIGHT; y++) {
      for (let x = 0; x < WIDTH; x++) {
        const p = 3 * (y * WIDTH + x);
        const d = Math.hypot(x - cx, y - cy) < HEIGHT / 4 ? 60 : 0;
        const n = rand() * 24;
        raw[p] = 100 + 80 * Math.sin(((fx * x) / WIDTH) * Math.PI) + d + n;
        raw[p + 1] = 100 + 80 * Math.cos(((fy * y) / HEIGHT) * Math.PI) - d + n;
        raw[p + 2] = 128 + 60 * Math.sin(((x + y) * fx) / WIDTH) + n;
      }
    }
    const jpeg = await sharp(raw, { raw: { width: WIDTH, height: HEIGHT, channels: 3 } })
      .jpeg({ quality: 90 })
      .toBuffer();
    writeFileSync(path, jpeg);
    if (i % 20 === 0) process.stderr.write(`generated ${i + 1}/${GENERATED} JPEGs\r`);
  }
  process.stderr.write('\n');
  return paths;
}

async function measure(paths: string[], threads: number, rounds: number) {
  const pool = new HashPool(threads);
  const bytes = paths.reduce((sum, p) => sum + statSync(p).size, 0);
  try {
    await Promise.all(paths.slice(0, threads * 4).map((p) => pool.hashFile(p, { limits }))); // warm-up
    const started = process.hrtime.bigint();
    for (let r = 0; r < rounds; r++) {
      const inFlight = new Set<Promise<unknown>>();
      for (const path of paths) {
        const job = pool.hashFile(path, { limits }).finally(() => inFlight.delete(job));
        inFlight.add(job);
        if (inFlight.size >= threads * 4) await Promise.race(inFlight);
      }
      await Promise.all(inFlight);
    }
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const images = paths.length * rounds;
    return {
      threads,
      images,
      seconds: round(seconds, 3),
      imagesPerSecond: round(images / seconds, 1),
      mbPerSecond: round((bytes * rounds) / 1e6 / seconds, 1),
    };
  } finally {
    await pool.close();
  }
}

/**
 * The stages of one 2 MP image in this thread, each the best of 5 batches (the machine is
 * shared): decode, digests, PDQ on the WebAssembly kernels and on the JavaScript path (whole,
 * and its luma and Jarosz filters; the rest of PDQ is the DCT, median and quality).
 */
async function stages2mp(path: string) {
  sharp.concurrency(1); // as in a hashing thread
  const bytes = readFileSync(path);
  const decoder = new SharpImageDecoder();
  const decode = () => decoder.decode(bytes, limits);
  const image = await decode();
  const rows = image.height;
  const cols = image.width;
  const windowAlongRows = jaroszWindowSize(cols, 64);
  const windowAlongCols = jaroszWindowSize(rows, 64);
  const wasm = new PdqScratch();
  const js = new PdqScratch({ wasm: false });
  const [a, b] = [new Float32Array(rows * cols), new Float32Array(rows * cols)];
  const out = new Float32Array(4096);
  const kernels = wasm.wasm;
  return {
    megapixels: round((cols * rows) / 1e6, 2),
    msPerImage: {
      decode: await bestOf(decode),
      md5AndSha256: await bestOf(() => (md5Hex(bytes), sha256Hex(bytes))),
      pdqWasm: await bestOf(() => computePdq(image, wasm)),
      lumaAndFiltersWasm: kernels
        ? await bestOf(() => kernels.downsample(image, windowAlongRows, windowAlongCols, true, out))
        : null,
      pdqJs: await bestOf(() => computePdq(image, js)),
      lumaJs: await bestOf(() => lumaFromImage(image, a)),
      filtersJs: await bestOf(
        () => {
          lumaFromImage(image, a);
          jaroszDownsample(a, b, rows, cols, windowAlongRows, windowAlongCols, 2, out);
        },
        () => lumaFromImage(image, a),
      ),
    },
  };
}

/** Milliseconds per call, best of 5 batches of 10; `minus` is subtracted (its own best). */
async function bestOf(task: () => unknown, minus?: () => unknown): Promise<number> {
  const time = async (f: () => unknown) => {
    for (let i = 0; i < 3; i++) await f();
    let best = Infinity;
    for (let batch = 0; batch < 5; batch++) {
      const started = process.hrtime.bigint();
      for (let i = 0; i < 10; i++) await f();
      best = Math.min(best, Number(process.hrtime.bigint() - started) / 1e6 / 10);
    }
    return best;
  };
  return round((await time(task)) - (minus ? await time(minus) : 0), 2);
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

const cores = availableParallelism();
const loadAtStart = loadavg().map((x) => round(x, 2));
const testImages = listImages(shared);
const jpegs = await generateJpegs();
process.stderr.write(`shared test images: ${testImages.length}; 2 MP JPEGs: ${jpegs.length}\n`);
const result = {
  bench: 'hash',
  cores,
  sharedTestImages: {
    count: testImages.length,
    singleThread: await measure(testImages, 1, 5),
    allCores: await measure(testImages, cores, 5),
  },
  jpeg2mp: {
    count: jpegs.length,
    size: `${WIDTH}x${HEIGHT}`,
    singleThread: await measure(jpegs, 1, 1),
    allCores: await measure(jpegs, cores, 1),
  },
  stages2mp: await stages2mp(jpegs[0]),
  loadAverage: { start: loadAtStart, end: loadavg().map((x) => round(x, 2)) },
  referenceGoal: 'Meta C++ pdq-photo-hasher: about 550 photos/s on its benchmark',
};
process.stdout.write(`${JSON.stringify(result)}\n`);
