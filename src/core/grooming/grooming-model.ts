import {
  behaviourFeatureNames,
  FEATURE_COUNT,
  HASH_BITS,
  type SparseVector,
} from './hash-features.js';
import { logit, sigmoid, type LinearModel } from './logistic-model.js';

export const MODEL_FORMAT = 'safeguard-grooming-model';

/** How the streaming scorer turns window scores into alerts. */
export interface OperatingPoint {
  /** Probability at or above which an author's window raises an alert (chosen on cross-validation). */
  readonly threshold: number;
  /** Messages of one author the rolling window holds. */
  readonly window: number;
  /** No alert before an author has written this many messages in the conversation. */
  readonly minMessages: number;
  /** An alert needs this many consecutive windows of one author at or above the threshold. */
  readonly persistence: number;
  /** Logit added when an author talks to a participant who is (or says they are) a minor. */
  readonly ageGapBoost: number;
  /** Logit added (usually negative) when the author is a declared minor. */
  readonly minorAuthorShift: number;
}

export interface GroomingModel extends LinearModel, OperatingPoint {
  /** Aggregate training and cross-validation statistics, kept for the record. */
  readonly stats: Readonly<Record<string, unknown>>;
}

export interface GroomingModelJson {
  readonly format: typeof MODEL_FORMAT;
  readonly version: 1;
  readonly hashBits: number;
  readonly behaviourFeatures: readonly string[];
  readonly bias: number;
  /** Non-zero weights: indexes delta-encoded, values rounded. */
  readonly weightIndexDeltas: readonly number[];
  readonly weightValues: readonly number[];
  readonly operatingPoint: OperatingPoint;
  readonly stats: Readonly<Record<string, unknown>>;
}

export function scoreVector(model: LinearModel, x: SparseVector, shift = 0): number {
  return sigmoid(logit(model, x) + shift);
}

const round = (v: number, digits: number): number => Number(v.toFixed(digits));

export function groomingModelToJson(model: GroomingModel, minAbsWeight = 1e-4): GroomingModelJson {
  const deltas: number[] = [];
  const values: number[] = [];
  let last = 0;
  model.weights.forEach((w, i) => {
    if (Math.abs(w) < minAbsWeight) return;
    deltas.push(i - last);
    values.push(round(w, 4));
    last = i;
  });
  const { threshold, window, minMessages, persistence, ageGapBoost, minorAuthorShift } = model;
  return {
    format: MODEL_FORMAT,
    version: 1,
    hashBits: HASH_BITS,
    behaviourFeatures: behaviourFeatureNames,
    bias: round(model.bias, 6),
    weightIndexDeltas: deltas,
    weightValues: values,
    operatingPoint: {
      threshold: round(threshold, 6),
      window,
      minMessages,
      persistence,
      ageGapBoost,
      minorAuthorShift,
    },
    stats: model.stats,
  };
}

export type ModelParse = { ok: true; model: GroomingModel } | { ok: false; issues: string[] };

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;
const numberArray = (v: unknown): v is number[] =>
  Array.isArray(v) && v.every((x) => typeof x === 'number' && Number.isFinite(x));

/** Validates a parsed model file. The feature layout must match this build's. */
export function parseGroomingModel(value: unknown): ModelParse {
  const issues: string[] = [];
  if (!isRecord(value)) return { ok: false, issues: ['model is not a JSON object'] };
  if (value.format !== MODEL_FORMAT) issues.push(`format must be ${MODEL_FORMAT}`);
  if (value.version !== 1) issues.push('version must be 1');
  if (value.hashBits !== HASH_BITS) issues.push(`hashBits must be ${HASH_BITS}`);
  const names = value.behaviourFeatures;
  if (!Array.isArray(names) || names.join(',') !== behaviourFeatureNames.join(','))
    issues.push('behaviourFeatures differ from this build: retrain the model');
  if (typeof value.bias !== 'number') issues.push('bias must be a number');
  const deltas = value.weightIndexDeltas;
  const values = value.weightValues;
  if (!numberArray(deltas) || !numberArray(values) || deltas.length !== values.length)
    issues.push('weightIndexDeltas and weightValues must be number arrays of one length');
  const op = value.operatingPoint;
  if (
    !isRecord(op) ||
    !['threshold', 'window', 'minMessages', 'persistence', 'ageGapBoost', 'minorAuthorShift'].every(
      (k) => typeof op[k] === 'number',
    )
  )
    issues.push(
      'operatingPoint needs numbers threshold, window, minMessages, ageGapBoost, minorAuthorShift',
    );
  if (issues.length > 0 || !numberArray(deltas) || !numberArray(values) || !isRecord(op))
    return { ok: false, issues };
  const weights = new Float32Array(FEATURE_COUNT);
  let index = 0;
  for (let i = 0; i < deltas.length; i++) {
    index += deltas[i] ?? 0;
    if (index < 0 || index >= FEATURE_COUNT)
      return { ok: false, issues: [`weight index ${index} out of range`] };
    weights[index] = values[i] ?? 0;
  }
  return {
    ok: true,
    model: {
      weights,
      bias: value.bias as number,
      threshold: op.threshold as number,
      window: Math.max(1, Math.floor(op.window as number)),
      minMessages: Math.max(1, Math.floor(op.minMessages as number)),
      persistence: Math.max(1, Math.floor(op.persistence as number)),
      ageGapBoost: op.ageGapBoost as number,
      minorAuthorShift: op.minorAuthorShift as number,
      stats: isRecord(value.stats) ? value.stats : {},
    },
  };
}
