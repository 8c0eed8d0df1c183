import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DCT_MATRIX } from '../../../src/core/hash/dct.js';
import { pdqDataDir } from '../../support/shared.js';

describe('DCT matrix', () => {
  it('equals the reference 16x64 matrix bit for bit', () => {
    const rows = readFileSync(join(pdqDataDir, 'expected/dct-matrix-16x64.float32-hex.txt'), 'utf8')
      .trim()
      .split('\n');
    expect(rows).toHaveLength(16);
    const bits = new Uint32Array(DCT_MATRIX.buffer, DCT_MATRIX.byteOffset, 16 * 64);
    rows.forEach((row, i) => {
      const words = row.trim().split(/\s+/);
      expect(words).toHaveLength(64);
      words.forEach((word, j) => {
        expect(bits[i * 64 + j].toString(16).padStart(8, '0')).toBe(word.toLowerCase());
      });
    });
  });
});
