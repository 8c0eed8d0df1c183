import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jaroszWindowSize } from '../../../src/core/hash/jarosz.js';
import type { RawImage } from '../../../src/core/hash/luma.js';
import { computePdqStages, PdqScratch } from '../../../src/core/hash/pdq.js';
import { PdqWasm, pdqWasmSupported } from '../../../src/core/hash/pdq-wasm.js';

/**
 * The WebAssembly kernels against the JavaScript path (itself checked against Meta's
 * reference in test/media), bit for bit: downsample, DCT and quality.
 */

const js = new PdqScratch({ wasm: false });
const wasm = new PdqScratch();

type Fill = 'noise' | 'gradient' | 'extremes' | 'flat';

function imageOf(
  width: number,
  height: number,
  channels: 1 | 3,
  seed: number,
  fill: Fill,
): RawImage {
  const data = new Uint8Array(width * height * channels);
  let s = seed >>> 0;
  for (let i = 0; i < data.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const x = Math.trunc(i / channels) % width;
    if (fill === 'noise') data[i] = s >>> 24;
    else if (fill === 'gradient') data[i] = (x * 7 + Math.trunc(i / (width * channels)) * 3) & 255;
    else if (fill === 'extremes') data[i] = s & 0x100000 ? 255 : 0;
    else data[i] = seed & 255;
  }
  return { width, height, channels, data };
}

const bits = (a: Float32Array) => new Uint32Array(a.buffer, a.byteOffset, a.length);

function expectSameAsJs(image: RawImage, scratch = wasm): void {
  for (const blur64 of [false, true]) {
    const fast = computePdqStages(image, { blur64 }, scratch);
    const plain = computePdqStages(image, { blur64 }, js);
    expect(fast.tooSmall).toBe(plain.tooSmall);
    expect(bits(fast.downsample)).toEqual(bits(plain.downsample));
    expect(bits(fast.dct)).toEqual(bits(plain.dct));
    expect(fast.quality).toBe(plain.quality);
  }
}

/** The kernels alone, asserting they ran (no silent fallback to JavaScript). */
function wasmDownsample(kernels: PdqWasm, image: RawImage): Float32Array {
  const out = new Float32Array(4096);
  const ran = kernels.downsample(
    image,
    jaroszWindowSize(image.width, 64),
    jaroszWindowSize(image.height, 64),
    true,
    out,
  );
  expect(ran).toBe(true);
  return out;
}

const dimension = fc.oneof(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 5, max: 400 }));
const imageArb = fc
  .record({
    width: dimension,
    height: dimension,
    channels: fc.constantFrom<1 | 3>(1, 3),
    seed: fc.integer(),
    fill: fc.constantFrom<Fill>('noise', 'gradient', 'extremes', 'flat'),
  })
  .map(({ width, height, channels, seed, fill }) => imageOf(width, height, channels, seed, fill));

describe('PDQ WebAssembly kernels', () => {
  it('run on this Node (SIMD), and the default scratch uses them', () => {
    expect(pdqWasmSupported()).toBe(true);
    expect(wasm.wasm).toBeInstanceOf(PdqWasm);
    expect(js.wasm).toBeUndefined();
  });

  it('equal the JavaScript path bit for bit on random images of random sizes', () => {
    fc.assert(
      fc.property(imageArb, (image) => expectSameAsJs(image)),
      { numRuns: 200 },
    );
  }, 120_000);

  it('equal it on edge sizes: 1x1, the 5-pixel minimum, odd widths, 64x64, wide and tall', () => {
    const sizes = [
      [1, 1],
      [4, 4],
      [5, 5],
      [5, 7],
      [7, 5],
      [6, 9],
      [63, 64],
      [64, 64],
      [65, 65],
      [127, 5],
      [5, 127],
      [1001, 9],
      [9, 1001],
      [2047, 33],
    ];
    for (const [width, height] of sizes) {
      for (const channels of [1, 3] as const) {
        expectSameAsJs(imageOf(width, height, channels, width * 31 + height, 'noise'));
      }
    }
  });

  it('equal it on a 2-megapixel photo-sized image', () => {
    expectSameAsJs(imageOf(1732, 1155, 3, 7, 'noise'));
    expectSameAsJs(imageOf(1155, 1733, 3, 8, 'gradient'));
  });

  it('grow memory for a bigger image and carry nothing over to the next', () => {
    const kernels = PdqWasm.create();
    if (!kernels) throw new Error('no WebAssembly SIMD');
    const plain = new PdqScratch({ wasm: false });
    for (const [width, height, channels] of [
      [50, 40, 3],
      [900, 700, 3],
      [13, 11, 1],
      [700, 900, 1],
      [50, 40, 3],
    ] as const) {
      const image = imageOf(width, height, channels, width + height, 'noise');
      const fast = wasmDownsample(kernels, image);
      expect(bits(fast)).toEqual(bits(computePdqStages(image, { blur64: true }, plain).downsample));
    }
    expect(kernels.memoryBytes).toBeGreaterThan(900 * 700 * 3);
  });

  it('drop memory over retainBytes after the image, and still hash the next one', () => {
    const scratch = new PdqScratch({ wasm: { retainBytes: 1024 * 1024 } });
    expectSameAsJs(imageOf(100, 80, 3, 1, 'noise'), scratch);
    expect(scratch.wasm?.memoryBytes).toBeGreaterThan(0);
    expectSameAsJs(imageOf(800, 600, 3, 2, 'noise'), scratch);
    expect(scratch.wasm?.memoryBytes).toBe(0);
    expectSameAsJs(imageOf(100, 80, 3, 3, 'gradient'), scratch);
    expect(scratch.wasm?.memoryBytes).toBeLessThanOrEqual(1024 * 1024);
  });

  it('decline an image wasm32 memory cannot hold (the caller falls back to JavaScript)', () => {
    const kernels = PdqWasm.create();
    const out = new Float32Array(4096);
    // Only the buffer's length is read before declining. 70000 x 70000 grey: 4.9 GB of
    // pixels, over the 4 GiB a wasm32 memory addresses; 5 x 10,000,000: 50 MB of pixels, but
    // its rows x 64 work matrices take 5 GB.
    for (const [width, height] of [
      [70_000, 70_000],
      [5, 10_000_000],
    ]) {
      const huge = { width, height, channels: 1, data: { length: width * height } };
      const windows = [jaroszWindowSize(width, 64), jaroszWindowSize(height, 64)] as const;
      expect(kernels?.downsample(huge as unknown as RawImage, ...windows, true, out)).toBe(false);
    }
    expect(out.every((v) => v === 0)).toBe(true);
  });

  it('the committed module is what its AssemblyScript sources compile to', () => {
    const script = fileURLToPath(new URL('../../../scripts/build-wasm.js', import.meta.url));
    const run = spawnSync(process.execPath, [script, '--check'], { encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
  }, 120_000);
});
