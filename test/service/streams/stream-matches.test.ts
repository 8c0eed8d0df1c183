import { describe, expect, it } from 'vitest';
import type { MatchReport } from '../../../src/service/match-hashes.js';
import type { StreamMatch } from '../../../src/service/ports/stream-store.js';
import { foldFrameMatches, rememberMatches } from '../../../src/service/streams/stream-matches.js';

const report = (bankId: number, value: string, distance = 0): MatchReport => ({
  bank: `bank-${bankId}`,
  bankId,
  action: 'block',
  signalType: 'pdq',
  value,
  distance,
  metadata: null,
});

const at = (timestamp: number) => ({
  timestamp,
  seenAt: new Date(Date.UTC(2024, 4, 1, 0, 0, timestamp)).toISOString(),
  verdict: 'block' as const,
});

describe('a stream reports each banked signal once', () => {
  it('gives only signals not seen before, and counts the frames of those it has seen', () => {
    const seen = new Map<string, StreamMatch>();
    const first = foldFrameMatches(seen, [report(1, 'a', 6), report(1, 'a', 6)], at(4));
    expect(first.map((m) => m.value)).toEqual(['a']);
    rememberMatches(seen, first, at(4), 7);

    const second = foldFrameMatches(
      seen,
      [report(1, 'a', 2), report(2, 'a'), report(1, 'b')],
      at(5),
    );
    expect(second.map((m) => [m.bankId, m.value])).toEqual([
      [2, 'a'],
      [1, 'b'],
    ]);
    rememberMatches(seen, second, at(5), 8);
    expect(foldFrameMatches(seen, [report(1, 'a', 9)], at(6))).toEqual([]);

    expect(seen.get('1:pdq:a')).toMatchObject({
      frames: 3,
      distance: 2,
      firstTimestamp: 4,
      lastTimestamp: 6,
      caseId: 7,
      firstSeenAt: at(4).seenAt,
    });
    expect(seen.get('2:pdq:a')).toMatchObject({ frames: 1, caseId: 8 });
    expect(seen.size).toBe(3);
  });
});
