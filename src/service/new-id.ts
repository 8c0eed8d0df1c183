import { randomFillSync } from 'node:crypto';

/** Random bytes drawn 4 KiB at a time: one call into the CSPRNG serves 512 ids. */
const pool = new Uint8Array(4096);
let used = pool.length;
const HEX = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'));

/**
 * A unique id that sorts by creation time: prefix, 9 base-36 digits of milliseconds, 16 hex
 * digits of randomness (e.g. `scn_lx3k2m9ab4f0c2d9e8a71b36`).
 */
export function newId(prefix: string, now: number = Date.now()): string {
  if (used + 8 > pool.length) {
    randomFillSync(pool);
    used = 0;
  }
  let random = '';
  for (let end = used + 8; used < end; used++) random += HEX[pool[used]];
  return `${prefix}_${now.toString(36).padStart(9, '0')}${random}`;
}
