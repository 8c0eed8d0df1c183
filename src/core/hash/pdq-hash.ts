import { SafeguardError } from '../errors.js';

/**
 * A PDQ hash: 256 bits. Bit k (0 = least significant) is the comparison result for DCT
 * coefficient (row i, column j) with k = 16*i + j. Stored as eight 32-bit words, word w holding
 * bits 32w..32w+31, so Hamming distance is eight XOR-popcounts.
 *
 * The text form is 64 lowercase hex digits, most significant first: the last hex digit holds
 * bits 0..3. This is the form Meta's reference, HMA, NCMEC and StopNCII exchange.
 */
export type PdqHash = Uint32Array;

export const PDQ_HASH_HEX_LENGTH = 64;

const HEX_RE = /^[0-9a-fA-F]{64}$/;

export function isPdqHex(text: string): boolean {
  return HEX_RE.test(text);
}

export function pdqFromHex(text: string): PdqHash {
  if (!HEX_RE.test(text)) {
    const reason =
      text.length !== PDQ_HASH_HEX_LENGTH
        ? `has ${text.length} characters, expected 64`
        : 'contains a character that is not a hex digit';
    throw new SafeguardError('invalid_argument', `not a PDQ hash: ${reason}`, { value: text });
  }
  const words = new Uint32Array(8);
  for (let w = 0; w < 8; w++) {
    // word w is hex digits [64 - 8(w+1), 64 - 8w)
    const start = PDQ_HASH_HEX_LENGTH - 8 * (w + 1);
    words[w] = Number.parseInt(text.slice(start, start + 8), 16) >>> 0;
  }
  return words;
}

export function pdqToHex(hash: PdqHash): string {
  let out = '';
  for (let w = 7; w >= 0; w--) out += hash[w].toString(16).padStart(8, '0');
  return out;
}

export function popcount32(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  return Math.imul(x, 0x01010101) >>> 24;
}

export function hammingDistance(a: PdqHash, b: PdqHash): number {
  let d = 0;
  for (let w = 0; w < 8; w++) d += popcount32(a[w] ^ b[w]);
  return d;
}

/** Number of set bits: 128 for an ordinary hash ("norm" in the reference tool). */
export function pdqNorm(hash: PdqHash): number {
  let n = 0;
  for (let w = 0; w < 8; w++) n += popcount32(hash[w]);
  return n;
}
