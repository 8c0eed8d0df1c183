import { countFlipMasks, flipMasks } from './flip-masks.js';
import { probeRadii, type SubstringLayout } from './substring-layout.js';

/**
 * Deciding how to answer a query: which substrings to probe with which radius, what that is
 * expected to cost, and whether a linear scan would be cheaper. Costs are relative to one
 * bucket visit (a cache miss: ~130 ns at 10M hashes on the 2-core bench machine); the constants
 * come from bench/index.ts and a threshold sweep at 1M hashes, where probing stops paying off
 * at thresholds around 64-70.
 */

/** A bucket visit: read two bucket bounds (or a chain head), a cache miss. */
const VISIT_COST = 1;
/** A posting or chain node in a visited bucket: mostly on the same cache line. */
const POSTING_COST = 0.05;
/** A candidate: read its hash (a cache miss) and compare up to 8 words. */
const CANDIDATE_COST = 0.7;
/** One slot of a linear scan: sequential, so mostly prefetched. */
export const SCAN_COST_PER_SLOT = 0.12;
/** Above this many bucket visits in one substring, probing is never attempted. */
export const MAX_VISITS_PER_SUBSTRING = 1 << 20;
/** Mask arrays up to this length are kept for reuse. */
const MAX_CACHED_MASKS = 1 << 16;

export interface ProbePlan {
  /** Probe radius per substring; -1: not probed. */
  readonly radii: Int32Array;
  /** Expected cost of probing, comparable with SCAN_COST_PER_SLOT * slots. */
  readonly cost: number;
}

/**
 * The probe plan for `threshold`, or null when some substring has too many buckets to visit
 * (only a scan can answer). `bulk` entries sit in tables of 2^tableBits buckets per substring;
 * `recent` ones in chained tables visited once per key within the radius.
 */
export function planProbes(
  layout: SubstringLayout,
  threshold: number,
  bulk: number,
  recent: number,
): ProbePlan | null {
  const radii = probeRadii(layout, threshold);
  let cost = 0;
  for (let k = 0; k < layout.count; k++) {
    const keys = countFlipMasks(layout.widths[k], radii[k]);
    if (bulk > 0) {
      const visits = countFlipMasks(layout.tableBits[k], radii[k]);
      if (visits > MAX_VISITS_PER_SUBSTRING) return null;
      cost += visits * (VISIT_COST + (POSTING_COST * bulk) / 2 ** layout.tableBits[k]);
    }
    if (recent > 0) {
      if (keys > MAX_VISITS_PER_SUBSTRING) return null;
      cost += keys * VISIT_COST;
    }
    cost += (keys * CANDIDATE_COST * (bulk + recent)) / 2 ** layout.widths[k];
  }
  return { radii, cost };
}

/** Flip masks by (width, radius), kept for reuse across queries (they do not depend on them). */
export class FlipMaskCache {
  private readonly cache = new Map<number, Uint32Array>();

  get(width: number, radius: number): Uint32Array {
    const key = width * 64 + radius;
    const hit = this.cache.get(key);
    if (hit !== undefined) return hit;
    const masks = flipMasks(width, radius);
    if (masks.length <= MAX_CACHED_MASKS) this.cache.set(key, masks);
    return masks;
  }
}
