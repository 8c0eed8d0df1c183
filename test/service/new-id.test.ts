import { describe, expect, it } from 'vitest';
import { newId } from '../../src/service/new-id.js';

describe('newId', () => {
  it('is the prefix, 9 base-36 digits of time and 16 hex digits', () => {
    expect(newId('scn', 1_700_000_000_000)).toMatch(/^scn_0loyw3v28[0-9a-f]{16}$/);
  });

  it('sorts by time and never repeats, across refills of the random pool', () => {
    const ids = Array.from({ length: 5000 }, (_, i) => newId('lkp', 1_700_000_000_000 + i));
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
    const sameTime = Array.from({ length: 5000 }, () => newId('lkp', 0));
    expect(new Set(sameTime.map((id) => id.slice(-16))).size).toBe(sameTime.length);
  });
});
