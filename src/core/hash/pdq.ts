import { dct64To16 } from './dct.js';
import { jaroszDownsample, jaroszWindowSize } from './jarosz.js';
import { checkPixelBuffer, lumaFromImage, type RawImage } from './luma.js';
import type { PdqHash } from './pdq-hash.js';
import { PdqWasm, type PdqWasmOptions } from './pdq-wasm.js';

/**
 * PDQ, the "fullres" pipeline: Meta's PDQ core (pdqHash256FromFloatLuma) on the
 * full-resolution luma, with no pre-resize. This is what the pdqhash Python binding,
 * python-threatexchange and HMA compute, bit for bit. See shared/testdata/pdq/README.md.
 */

export const PDQ_MIN_HASHABLE_DIMENSION = 5;
/** The reference's pass count; the WebAssembly kernels are written for exactly this. */
const JAROSZ_PASSES = 2;

export interface PdqResult {
  readonly hash: PdqHash;
  /** 0..100; the reference recommends discarding hashes of quality < 50. */
  readonly quality: number;
}

export const dihedralNames = [
  'orig',
  'rot90',
  'rot180',
  'rot270',
  'flipx',
  'flipy',
  'flipp',
  'flipm',
] as const;
export type DihedralName = (typeof dihedralNames)[number];

export interface PdqDihedralResult {
  /** In the order of `dihedralNames` (the reference's --pdqdih-across order). */
  readonly hashes: readonly PdqHash[];
  readonly quality: number;
}

/** The stages, exposed for tests that compare against the reference's intermediates. */
export interface PdqStages {
  readonly tooSmall: boolean;
  readonly windowAlongRows: number;
  readonly windowAlongCols: number;
  readonly downsample: Float32Array; // 64x64 row-major
  readonly dct: Float32Array; // 16x16 row-major
  readonly quality: number;
}

/**
 * Reusable buffers, so a worker hashing many images does not allocate per image, and the
 * WebAssembly kernels (pdq-wasm.ts), one instance per scratch. `{ wasm: false }` keeps to the
 * JavaScript path, the tests' oracle (and the fallback where WebAssembly SIMD is missing).
 */
export class PdqScratch {
  readonly wasm: PdqWasm | undefined;
  private a = new Float32Array(0);
  private b = new Float32Array(0);

  constructor(options: { wasm?: boolean | PdqWasmOptions } = {}) {
    const { wasm = true } = options;
    this.wasm = wasm === false ? undefined : PdqWasm.create(wasm === true ? {} : wasm);
  }

  buffers(n: number): [Float32Array, Float32Array] {
    if (this.a.length < n) {
      this.a = new Float32Array(n);
      this.b = new Float32Array(n);
    }
    return [this.a, this.b];
  }
}

export function computePdq(image: RawImage, scratch = new PdqScratch()): PdqResult {
  const stages = computePdqStages(image, { blur64: false }, scratch);
  if (stages.tooSmall) return { hash: new Uint32Array(8), quality: 0 };
  return { hash: bitsAboveMedian(stages.dct), quality: stages.quality };
}

/**
 * The 8 dihedral hashes from one DCT (pdqDihedralHash256esFromFloatLuma): each rotation or
 * flip of the image is a sign change and/or transpose of the DCT coefficients.
 */
export function computePdqDihedral(image: RawImage, scratch = new PdqScratch()): PdqDihedralResult {
  const stages = computePdqStages(image, { blur64: true }, scratch);
  if (stages.tooSmall) {
    return { hashes: dihedralNames.map(() => new Uint32Array(8)), quality: 0 };
  }
  const hashes = dihedralNames.map((name) => bitsAboveMedian(dihedralDct(stages.dct, name)));
  return { hashes, quality: stages.quality };
}

/**
 * `blur64`: the reference's plain path skips the box filter for exactly 64x64 inputs; its
 * dihedral path does not.
 */
export function computePdqStages(
  image: RawImage,
  options: { blur64: boolean } = { blur64: false },
  scratch = new PdqScratch(),
): PdqStages {
  const rows = image.height;
  const cols = image.width;
  const windowAlongRows = jaroszWindowSize(cols, 64);
  const windowAlongCols = jaroszWindowSize(rows, 64);
  if (rows < PDQ_MIN_HASHABLE_DIMENSION || cols < PDQ_MIN_HASHABLE_DIMENSION) {
    return {
      tooSmall: true,
      windowAlongRows,
      windowAlongCols,
      downsample: new Float32Array(4096),
      dct: new Float32Array(256),
      quality: 0,
    };
  }
  const downsample = new Float32Array(4096);
  const blur = !(rows === 64 && cols === 64 && !options.blur64);
  checkPixelBuffer(image);
  // The WebAssembly kernels do the reference's two passes; false when out of memory.
  if (!scratch.wasm?.downsample(image, windowAlongRows, windowAlongCols, blur, downsample)) {
    // The filter's last stage works on a rows x 64 matrix, wider than the image when cols < 64.
    const [a, b] = scratch.buffers(rows * Math.max(cols, 64));
    lumaFromImage(image, a);
    if (blur) {
      jaroszDownsample(
        a,
        b,
        rows,
        cols,
        windowAlongRows,
        windowAlongCols,
        JAROSZ_PASSES,
        downsample,
      );
    } else {
      downsample.set(a.subarray(0, 4096));
    }
  }
  const quality = imageDomainQuality(downsample);
  return {
    tooSmall: false,
    windowAlongRows,
    windowAlongCols,
    downsample,
    dct: dct64To16(downsample),
    quality,
  };
}

/** Sum of truncated neighbour differences in percent of 255, over 90, capped at 100. */
export function imageDomainQuality(buffer64x64: Float32Array): number {
  const f = Math.fround;
  let gradientSum = 0;
  for (let i = 0; i < 63; i++) {
    for (let j = 0; j < 64; j++) {
      const d = Math.trunc(
        f(f(f(buffer64x64[i * 64 + j] - buffer64x64[(i + 1) * 64 + j]) * 100) / 255),
      );
      gradientSum += Math.abs(d);
    }
  }
  for (let i = 0; i < 64; i++) {
    for (let j = 0; j < 63; j++) {
      const d = Math.trunc(
        f(f(f(buffer64x64[i * 64 + j] - buffer64x64[i * 64 + j + 1]) * 100) / 255),
      );
      gradientSum += Math.abs(d);
    }
  }
  return Math.min(100, Math.trunc(gradientSum / 90));
}

/** The lower median of the 256 coefficients, as the reference's Torben median returns. */
export function lowerMedian(values: Float32Array): number {
  const sorted = Float32Array.from(values).sort();
  return sorted[(sorted.length - 1) >> 1];
}

/** Bit 16*i+j is set when coefficient (i, j) is strictly above the median. */
export function bitsAboveMedian(dct: Float32Array): PdqHash {
  const median = lowerMedian(dct);
  const hash = new Uint32Array(8);
  for (let k = 0; k < 256; k++) {
    if (dct[k] > median) hash[k >>> 5] |= 1 << (k & 31);
  }
  return hash;
}

/** The DCT of the rotated or flipped image, from the DCT of the original. */
export function dihedralDct(a: Float32Array, name: DihedralName): Float32Array {
  const b = new Float32Array(256);
  for (let i = 0; i < 16; i++) {
    for (let j = 0; j < 16; j++) {
      const v = a[i * 16 + j];
      switch (name) {
        case 'orig':
          b[i * 16 + j] = v;
          break;
        case 'rot90':
          b[j * 16 + i] = j & 1 ? v : -v;
          break;
        case 'rot180':
          b[i * 16 + j] = (i + j) & 1 ? -v : v;
          break;
        case 'rot270':
          b[j * 16 + i] = i & 1 ? v : -v;
          break;
        case 'flipx':
          b[i * 16 + j] = i & 1 ? v : -v;
          break;
        case 'flipy':
          b[i * 16 + j] = j & 1 ? v : -v;
          break;
        case 'flipp':
          b[j * 16 + i] = v;
          break;
        case 'flipm':
          b[j * 16 + i] = (i + j) & 1 ? -v : v;
          break;
      }
    }
  }
  return b;
}
