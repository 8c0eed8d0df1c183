/**
 * npm run bench:hash — hashing throughput (PDQ + MD5 + SHA-256, decode included) over
 *   1. the shared reference test images (../shared/testdata/pdq), and
 *   2. a set of generated 2-megapixel JPEGs (1732x1155, quality 90, cached in bench/.cache),
 * with one hashing thread and with one per core. Also the PDQ core alone on a 2 MP image.
 * Prints one JSON line on stdout; progress goes to stderr.
 */
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { computePdq, PdqScratch } from '../src/core/hash/pdq.js';
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

async function pdqCoreOnly(path: string) {
  const { data, info } = await sharp(path).raw().toBuffer({ resolveWithObject: true });
  const image = { width: info.width, height: info.height, channels: 3 as const, data };
  const scratch = new PdqScratch();
  for (let i = 0; i < 5; i++) computePdq(image, scratch);
  const n = 50;
  const started = process.hrtime.bigint();
  for (let i = 0; i < n; i++) computePdq(image, scratch);
  const ms = Number(process.hrtime.bigint() - started) / 1e6 / n;
  return { megapixels: round((info.width * info.height) / 1e6, 2), msPerImage: round(ms, 2) };
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

const cores = availableParallelism();
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
  pdqCoreOnly2mp: await pdqCoreOnly(jpegs[0]),
  referenceGoal: 'Meta C++ pdq-photo-hasher: about 550 photos/s on its benchmark',
};
process.stdout.write(`${JSON.stringify(result)}\n`);
