import type { MatchReport, Scan } from '../../src/service/ports/scan-store.js';

/** 2024-05-01T00:00:00.000Z plus `seconds`, as a scan's createdAt. */
export function scanTime(seconds: number): string {
  return new Date(Date.UTC(2024, 4, 1, 0, 0, seconds)).toISOString();
}

export function matchReport(bank: string, overrides: Partial<MatchReport> = {}): MatchReport {
  return {
    bank,
    bankId: 1,
    action: 'block',
    signalType: 'pdq',
    value: 'f'.repeat(64),
    distance: 3,
    metadata: { category: 'A1', note: 'ünïcode ✓' },
    ...overrides,
  };
}

/** Scan number n: id `scan-0000n`, made n seconds after the epoch of scanTime, allowed. */
export function makeScan(n: number, overrides: Partial<Scan> = {}): Scan {
  return {
    id: `scan-${String(n).padStart(5, '0')}`,
    createdAt: scanTime(n),
    kind: 'image',
    verdict: 'allow',
    hashes: { pdq: 'a'.repeat(64), quality: 90, md5: 'b'.repeat(32), sha256: 'c'.repeat(64) },
    matches: [],
    reasons: ['no bank matched'],
    durationMs: 1.25,
    ...overrides,
  };
}
