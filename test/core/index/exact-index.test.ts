import { describe, expect, it } from 'vitest';
import { SafeguardError } from '../../../src/core/errors.js';
import { ExactIndex } from '../../../src/core/index/exact-index.js';

const MD5_A = '9e107d9d372bb6826bd81d3542a419d6';
const MD5_B = 'e4d909c290d0fb1ca068ffaddf22cbd0';
const SHA_A = 'd7a8fbb307d7809469ca9abcb0082e4f8d5651e46d3cdb762d02d0bf37c9e592';

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    return error instanceof SafeguardError ? error.code : 'not a SafeguardError';
  }
  return undefined;
}

describe('ExactIndex', () => {
  it('finds the ids of a digest, ascending, case-insensitively', () => {
    const index = new ExactIndex();
    index.add(5, MD5_A);
    index.add(2, MD5_A.toUpperCase());
    index.add(9, MD5_A);
    index.add(3, MD5_B);
    index.add(4, SHA_A);
    expect(index.query(MD5_A)).toEqual([2, 5, 9]);
    expect(index.query(MD5_A.toUpperCase())).toEqual([2, 5, 9]);
    expect(index.query(MD5_B)).toEqual([3]);
    expect(index.query(SHA_A)).toEqual([4]);
    expect(index.query('0'.repeat(32))).toEqual([]);
    expect(index.size).toBe(5);
    expect(index.get(2)).toBe(MD5_A);
  });

  it('removes ids and replaces the digest of an id added again', () => {
    const index = new ExactIndex('md5');
    index.add(1, MD5_A);
    index.add(2, MD5_A);
    expect(index.remove(1)).toBe(true);
    expect(index.remove(1)).toBe(false);
    expect(index.query(MD5_A)).toEqual([2]);
    index.add(2, MD5_B);
    expect(index.query(MD5_A)).toEqual([]);
    expect(index.query(MD5_B)).toEqual([2]);
    expect(index.has(2)).toBe(true);
    expect(index.size).toBe(1);
    index.add(1, MD5_B);
    expect(index.query(MD5_B)).toEqual([1, 2]);
    expect(index.remove(2)).toBe(true);
    expect(index.query(MD5_B)).toEqual([1]);
  });

  it('does not let callers change its state through a result', () => {
    const index = new ExactIndex();
    index.add(1, MD5_A);
    index.add(2, MD5_A);
    index.query(MD5_A).push(3);
    expect(index.query(MD5_A)).toEqual([1, 2]);
  });

  it('rejects malformed digests and ids with invalid_argument', () => {
    const md5 = new ExactIndex('md5');
    expect(codeOf(() => md5.add(1, SHA_A))).toBe('invalid_argument');
    expect(codeOf(() => md5.query(SHA_A))).toBe('invalid_argument');
    expect(codeOf(() => md5.add(1, 'z'.repeat(32)))).toBe('invalid_argument');
    expect(codeOf(() => md5.add(-1, MD5_A))).toBe('invalid_argument');
    expect(codeOf(() => new ExactIndex().add(1, 'abc'))).toBe('invalid_argument');
    expect(codeOf(() => new ExactIndex('crc32' as 'md5'))).toBe('invalid_argument');
    expect(md5.size).toBe(0);
  });
});
