/** Detection metrics of the grooming evaluation. Pure functions over plain values. */

export interface BinaryMetrics {
  readonly n: number;
  readonly precision: number;
  readonly recall: number;
  readonly f05: number;
  readonly f1: number;
  readonly f2: number;
  readonly prAuc: number;
}

export function fBeta(precision: number, recall: number, beta: number): number {
  const b2 = beta * beta;
  const d = b2 * precision + recall;
  return d === 0 ? 0 : ((1 + b2) * precision * recall) / d;
}

/** Average precision (area under the precision-recall curve, step-wise) of scores vs labels. */
export function averagePrecision(scores: readonly number[], labels: readonly (0 | 1)[]): number {
  const order = scores.map((_, i) => i).sort((a, b) => (scores[b] ?? 0) - (scores[a] ?? 0));
  const positives = labels.reduce<number>((s, l) => s + l, 0);
  if (positives === 0) return 0;
  let tp = 0;
  let ap = 0;
  let i = 0;
  while (i < order.length) {
    // Ties share one operating point.
    const s = scores[order[i] ?? 0];
    let j = i;
    let newTp = 0;
    while (j < order.length && scores[order[j] ?? 0] === s) {
      newTp += labels[order[j] ?? 0] ?? 0;
      j++;
    }
    tp += newTp;
    ap += (newTp / positives) * (tp / j);
    i = j;
  }
  return ap;
}

/** Metrics of binary decisions, plus PR-AUC of the underlying scores. */
export function binaryMetrics(
  decisions: readonly boolean[],
  labels: readonly (0 | 1)[],
  scores: readonly number[],
): BinaryMetrics {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  decisions.forEach((d, i) => {
    const y = labels[i] === 1;
    if (d && y) tp++;
    else if (d) fp++;
    else if (y) fn++;
  });
  const precision = tp + fp === 0 ? 0 : tp / (tp + fp);
  const recall = tp + fn === 0 ? 0 : tp / (tp + fn);
  return {
    n: labels.length,
    precision,
    recall,
    f05: fBeta(precision, recall, 0.5),
    f1: fBeta(precision, recall, 1),
    f2: fBeta(precision, recall, 2),
    prAuc: averagePrecision(scores, labels),
  };
}

export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[m] ?? 0) : ((s[m - 1] ?? 0) + (s[m] ?? 0)) / 2;
}

/**
 * Latency-weighted F1 (Losada & Crestani's F_latency, as used for grooming by Vogt, Leser &
 * Akbik 2021): F1 times speed, where speed = 1 - median penalty over the true positives and
 * penalty(k) = -1 + 2 / (1 + exp(-p (k - 1))) for an alert at message k. p is set so that the
 * penalty is 0.5 at `halfPenaltyAt` messages (the median length of the positive chats).
 */
export function latencyF1(f1: number, alertAt: readonly number[], halfPenaltyAt: number): number {
  if (alertAt.length === 0) return 0;
  const p = Math.log(3) / Math.max(1, halfPenaltyAt - 1);
  const penalties = alertAt.map((k) => -1 + 2 / (1 + Math.exp(-p * (k - 1))));
  return f1 * (1 - (median(penalties) ?? 1));
}

/** The threshold among `scores` that maximises F-beta of `score >= threshold`. */
export function bestThreshold(
  scores: readonly number[],
  labels: readonly (0 | 1)[],
  beta: number,
): { threshold: number; f: number } {
  const order = scores.map((_, i) => i).sort((a, b) => (scores[b] ?? 0) - (scores[a] ?? 0));
  const positives = labels.reduce<number>((s, l) => s + l, 0);
  let tp = 0;
  let best = { threshold: 1, f: 0 };
  for (let i = 0; i < order.length; i++) {
    tp += labels[order[i] ?? 0] ?? 0;
    const s = scores[order[i] ?? 0] ?? 0;
    if (i + 1 < order.length && scores[order[i + 1] ?? 0] === s) continue;
    const f = fBeta(tp / (i + 1), positives === 0 ? 0 : tp / positives, beta);
    if (f > best.f) best = { threshold: s, f };
  }
  return best;
}
