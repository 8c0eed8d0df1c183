import { randomBytes } from 'node:crypto';

/**
 * A unique id that sorts by creation time: prefix, 9 base-36 digits of milliseconds, 16 hex
 * digits of randomness (e.g. `scn_lx3k2m9ab4f0c2d9e8a71b36`).
 */
export function newId(prefix: string, now: number = Date.now()): string {
  return `${prefix}_${now.toString(36).padStart(9, '0')}${randomBytes(8).toString('hex')}`;
}
