import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../../src/core/audit/canonical-json.js';

describe('canonicalJson', () => {
  it('sorts keys at every level and writes no whitespace', () => {
    expect(canonicalJson({ b: 1, a: [{ d: true, c: null }], é: 'x', A: -0.5 })).toBe(
      '{"A":-0.5,"a":[{"c":null,"d":true}],"b":1,"é":"x"}',
    );
    expect(canonicalJson({ 10: 'ten', 9: 'nine', b: 'b' })).toBe('{"10":"ten","9":"nine","b":"b"}');
  });

  it('leaves out undefined members and writes -0 as 0', () => {
    expect(canonicalJson({ a: undefined, b: -0 })).toBe('{"b":0}');
  });

  it('is independent of key insertion order and stable through JSON.parse', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const text = canonicalJson(value);
        expect(canonicalJson(JSON.parse(text))).toBe(text);
        const reversed = reverseKeys(value);
        expect(canonicalJson(reversed)).toBe(text);
      }),
      { numRuns: 300 },
    );
  });

  it('names where a value is not JSON', () => {
    expect(() => canonicalJson({ a: [1, undefined] }, 'details')).toThrow(
      'details.a[1]: undefined is not JSON.',
    );
    expect(() => canonicalJson({ n: Number.NaN }, 'details')).toThrow('details.n: NaN');
    expect(() => canonicalJson({ when: new Date(0) }, 'details')).toThrow(
      'details.when: a Date is not plain JSON',
    );
    expect(() => canonicalJson({ big: 1n }, 'details')).toThrow('details.big: a bigint');
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => canonicalJson(cyclic)).toThrow(/nested deeper than/);
  });
});

function reverseKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reverseKeys);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(
      Object.entries(value)
        .reverse()
        .map(([key, member]) => [key, reverseKeys(member)]),
    );
  }
  return value;
}
