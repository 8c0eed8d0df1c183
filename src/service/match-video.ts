import { pdqFromHex } from '../core/hash/pdq-hash.js';
import { decideVerdict, type Hit } from '../core/policy/decide-verdict.js';
import type { VpdqComparison, VpdqMatchRule } from '../core/video/vpdq-index.js';
import { prepareVpdqFrames, type VpdqFrame } from '../core/video/vpdq.js';
import {
  MIN_PDQ_QUALITY,
  reportDecision,
  type MatchOutcome,
  type VideoMatchFigures,
} from './match-hashes.js';
import type { MatchIndex } from './match-index.js';
import type { BankStore } from './ports/bank-store.js';

export interface VideoToMatch {
  /** Every hashed frame, as hashVideoFile returns them. */
  readonly frames: readonly VpdqFrame[];
  readonly md5?: string;
  readonly sha256?: string;
}

/** Timestamps kept per matched image signal: enough to find the frames, never thousands. */
const MAX_TIMESTAMPS = 20;

/**
 * Matches a video three ways and decides one verdict:
 * 1. the whole video against banked videos (vPDQ): the share of the upload found in a banked
 *    video, and of the banked video found in the upload; either over the rule is a match, so a
 *    clip of a banked video and a compilation that contains one are both caught;
 * 2. each hashed frame against banked images (PDQ): a known image shown in a video;
 * 3. the file's MD5 and SHA-256 against exact banks.
 * Frames are deduplicated and frames of quality < 50 are not matched.
 */
export async function matchVideo(
  deps: { matchIndex: MatchIndex; bankStore: Pick<BankStore, 'getSignals'> },
  video: VideoToMatch,
  rule: VpdqMatchRule,
): Promise<MatchOutcome & { readonly framesCompared: number }> {
  const prepared = prepareVpdqFrames(video.frames, MIN_PDQ_QUALITY);
  const hits: Hit[] = [];
  const figures = new Map<number, VpdqComparison>();
  for (const { hit, figures: f } of deps.matchIndex.lookupVideo(prepared, rule)) {
    hits.push(hit);
    figures.set(hit.signalId, f);
  }
  const timestamps = new Map<number, number[]>();
  const imageHits = new Map<number, Hit>();
  for (const frame of prepared) {
    for (const hit of deps.matchIndex.lookup({ pdq: [pdqFromHex(frame.hash)] })) {
      const best = imageHits.get(hit.signalId);
      if (!best || hit.distance < best.distance) imageHits.set(hit.signalId, hit);
      const list = timestamps.get(hit.signalId) ?? [];
      if (list.length < MAX_TIMESTAMPS) list.push(frame.timestamp);
      timestamps.set(hit.signalId, list);
    }
  }
  hits.push(...imageHits.values());
  hits.push(
    ...deps.matchIndex.lookup({
      md5: video.md5 ? [video.md5] : [],
      sha256: video.sha256 ? [video.sha256] : [],
    }),
  );
  const policies = deps.matchIndex.bankPolicies();
  const decision = decideVerdict(hits, policies);
  const { matches, suppressed } = await reportDecision(deps, decision, policies, (hit) => {
    if (hit.signalType === 'vpdq') {
      const f = figures.get(hit.signalId);
      return f ? { video: toFigures(f) } : {};
    }
    if (hit.signalType === 'pdq') {
      const at = timestamps.get(hit.signalId);
      return at ? { timestamps: at } : {};
    }
    return {};
  });
  const reasons = [...decision.reasons];
  const dropped = video.frames.length - prepared.length;
  if (prepared.length === 0) {
    reasons.unshift(
      `no frame had PDQ quality >= ${MIN_PDQ_QUALITY}: the video's frames were not matched`,
    );
  } else if (dropped > 0) {
    reasons.push(
      `${prepared.length} of ${video.frames.length} hashed frames matched (duplicates and quality < ${MIN_PDQ_QUALITY} left out)`,
    );
  }
  return {
    verdict: decision.verdict,
    matches,
    suppressed,
    reasons,
    framesCompared: prepared.length,
  };
}

function toFigures(c: VpdqComparison): VideoMatchFigures {
  return {
    queryPct: c.queryPct,
    targetPct: c.targetPct,
    queryMatched: c.queryMatched,
    queryFrames: c.queryFrames,
    targetMatched: c.targetMatched,
    targetFrames: c.targetFrames,
    pairs: c.pairs,
  };
}
