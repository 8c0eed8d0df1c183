import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  bitsAboveMedian,
  computePdqDihedral,
  computePdqStages,
  lowerMedian,
  PdqScratch,
} from '../../src/core/hash/pdq.js';
import { pdqToHex } from '../../src/core/hash/pdq-hash.js';
import { SharpImageDecoder } from '../../src/media/sharp-image-decoder.js';
import { pdqDataDir } from '../support/shared.js';

/**
 * Stage by stage against the reference's internal buffers (pixel-exact/intermediates), for
 * lossless inputs: Jarosz window sizes, the 64x64 downsample, the 16x16 DCT, the median,
 * the quality, the hash and the 8 dihedral hashes. Values are float32 printed with 9
 * significant digits, so Math.fround of the parsed number is the exact float32.
 */
interface Stage {
  too_small: boolean;
  jarosz_window_along_rows: number;
  jarosz_window_along_cols: number;
  quality: number;
  hash: string;
  dihedral: Record<string, string>;
  dct_median: number;
  downsample64x64_row_major?: number[];
  dct16x16_row_major?: number[];
}

const root = join(pdqDataDir, 'pixel-exact/intermediates');

function listJson(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    return statSync(full).isDirectory() ? listJson(full) : name.endsWith('.json') ? [full] : [];
  });
}

function inputFor(jsonPath: string): string {
  const rel = relative(root, jsonPath).replace(/\.json$/, '');
  if (rel.startsWith('data/')) return join(pdqDataDir, rel);
  return join(pdqDataDir, 'pixel-exact', rel);
}

function expectFloat32Equal(actual: Float32Array, expected: number[], what: string): void {
  expect(actual.length, what).toBe(expected.length);
  const firstBad = expected.findIndex((v, i) => Math.fround(v) !== actual[i]);
  expect(firstBad, `${what}: first differing index`).toBe(-1);
}

const decoder = new SharpImageDecoder();
const cases = listJson(root).map((path) => ({ name: relative(root, path), path }));

// Both paths: the WebAssembly kernels (the default) and the JavaScript they fall back to.
describe.each([
  { kernels: 'WebAssembly', wasm: true },
  { kernels: 'JavaScript', wasm: false },
])('PDQ stages vs the reference intermediates (fullres, $kernels)', ({ wasm }) => {
  const scratch = new PdqScratch({ wasm });

  it('has cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(25);
    expect(scratch.wasm !== undefined).toBe(wasm);
  });

  it.each(cases)('$name', async ({ path }) => {
    const expected = (JSON.parse(readFileSync(path, 'utf8')) as { fullres: Stage }).fullres;
    const image = await decoder.decode(readFileSync(inputFor(path)), { maxPixels: 1e8 });
    const stages = computePdqStages(image, { blur64: false }, scratch);
    expect(stages.tooSmall).toBe(expected.too_small);
    if (expected.too_small) return;
    if (expected.jarosz_window_along_rows !== -1) {
      expect(stages.windowAlongRows).toBe(expected.jarosz_window_along_rows);
      expect(stages.windowAlongCols).toBe(expected.jarosz_window_along_cols);
    }
    if (expected.downsample64x64_row_major) {
      expectFloat32Equal(stages.downsample, expected.downsample64x64_row_major, 'downsample');
    }
    if (expected.dct16x16_row_major) {
      expectFloat32Equal(stages.dct, expected.dct16x16_row_major, 'dct');
    }
    expect(lowerMedian(stages.dct)).toBe(Math.fround(expected.dct_median));
    expect(stages.quality).toBe(expected.quality);
    expect(pdqToHex(bitsAboveMedian(stages.dct))).toBe(expected.hash);
    const dihedral = computePdqDihedral(image, scratch);
    expect(dihedral.hashes.map(pdqToHex)).toEqual(Object.values(expected.dihedral));
  });
});
