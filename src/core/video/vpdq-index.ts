import { hammingDistance, pdqFromHex, type PdqHash } from '../hash/pdq-hash.js';
import { PdqIndex } from '../index/pdq-index.js';
import type { VpdqFrame } from './vpdq.js';

/** A pair of frames that matched: where in the query, where in the banked video. */
export interface VpdqFramePair {
  readonly queryTimestamp: number;
  readonly targetTimestamp: number;
  readonly distance: number;
}

/** How much of two videos matched, frame by frame (python-threatexchange's two figures). */
export interface VpdqComparison {
  /** Query frames (prepared) with at least one target frame within the threshold. */
  readonly queryMatched: number;
  readonly queryFrames: number;
  /** Target frames (prepared) with at least one query frame within the threshold. */
  readonly targetMatched: number;
  readonly targetFrames: number;
  /** 0..100: the share of the query found in the target. */
  readonly queryPct: number;
  /** 0..100: the share of the target found in the query. */
  readonly targetPct: number;
  readonly minDistance: number;
  /** The best pair per matched query frame, in query order, at most `maxPairs`. */
  readonly pairs: readonly VpdqFramePair[];
}

export interface VpdqVideoMatch extends VpdqComparison {
  readonly videoId: number;
}

/** When two videos count as the same material: either side over its share, enough frames. */
export interface VpdqMatchRule {
  /** Percent of the upload's frames found in the banked video (a clip of a banked video). */
  readonly queryPct: number;
  /** Percent of the banked video's frames found in the upload (a compilation containing it). */
  readonly targetPct: number;
  /** Fewest matched frames on the side that passed, so a one-frame signal cannot match alone. */
  readonly minFrames: number;
}

export const defaultVpdqMatchRule: VpdqMatchRule = { queryPct: 80, targetPct: 80, minFrames: 2 };

export function isVpdqMatch(c: VpdqComparison, rule: VpdqMatchRule): boolean {
  return (
    (c.queryPct >= rule.queryPct && c.queryMatched >= rule.minFrames) ||
    (c.targetPct >= rule.targetPct && c.targetMatched >= rule.minFrames)
  );
}

const MAX_PAIRS = 20;

/**
 * Compares two prepared frame lists by brute force (every pair), the reference rule: a frame
 * matches when its distance is <= `threshold`. For two videos; banks use VpdqIndex.
 */
export function compareVpdq(
  query: readonly VpdqFrame[],
  target: readonly VpdqFrame[],
  threshold: number,
): VpdqComparison {
  const targetHashes = target.map((f) => pdqFromHex(f.hash));
  const targetHit = new Uint8Array(target.length);
  const pairs: VpdqFramePair[] = [];
  let queryMatched = 0;
  let minDistance = Infinity;
  for (const frame of query) {
    const hash = pdqFromHex(frame.hash);
    let best = -1;
    let bestDistance = Infinity;
    for (let t = 0; t < target.length; t++) {
      const d = hammingDistance(hash, targetHashes[t]);
      if (d > threshold) continue;
      targetHit[t] = 1;
      if (d < bestDistance) {
        bestDistance = d;
        best = t;
      }
    }
    if (best < 0) continue;
    queryMatched++;
    minDistance = Math.min(minDistance, bestDistance);
    if (pairs.length < MAX_PAIRS) {
      pairs.push({
        queryTimestamp: frame.timestamp,
        targetTimestamp: target[best].timestamp,
        distance: bestDistance,
      });
    }
  }
  const targetMatched = targetHit.reduce((n, x) => n + x, 0);
  return summarize(queryMatched, query.length, targetMatched, target.length, minDistance, pairs);
}

interface IndexedVideo {
  readonly frameIds: Int32Array;
  readonly timestamps: Float64Array;
}

interface Tally {
  queryMatched: number;
  readonly targetSeen: Set<number>;
  minDistance: number;
  readonly pairs: VpdqFramePair[];
}

/**
 * Every banked video's prepared frames in one PDQ index, so an upload's frames are looked up
 * once each (sub-millisecond) instead of compared with every banked frame. Videos are added
 * and removed whole; the figures equal compareVpdq's for every video.
 */
export class VpdqIndex {
  private readonly frames = new PdqIndex();
  private videoOfFrame = new Int32Array(1024);
  private frameIndexOf = new Int32Array(1024);
  private readonly videos = new Map<number, IndexedVideo>();
  private nextFrameId = 1;

  get size(): number {
    return this.videos.size;
  }

  get frameCount(): number {
    return this.frames.size;
  }

  has(videoId: number): boolean {
    return this.videos.has(videoId);
  }

  /** Adds (or replaces) a video's prepared frames. */
  add(videoId: number, prepared: readonly VpdqFrame[]): void {
    this.remove(videoId);
    const frameIds = new Int32Array(prepared.length);
    const timestamps = new Float64Array(prepared.length);
    for (let i = 0; i < prepared.length; i++) {
      const id = this.nextFrameId++;
      this.ensureCapacity(id + 1);
      this.videoOfFrame[id] = videoId;
      this.frameIndexOf[id] = i;
      this.frames.add(id, pdqFromHex(prepared[i].hash));
      frameIds[i] = id;
      timestamps[i] = prepared[i].timestamp;
    }
    this.videos.set(videoId, { frameIds, timestamps });
  }

  remove(videoId: number): boolean {
    const video = this.videos.get(videoId);
    if (!video) return false;
    for (const id of video.frameIds) {
      this.frames.remove(id);
      this.videoOfFrame[id] = 0;
    }
    this.videos.delete(videoId);
    return true;
  }

  /**
   * Looks each prepared query frame up once at `maxThreshold`, keeps the frame matches within
   * `thresholdOf(videoId)` (a bank's own threshold), and returns every video with at least one
   * matched frame.
   */
  query(
    prepared: readonly VpdqFrame[],
    maxThreshold: number,
    thresholdOf: (videoId: number) => number,
  ): VpdqVideoMatch[] {
    if (maxThreshold < 0 || this.videos.size === 0) return [];
    const tallies = new Map<number, Tally>();
    for (const frame of prepared) {
      const hash: PdqHash = pdqFromHex(frame.hash);
      const best = new Map<number, { distance: number; frameId: number }>();
      for (const match of this.frames.query(hash, maxThreshold)) {
        const videoId = this.videoOfFrame[match.id];
        if (match.distance > thresholdOf(videoId)) continue;
        let tally = tallies.get(videoId);
        if (!tally) {
          tally = { queryMatched: 0, targetSeen: new Set(), minDistance: Infinity, pairs: [] };
          tallies.set(videoId, tally);
        }
        tally.targetSeen.add(match.id);
        const current = best.get(videoId);
        if (!current || match.distance < current.distance) {
          best.set(videoId, { distance: match.distance, frameId: match.id });
        }
      }
      for (const [videoId, hit] of best) {
        const tally = tallies.get(videoId);
        const video = this.videos.get(videoId);
        if (!tally || !video) continue;
        tally.queryMatched++;
        tally.minDistance = Math.min(tally.minDistance, hit.distance);
        if (tally.pairs.length < MAX_PAIRS) {
          tally.pairs.push({
            queryTimestamp: frame.timestamp,
            targetTimestamp: video.timestamps[this.frameIndexOf[hit.frameId]],
            distance: hit.distance,
          });
        }
      }
    }
    const results: VpdqVideoMatch[] = [];
    for (const [videoId, tally] of tallies) {
      const video = this.videos.get(videoId);
      if (!video) continue;
      results.push({
        videoId,
        ...summarize(
          tally.queryMatched,
          prepared.length,
          tally.targetSeen.size,
          video.frameIds.length,
          tally.minDistance,
          tally.pairs,
        ),
      });
    }
    return results.sort((a, b) => b.queryPct + b.targetPct - (a.queryPct + a.targetPct));
  }

  private ensureCapacity(size: number): void {
    if (size <= this.videoOfFrame.length) return;
    const length = Math.max(size, this.videoOfFrame.length * 2);
    const videos = new Int32Array(length);
    videos.set(this.videoOfFrame);
    this.videoOfFrame = videos;
    const indexes = new Int32Array(length);
    indexes.set(this.frameIndexOf);
    this.frameIndexOf = indexes;
  }
}

function summarize(
  queryMatched: number,
  queryFrames: number,
  targetMatched: number,
  targetFrames: number,
  minDistance: number,
  pairs: readonly VpdqFramePair[],
): VpdqComparison {
  const pct = (n: number, of: number) => (of === 0 ? 0 : Math.round((n / of) * 10000) / 100);
  return {
    queryMatched,
    queryFrames,
    targetMatched,
    targetFrames,
    queryPct: pct(queryMatched, queryFrames),
    targetPct: pct(targetMatched, targetFrames),
    minDistance: Number.isFinite(minDistance) ? minDistance : -1,
    pairs,
  };
}
