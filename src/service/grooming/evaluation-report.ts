import {
  binaryMetrics,
  latencyF1,
  median,
  type BinaryMetrics,
} from '../../core/grooming/metrics.js';
import { firstAlert, type Replay } from './replay.js';

/** A conversation (session or window) replayed by a model. */
export interface ScoredConversation {
  readonly slice: string;
  readonly label: 0 | 1;
  readonly authors: number;
  readonly replay: Replay;
}

/** An author record scored on its evaluation window. */
export interface ScoredAuthor {
  readonly slice: string;
  readonly role: string;
  readonly label: 0 | 1;
  readonly score: number;
}

export interface EvaluationReport {
  readonly conversations: BinaryMetrics;
  readonly authors: BinaryMetrics;
  readonly slices: Record<string, { n: number; falsePositiveRate: number }>;
  readonly earliness: {
    medianMessagesToAlert: number | null;
    medianFractionOfChat: number | null;
    fLatency: number;
  };
  readonly throughput: { messagesPerSecond: number };
}

const peak = (r: Replay): number =>
  r.runningRisk.length === 0 ? 0 : (r.runningRisk[r.runningRisk.length - 1] ?? 0);

export function conversationMetrics(
  items: readonly ScoredConversation[],
  threshold: number,
): BinaryMetrics {
  return binaryMetrics(
    items.map((c) => firstAlert(c.replay, threshold) >= 0),
    items.map((c) => c.label),
    items.map((c) => peak(c.replay)),
  );
}

export function authorMetrics(items: readonly ScoredAuthor[], threshold: number): BinaryMetrics {
  return binaryMetrics(
    items.map((a) => a.score >= threshold),
    items.map((a) => a.label),
    items.map((a) => a.score),
  );
}

/** False-positive rate per slice of the negatives: conversations by slice, authors by slice and role. */
export function sliceRates(
  conversations: readonly ScoredConversation[],
  authors: readonly ScoredAuthor[],
  threshold: number,
): Record<string, { n: number; falsePositiveRate: number }> {
  const acc = new Map<string, { n: number; fp: number }>();
  const add = (key: string, fp: boolean) => {
    const e = acc.get(key) ?? { n: 0, fp: 0 };
    e.n++;
    if (fp) e.fp++;
    acc.set(key, e);
  };
  for (const c of conversations)
    if (c.label === 0) add(c.slice, firstAlert(c.replay, threshold) >= 0);
  for (const a of authors)
    if (a.label === 0) add(`authors/${a.slice}/${a.role}`, a.score >= threshold);
  const out: Record<string, { n: number; falsePositiveRate: number }> = {};
  for (const key of [...acc.keys()].sort()) {
    const e = acc.get(key) ?? { n: 0, fp: 0 };
    out[key] = { n: e.n, falsePositiveRate: e.n === 0 ? 0 : e.fp / e.n };
  }
  return out;
}

/**
 * Earliness over full chats: each positive chat replayed message by message; the first alert's
 * position in messages and as a fraction of the chat. F_latency uses the chats as positives and
 * the negative conversations as negatives.
 */
export function earliness(
  positiveChats: readonly Replay[],
  negatives: readonly ScoredConversation[],
  threshold: number,
): EvaluationReport['earliness'] {
  const at: number[] = [];
  const fractions: number[] = [];
  for (const chat of positiveChats) {
    const i = firstAlert(chat, threshold);
    if (i < 0) continue;
    at.push(i + 1);
    fractions.push((i + 1) / chat.runningRisk.length);
  }
  const fp = negatives.filter((c) => c.label === 0 && firstAlert(c.replay, threshold) >= 0).length;
  const tp = at.length;
  const fn = positiveChats.length - tp;
  const precision = tp + fp === 0 ? 0 : tp / (tp + fp);
  const recall = tp + fn === 0 ? 0 : tp / (tp + fn);
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  const half = median(positiveChats.map((c) => c.runningRisk.length)) ?? 1;
  return {
    medianMessagesToAlert: median(at),
    medianFractionOfChat: median(fractions),
    fLatency: latencyF1(f1, at, half),
  };
}

export function buildReport(
  input: {
    conversations: readonly ScoredConversation[];
    authors: readonly ScoredAuthor[];
    positiveChats: readonly Replay[];
    messagesPerSecond: number;
  },
  threshold: number,
): EvaluationReport {
  return {
    conversations: conversationMetrics(input.conversations, threshold),
    authors: authorMetrics(input.authors, threshold),
    slices: sliceRates(input.conversations, input.authors, threshold),
    earliness: earliness(input.positiveChats, input.conversations, threshold),
    throughput: { messagesPerSecond: input.messagesPerSecond },
  };
}

/** Slices whose false-positive rate the operating point must keep low (EVALUATION.md). */
export const HARD_SLICES: readonly string[] = [
  'chatroom-teens',
  'chatroom-20s',
  'chatroom-40s',
  'chatroom-adults',
];

/**
 * The operating threshold, chosen on out-of-fold scores only: the highest author-level F0.5
 * among the thresholds whose false-positive rate is at most `maxHardFpr` on every hard slice
 * (streaming conversations of the chat rooms; chat-room authors and decoys); if none
 * qualifies, the highest F0.5 overall.
 */
export function bestThresholdUnderLimits(
  oof: { conversations: readonly ScoredConversation[]; authors: readonly ScoredAuthor[] },
  maxHardFpr = 0.005,
): number {
  const candidates = [
    ...new Set(oof.authors.filter((a) => a.label === 1).map((a) => a.score)),
  ].sort((a, b) => a - b);
  const hardKeys = [
    ...HARD_SLICES,
    ...HARD_SLICES.map((s) => `authors/${s}/other`),
    'authors/grooming-decoy/decoy',
  ];
  const step = Math.max(1, Math.floor(candidates.length / 400));
  let best = { t: 1, f: -1, ok: false };
  for (let i = 0; i < candidates.length; i += step) {
    const t = candidates[i] ?? 1;
    const f = authorMetrics(oof.authors, t).f05;
    const rates = sliceRates(oof.conversations, oof.authors, t);
    const ok = hardKeys.every((s) => (rates[s]?.falsePositiveRate ?? 0) <= maxHardFpr);
    if ((ok && !best.ok) || (ok === best.ok && f > best.f)) best = { t, f, ok };
  }
  return best.t;
}
