import { describe, expect, it } from 'vitest';
import {
  decideVerdict,
  type BankPolicy,
  type Hit,
} from '../../../src/core/policy/decide-verdict.js';

const bank = (id: number, over: Partial<BankPolicy> = {}): BankPolicy => ({
  id,
  name: `bank${id}`,
  kind: 'match',
  action: 'block',
  enabled: true,
  pdqThreshold: 31,
  ...over,
});

const hit = (bankId: number, over: Partial<Hit> = {}): Hit => ({
  signalId: bankId * 100,
  bankId,
  signalType: 'pdq',
  value: 'a'.repeat(64),
  distance: 0,
  ...over,
});

const banksOf = (...list: BankPolicy[]) => new Map(list.map((b) => [b.id, b]));

describe('decideVerdict', () => {
  it('allows when nothing matched, and says so', () => {
    const d = decideVerdict([], banksOf(bank(1)));
    expect(d.verdict).toBe('allow');
    expect(d.reasons).toEqual(['no bank matched']);
  });

  it('takes the bank action, strictest wins', () => {
    const banks = banksOf(bank(1, { action: 'review' }), bank(2, { action: 'block' }));
    expect(decideVerdict([hit(1)], banks).verdict).toBe('review');
    expect(decideVerdict([hit(1), hit(2)], banks).verdict).toBe('block');
    expect(decideVerdict([hit(1), hit(2)], banks).matches).toHaveLength(2);
  });

  it('applies each bank its own PDQ threshold, inclusive', () => {
    const banks = banksOf(bank(1, { pdqThreshold: 10 }), bank(2, { pdqThreshold: 31 }));
    expect(decideVerdict([hit(1, { distance: 10 })], banks).verdict).toBe('block');
    expect(decideVerdict([hit(1, { distance: 11 })], banks).verdict).toBe('allow');
    expect(decideVerdict([hit(2, { distance: 31 })], banks).verdict).toBe('block');
    expect(decideVerdict([hit(2, { distance: 32 })], banks).verdict).toBe('allow');
  });

  it('ignores disabled and unknown banks', () => {
    const banks = banksOf(bank(1, { enabled: false }));
    expect(decideVerdict([hit(1), hit(9)], banks).verdict).toBe('allow');
  });

  it('an allow-bank PDQ hit suppresses PDQ matches but not exact ones', () => {
    const banks = banksOf(bank(1), bank(2, { kind: 'allow' }));
    const d = decideVerdict([hit(1), hit(2, { distance: 3 })], banks);
    expect(d.verdict).toBe('allow');
    expect(d.suppressed).toHaveLength(1);
    expect(d.allowedBy).toHaveLength(1);
    const exact = decideVerdict(
      [hit(1, { signalType: 'md5', value: 'b'.repeat(32) }), hit(2, { distance: 3 })],
      banks,
    );
    expect(exact.verdict).toBe('block');
  });

  it('an allow-bank exact hit suppresses everything', () => {
    const banks = banksOf(bank(1), bank(2, { kind: 'allow' }));
    const d = decideVerdict([hit(1), hit(2, { signalType: 'sha256' })], banks);
    expect(d.verdict).toBe('allow');
    expect(d.matches).toHaveLength(0);
    expect(d.reasons.join(' ')).toMatch(/suppressed/);
  });

  it('an allow bank beyond its threshold suppresses nothing', () => {
    const banks = banksOf(bank(1), bank(2, { kind: 'allow', pdqThreshold: 5 }));
    expect(decideVerdict([hit(1), hit(2, { distance: 6 })], banks).verdict).toBe('block');
  });

  it('sorts matches by distance and explains each', () => {
    const banks = banksOf(bank(1, { name: 'ncmec' }), bank(2, { name: 'own', action: 'review' }));
    const d = decideVerdict([hit(2, { distance: 9 }), hit(1, { distance: 2 })], banks);
    expect(d.matches.map((m) => m.distance)).toEqual([9, 2].sort((a, b) => a - b));
    expect(d.reasons).toContain("bank 'ncmec' (block) matched pdq at distance 2");
  });
});
