import { describe, expect, it } from 'vitest';
import {
  extractMessageFeatures,
  FEATURE_COUNT,
  windowVector,
} from '../../../src/core/grooming/hash-features.js';
import {
  groomingModelToJson,
  parseGroomingModel,
  type GroomingModel,
} from '../../../src/core/grooming/grooming-model.js';
import { logit, trainLogistic, type Example } from '../../../src/core/grooming/logistic-model.js';
import {
  averagePrecision,
  bestThreshold,
  binaryMetrics,
  fBeta,
  latencyF1,
  median,
} from '../../../src/core/grooming/metrics.js';

const vec = (...texts: string[]) => windowVector(texts.map((t, i) => extractMessageFeatures(t, i)));

const examples: Example[] = [
  { x: vec('is ur mom home', 'dont tell anyone ok'), y: 1 },
  { x: vec('send me a pic', 'r u alone'), y: 1 },
  { x: vec('wanna meet up tomorrow', 'our little secret'), y: 1 },
  { x: vec('the build failed again', 'try clearing the cache'), y: 0 },
  { x: vec('see you at practice', 'bring the ball'), y: 0 },
  { x: vec('what time is dinner', 'around seven i think'), y: 0 },
];
const options = {
  featureCount: FEATURE_COUNT,
  epochs: 20,
  learningRate: 0.3,
  l2: 1e-6,
  seed: 7,
  positiveWeight: 1,
};

describe('trainLogistic', () => {
  it('separates a toy set and is deterministic for a seed', () => {
    const a = trainLogistic(examples, options);
    const b = trainLogistic(examples, options);
    expect(a.bias).toBe(b.bias);
    expect(Array.from(a.weights)).toEqual(Array.from(b.weights));
    for (const e of examples) expect(logit(a, e.x) > 0).toBe(e.y === 1);
  });

  it('round-trips through the model file format', () => {
    const m = trainLogistic(examples, options);
    const model: GroomingModel = {
      ...m,
      threshold: 0.8,
      window: 8,
      minMessages: 3,
      persistence: 2,
      ageGapBoost: 0.5,
      minorAuthorShift: -1,
      stats: { note: 'toy' },
    };
    const parsed = parseGroomingModel(JSON.parse(JSON.stringify(groomingModelToJson(model, 0))));
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.model.threshold).toBe(0.8);
    for (const e of examples) expect(logit(parsed.model, e.x)).toBeCloseTo(logit(model, e.x), 2);
  });

  it('rejects a malformed model file with every issue', () => {
    const parsed = parseGroomingModel({ format: 'other', version: 2 });
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.issues.length).toBeGreaterThan(3);
  });
});

describe('windowVector', () => {
  it('does not grow with the window: repeating a window gives the same vector', () => {
    const one = vec('hello there', 'how r u');
    const twice = vec('hello there', 'how r u', 'hello there', 'how r u');
    expect(Array.from(twice.value)).toEqual(Array.from(one.value));
  });
});

describe('metrics', () => {
  it('computes F-beta, PR-AUC, median and thresholds', () => {
    expect(fBeta(1, 1, 0.5)).toBe(1);
    expect(fBeta(0, 0, 1)).toBe(0);
    expect(averagePrecision([0.9, 0.8, 0.1], [1, 1, 0])).toBe(1);
    expect(averagePrecision([0.9, 0.8, 0.1], [0, 1, 1])).toBeCloseTo((1 / 2 + 2 / 3) / 2);
    expect(median([3, 1, 2])).toBe(2);
    expect(median([])).toBeNull();
    expect(bestThreshold([0.9, 0.8, 0.1], [1, 1, 0], 0.5).threshold).toBe(0.8);
    const m = binaryMetrics([true, false, true], [1, 1, 0], [0.9, 0.2, 0.7]);
    expect(m.precision).toBe(0.5);
    expect(m.recall).toBe(0.5);
  });

  it('F_latency is F1 for alerts at the first message and shrinks with delay', () => {
    expect(latencyF1(0.8, [1, 1], 10)).toBeCloseTo(0.8);
    expect(latencyF1(0.8, [10], 10)).toBeCloseTo(0.4);
    expect(latencyF1(0.8, [], 10)).toBe(0);
  });
});
