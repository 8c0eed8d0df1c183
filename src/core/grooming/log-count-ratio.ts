import type { Example, LinearModel } from './logistic-model.js';
import type { SparseVector } from './hash-features.js';

/**
 * NB-SVM style log-count ratios (Wang & Manning 2012): for each of the first `size` features,
 * r = log((p + alpha) / |p + alpha|) - log((q + alpha) / |q + alpha|), where p and q are the
 * example-weighted counts of windows holding the feature among positives and negatives.
 * Features from `size` on (the dense behaviour block) keep ratio 1.
 */
export function logCountRatios(
  examples: readonly Example[],
  featureCount: number,
  size: number,
  alpha: number,
): Float32Array {
  const p = new Float64Array(size).fill(alpha);
  const q = new Float64Array(size).fill(alpha);
  for (const e of examples) {
    const counts = e.y === 1 ? p : q;
    const w = e.weight ?? 1;
    const { index } = e.x;
    for (let i = 0; i < index.length; i++) {
      const f = index[i] ?? size;
      if (f < size) counts[f] = (counts[f] ?? 0) + w;
    }
  }
  let sp = 0;
  let sq = 0;
  for (let i = 0; i < size; i++) {
    sp += p[i] ?? 0;
    sq += q[i] ?? 0;
  }
  const r = new Float32Array(featureCount).fill(1);
  for (let i = 0; i < size; i++) r[i] = Math.log((p[i] ?? alpha) / sp / ((q[i] ?? alpha) / sq));
  return r;
}

/** The vector with each value multiplied by its feature's ratio. */
export function scaleVector(x: SparseVector, ratios: Float32Array): SparseVector {
  const value = new Float32Array(x.value.length);
  for (let i = 0; i < value.length; i++)
    value[i] = (x.value[i] ?? 0) * (ratios[x.index[i] ?? 0] ?? 1);
  return { index: x.index, value };
}

/**
 * One linear model whose logit is the mix of a plain model's logit and an NB-scaled model's
 * logit: (1 - mix) * (w . x) + mix * (v . (r * x)) = ((1 - mix) w + mix r v) . x. The scorer
 * stays a single sparse dot product.
 */
export function mixWithScaledModel(
  plain: LinearModel,
  scaled: LinearModel,
  ratios: Float32Array,
  mix: number,
): LinearModel {
  const weights = new Float32Array(plain.weights.length);
  for (let i = 0; i < weights.length; i++)
    weights[i] =
      (1 - mix) * (plain.weights[i] ?? 0) + mix * (scaled.weights[i] ?? 0) * (ratios[i] ?? 1);
  return { weights, bias: (1 - mix) * plain.bias + mix * scaled.bias };
}
