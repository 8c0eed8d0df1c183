import type { SparseVector } from './hash-features.js';
import { createRandom } from './random.js';

/** A linear model over the hashed + behaviour features, scored through a logistic function. */
export interface LinearModel {
  readonly weights: Float32Array;
  readonly bias: number;
}

export interface TrainOptions {
  readonly featureCount: number;
  readonly epochs: number;
  readonly learningRate: number;
  readonly l2: number;
  readonly seed: number;
  /** Weight of a positive example relative to a negative one. */
  readonly positiveWeight: number;
}

export interface Example {
  readonly x: SparseVector;
  readonly y: 0 | 1;
  /** Example weight (default 1), e.g. to count scarce hard negatives more. */
  readonly weight?: number;
}

export function logit(model: LinearModel, x: SparseVector): number {
  let z = model.bias;
  const { index, value } = x;
  for (let i = 0; i < index.length; i++) z += (model.weights[index[i] ?? 0] ?? 0) * (value[i] ?? 0);
  return z;
}

export const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z));

/**
 * Logistic regression by AdaGrad with L2 (applied lazily to the touched weights), examples
 * visited in an order shuffled by a seeded PRNG: the same data and seed give the same model.
 */
export function trainLogistic(examples: readonly Example[], options: TrainOptions): LinearModel {
  const w = new Float32Array(options.featureCount);
  const g2 = new Float32Array(options.featureCount);
  let bias = 0;
  let biasG2 = 0;
  const random = createRandom(options.seed);
  const order = examples.map((_, i) => i);
  const eps = 1e-6;
  for (let epoch = 0; epoch < options.epochs; epoch++) {
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      const t = order[i] ?? 0;
      order[i] = order[j] ?? 0;
      order[j] = t;
    }
    for (const k of order) {
      const ex = examples[k];
      if (ex === undefined) continue;
      const p = sigmoid(logit({ weights: w, bias }, ex.x));
      const sampleWeight = (ex.y === 1 ? options.positiveWeight : 1) * (ex.weight ?? 1);
      const err = (p - ex.y) * sampleWeight;
      const { index, value } = ex.x;
      for (let i = 0; i < index.length; i++) {
        const f = index[i] ?? 0;
        const g = err * (value[i] ?? 0) + options.l2 * (w[f] ?? 0);
        const acc = (g2[f] ?? 0) + g * g;
        g2[f] = acc;
        w[f] = (w[f] ?? 0) - (options.learningRate * g) / (Math.sqrt(acc) + eps);
      }
      biasG2 += err * err;
      bias -= (options.learningRate * err) / (Math.sqrt(biasG2) + eps);
    }
  }
  return { weights: w, bias };
}
