/**
 * Inputs of `npm run bench:server`: a seeded PRNG, the bank CSV of random PDQ hashes, the
 * 2-megapixel JPEGs (the generator of bench/hash.ts, same seeds and cache files) and the
 * mixed lookup bodies.
 */
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  renameSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';

/** mulberry32: small, fast, good enough for benchmark data. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

export function randomHex(rand: () => number, digits: number): string {
  let out = '';
  while (out.length < digits) {
    out += Math.floor(rand() * 2 ** 32)
      .toString(16)
      .padStart(8, '0');
  }
  return out.slice(0, digits);
}

/** Flips `bits` distinct bits of a 64-hex-digit PDQ hash. */
export function flipBits(hex: string, bits: number, rand: () => number): string {
  const digits = hex.split('').map((c) => Number.parseInt(c, 16));
  const chosen = new Set<number>();
  while (chosen.size < bits) chosen.add(Math.floor(rand() * 256));
  for (const bit of chosen) digits[bit >> 2] ^= 1 << (bit & 3);
  return digits.map((d) => d.toString(16)).join('');
}

/**
 * Writes `count` random PDQ hashes, one bare hash per line (the `bank import --type pdq`
 * format); returns every `sampleEvery`-th one, to build matching lookups from.
 */
export function writeBankCsv(path: string, count: number, seed: number, sampleEvery = 1000) {
  const rand = prng(seed);
  const sample: string[] = [];
  const fd = openSync(path, 'w');
  try {
    const batch: string[] = [];
    for (let i = 0; i < count; i++) {
      const hash = randomHex(rand, 64);
      if (i % sampleEvery === 0) sample.push(hash);
      batch.push(hash);
      if (batch.length === 10_000 || i === count - 1) {
        writeSync(fd, `${batch.join('\n')}\n`);
        batch.length = 0;
      }
    }
  } finally {
    closeSync(fd);
  }
  return sample;
}

export const JPEG_WIDTH = 1732;
export const JPEG_HEIGHT = 1155;

/**
 * The photo-like 2 MP JPEGs of bench/hash.ts (smooth gradients, a disc and noise; the same
 * seeds, so the same files in the same cache). Written to a temporary name and renamed, so a
 * concurrent `bench:hash` never reads half a file.
 */
export async function ensureJpegs(cache: string, count: number): Promise<string[]> {
  mkdirSync(cache, { recursive: true });
  const paths: string[] = [];
  for (let i = 0; i < count; i++) {
    const path = join(cache, `img-${String(i).padStart(3, '0')}.jpg`);
    paths.push(path);
    if (existsSync(path)) continue;
    const raw = Buffer.alloc(JPEG_WIDTH * JPEG_HEIGHT * 3);
    let seed = i * 2654435761 + 1;
    const rand = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
    const fx = 1 + rand() * 6;
    const fy = 1 + rand() * 6;
    const cx = rand() * JPEG_WIDTH;
    const cy = rand() * JPEG_HEIGHT;
    for (let y = 0; y < JPEG_HEIGHT; y++) {
      for (let x = 0; x < JPEG_WIDTH; x++) {
        const p = 3 * (y * JPEG_WIDTH + x);
        const d = Math.hypot(x - cx, y - cy) < JPEG_HEIGHT / 4 ? 60 : 0;
        const n = rand() * 24;
        raw[p] = 100 + 80 * Math.sin(((fx * x) / JPEG_WIDTH) * Math.PI) + d + n;
        raw[p + 1] = 100 + 80 * Math.cos(((fy * y) / JPEG_HEIGHT) * Math.PI) - d + n;
        raw[p + 2] = 128 + 60 * Math.sin(((x + y) * fx) / JPEG_WIDTH) + n;
      }
    }
    const jpeg = await sharp(raw, { raw: { width: JPEG_WIDTH, height: JPEG_HEIGHT, channels: 3 } })
      .jpeg({ quality: 90 })
      .toBuffer();
    writeFileSync(`${path}.${process.pid}.tmp`, jpeg);
    renameSync(`${path}.${process.pid}.tmp`, path);
    process.stderr.write(`generated JPEG ${i + 1}/${count}\r`);
  }
  return paths;
}

export interface BankedImage {
  readonly pdq: string;
  readonly md5: string;
  readonly sha256: string;
}

/**
 * Lookup bodies, about `matchShare` of them matching: PDQ hashes 1–12 bits from a banked one
 * (70% of the matches) and the MD5 or SHA-256 of a banked image (30%). The rest match
 * nothing: a random PDQ (bare or with a quality), a random MD5, or all three types at once.
 */
export function lookupBodies(
  count: number,
  seed: number,
  bankedPdq: readonly string[],
  bankedImages: readonly BankedImage[],
  matchShare: number,
): string[] {
  const rand = prng(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)];
  const bodies: string[] = [];
  for (let i = 0; i < count; i++) {
    const r = rand();
    let body: object;
    if (r < matchShare * 0.7) {
      body = { pdq: [flipBits(pick(bankedPdq), 1 + Math.floor(rand() * 12), rand)] };
    } else if (r < matchShare) {
      const image = pick(bankedImages);
      body = rand() < 0.5 ? { md5: [image.md5] } : { sha256: [image.sha256] };
    } else {
      const kind = rand();
      if (kind < 0.25) body = { pdq: [randomHex(rand, 64)] };
      else if (kind < 0.5) body = { pdq: [{ hash: randomHex(rand, 64), quality: 90 }] };
      else if (kind < 0.75) body = { md5: [randomHex(rand, 32)] };
      else
        body = {
          pdq: [randomHex(rand, 64)],
          md5: [randomHex(rand, 32)],
          sha256: [randomHex(rand, 64)],
        };
    }
    bodies.push(JSON.stringify(body));
  }
  return bodies;
}
