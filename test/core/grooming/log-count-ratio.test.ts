import { describe, expect, it } from 'vitest';
import {
  extractMessageFeatures,
  FEATURE_COUNT,
  HASH_SIZE,
  windowVector,
} from '../../../src/core/grooming/hash-features.js';
import {
  logCountRatios,
  mixWithScaledModel,
  scaleVector,
} from '../../../src/core/grooming/log-count-ratio.js';
import { logit, trainLogistic, type Example } from '../../../src/core/grooming/logistic-model.js';

const vec = (...texts: string[]) => windowVector(texts.map((t, i) => extractMessageFeatures(t, i)));
const bucketOf = (word: string): number => {
  const x = vec(word);
  const i = x.index.findIndex((f) => f < HASH_SIZE);
  return x.index[i] ?? -1;
};

const examples: Example[] = [
  { x: vec('zebra lantern', 'zebra again'), y: 1 },
  { x: vec('zebra over the hill'), y: 1 },
  { x: vec('copper kettle boils', 'kettle on'), y: 0 },
  { x: vec('the copper roof'), y: 0, weight: 2 },
];

describe('logCountRatios', () => {
  const r = logCountRatios(examples, FEATURE_COUNT, HASH_SIZE, 1);

  it('is positive for features of positive windows only and negative for negative ones', () => {
    expect(r[bucketOf('zebra')]).toBeGreaterThan(0);
    expect(r[bucketOf('copper')]).toBeLessThan(0);
    expect(r[bucketOf('copper')]).toBeLessThan(r[bucketOf('kettle')] ?? 0);
  });

  it('leaves the dense behaviour block unscaled', () => {
    for (let i = HASH_SIZE; i < FEATURE_COUNT; i++) expect(r[i]).toBe(1);
  });

  it('scales values feature by feature', () => {
    const x = vec('zebra and copper');
    const s = scaleVector(x, r);
    expect([...s.index]).toEqual([...x.index]);
    s.value.forEach((v, i) =>
      expect(v).toBeCloseTo((x.value[i] ?? 0) * (r[x.index[i] ?? 0] ?? 1), 6),
    );
  });
});

describe('mixWithScaledModel', () => {
  it('scores as the mix of the plain and the scaled model, with one weight vector', () => {
    const options = {
      featureCount: FEATURE_COUNT,
      epochs: 5,
      learningRate: 0.3,
      l2: 1e-6,
      seed: 3,
      positiveWeight: 1,
    };
    const r = logCountRatios(examples, FEATURE_COUNT, HASH_SIZE, 1);
    const plain = trainLogistic(examples, options);
    const scaled = trainLogistic(
      examples.map((e) => ({ ...e, x: scaleVector(e.x, r) })),
      options,
    );
    const mixed = mixWithScaledModel(plain, scaled, r, 0.25);
    for (const text of ['zebra lantern on the hill', 'a copper kettle', 'nothing known here']) {
      const x = vec(text);
      expect(logit(mixed, x)).toBeCloseTo(
        0.75 * logit(plain, x) + 0.25 * logit(scaled, scaleVector(x, r)),
        4,
      );
    }
  });
});
