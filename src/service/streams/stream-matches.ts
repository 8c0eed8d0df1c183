import type { Verdict } from '../../core/policy/decide-verdict.js';
import type { MatchReport } from '../match-hashes.js';
import type { StreamMatch } from '../ports/stream-store.js';

/** One banked signal, whatever frame showed it: the key that dedupes a stream's matches. */
export function signalKey(m: Pick<MatchReport, 'bankId' | 'signalType' | 'value'>): string {
  return `${m.bankId}:${m.signalType}:${m.value}`;
}

export interface FrameSeen {
  /** Seconds into the stream. */
  readonly timestamp: number;
  /** ISO 8601, UTC. */
  readonly seenAt: string;
  readonly verdict: Verdict;
}

/**
 * Folds one frame's matches into what the stream has matched so far (by signal, in place) and
 * gives the matches of signals not seen before: only those call the platform and open a case.
 */
export function foldFrameMatches(
  seen: Map<string, StreamMatch>,
  matches: readonly MatchReport[],
  frame: FrameSeen,
): MatchReport[] {
  const fresh: MatchReport[] = [];
  for (const m of matches) {
    const key = signalKey(m);
    const known = seen.get(key);
    if (known) {
      seen.set(key, {
        ...known,
        distance: Math.min(known.distance, m.distance),
        firstTimestamp: Math.min(known.firstTimestamp, frame.timestamp),
        lastTimestamp: Math.max(known.lastTimestamp, frame.timestamp),
        frames: known.frames + 1,
      });
    } else if (!fresh.some((f) => signalKey(f) === key)) {
      fresh.push(m);
    }
  }
  return fresh;
}

/** Remembers the fresh matches of a frame, with the case their scan opened. */
export function rememberMatches(
  seen: Map<string, StreamMatch>,
  fresh: readonly MatchReport[],
  frame: FrameSeen,
  caseId: number | undefined,
): void {
  for (const m of fresh) {
    seen.set(signalKey(m), {
      bank: m.bank,
      bankId: m.bankId,
      signalType: m.signalType,
      value: m.value,
      action: m.action,
      distance: m.distance,
      verdict: frame.verdict,
      firstTimestamp: frame.timestamp,
      lastTimestamp: frame.timestamp,
      firstSeenAt: frame.seenAt,
      frames: 1,
      ...(caseId === undefined ? {} : { caseId }),
    });
  }
}
