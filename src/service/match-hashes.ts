import { pdqFromHex } from '../core/hash/pdq-hash.js';
import {
  decideVerdict,
  type BankPolicy,
  type Decision,
  type Hit,
  type Verdict,
} from '../core/policy/decide-verdict.js';
import type { MatchIndex } from './match-index.js';
import type { BankStore, SignalMetadata } from './ports/bank-store.js';

/** PDQ hashes below this quality are not matched: Meta's recommendation, what HMA does. */
export const MIN_PDQ_QUALITY = 50;

export interface HashesToMatch {
  readonly pdq?: { readonly hash: string; readonly quality?: number };
  readonly md5?: string;
  readonly sha256?: string;
}

export interface MatchReport {
  readonly bank: string;
  readonly bankId: number;
  readonly action: 'block' | 'review';
  readonly signalType: 'pdq' | 'md5' | 'sha256' | 'vpdq';
  /** The banked hash; for vpdq, the SHA-256 of the banked value (the whole frame list). */
  readonly value: string;
  /** Hamming distance (pdq, vpdq: the closest frame pair); 0 for exact hashes. */
  readonly distance: number;
  readonly metadata: SignalMetadata | null;
  /** Video or stream scans: seconds into the upload (or stream) of frames that matched. */
  readonly timestamps?: readonly number[];
  /** vpdq matches: how much of each video matched. */
  readonly video?: VideoMatchFigures;
}

export interface VideoMatchFigures {
  /** Percent of the upload's frames found in the banked video. */
  readonly queryPct: number;
  /** Percent of the banked video's frames found in the upload. */
  readonly targetPct: number;
  readonly queryMatched: number;
  readonly queryFrames: number;
  readonly targetMatched: number;
  readonly targetFrames: number;
  /** Up to 20 matching frame pairs: seconds into the upload, seconds into the banked video. */
  readonly pairs: ReadonlyArray<{
    readonly queryTimestamp: number;
    readonly targetTimestamp: number;
    readonly distance: number;
  }>;
}

export interface MatchOutcome {
  readonly verdict: Verdict;
  readonly matches: readonly MatchReport[];
  /** Matches an allow bank suppressed (known false positives), for the record. */
  readonly suppressed: readonly MatchReport[];
  readonly reasons: readonly string[];
}

/**
 * Looks one item's hashes up in every bank and decides the verdict. A PDQ hash whose quality
 * is known and below MIN_PDQ_QUALITY is not looked up (too flat to mean anything); the
 * reasons say so.
 */
export async function matchHashes(
  deps: { matchIndex: MatchIndex; bankStore: Pick<BankStore, 'getSignals'> },
  hashes: HashesToMatch,
): Promise<MatchOutcome> {
  const lowQuality = hashes.pdq?.quality !== undefined && hashes.pdq.quality < MIN_PDQ_QUALITY;
  const hits = deps.matchIndex.lookup({
    pdq: hashes.pdq && !lowQuality ? [pdqFromHex(hashes.pdq.hash)] : [],
    md5: hashes.md5 ? [hashes.md5] : [],
    sha256: hashes.sha256 ? [hashes.sha256] : [],
  });
  const policies = deps.matchIndex.bankPolicies();
  const decision = decideVerdict(hits, policies);
  const { matches, suppressed } = await reportDecision(deps, decision, policies);
  const reasons = [...decision.reasons];
  if (lowQuality) {
    reasons.unshift(
      `pdq quality ${hashes.pdq?.quality} is below ${MIN_PDQ_QUALITY}: PDQ not matched`,
    );
  }
  return {
    verdict: decision.verdict,
    matches,
    suppressed,
    reasons,
  };
}

/**
 * Turns a decision's hits into reports: bank names and actions, the signals' metadata (one
 * store read for all of them), and per-hit extras (frame timestamps, video figures).
 */
export async function reportDecision(
  deps: { bankStore: Pick<BankStore, 'getSignals'> },
  decision: Pick<Decision, 'matches' | 'suppressed'>,
  policies: ReadonlyMap<number, BankPolicy>,
  extras: (hit: Hit) => Pick<MatchReport, 'timestamps' | 'video'> = () => ({}),
): Promise<{ matches: MatchReport[]; suppressed: MatchReport[] }> {
  const shown = [...decision.matches, ...decision.suppressed];
  const signals = await deps.bankStore.getSignals(shown.map((hit) => hit.signalId));
  const metadataOf = new Map(signals.map((s) => [s.id, s.metadata]));
  const report = (hit: Hit): MatchReport => {
    const bank = policies.get(hit.bankId);
    return {
      bank: bank?.name ?? String(hit.bankId),
      bankId: hit.bankId,
      action: bank?.action ?? 'review',
      signalType: hit.signalType,
      value: hit.value,
      distance: hit.distance,
      metadata: metadataOf.get(hit.signalId) ?? null,
      ...extras(hit),
    };
  };
  return { matches: decision.matches.map(report), suppressed: decision.suppressed.map(report) };
}
