import type { GroomingModel } from '../../core/grooming/grooming-model.js';
import { FEATURE_COUNT, HASH_SIZE } from '../../core/grooming/hash-features.js';
import {
  logCountRatios,
  mixWithScaledModel,
  scaleVector,
} from '../../core/grooming/log-count-ratio.js';
import {
  trainLogistic,
  type LinearModel,
  type TrainOptions,
} from '../../core/grooming/logistic-model.js';
import {
  authorMetrics,
  conversationMetrics,
  bestThresholdUnderLimits,
  buildReport,
  type EvaluationReport,
  type ScoredAuthor,
} from './evaluation-report.js';
import { createRandom } from '../../core/grooming/random.js';
import type { CorpusAuthor, CorpusConversation } from './corpus.js';
import { scoreAuthors, scoreDatasets, type ScoredDatasets } from './score-datasets.js';
import { buildExamples, foldOf, type ExampleOptions } from './training-examples.js';
import { negativeLengths as lengthsOf } from './replay.js';

export interface TrainGroomingOptions extends ExampleOptions {
  readonly seed: number;
  readonly folds: number;
  readonly epochs: number;
  readonly learningRate: number;
  readonly l2: number;
  readonly ageGapBoost: number;
  readonly minorAuthorShift: number;
  readonly persistence: number;
  /** Highest out-of-fold false-positive rate allowed on each hard slice when choosing the threshold. */
  readonly maxHardFpr: number;
  /** Share of the NB-scaled model in the final logit (0: plain logistic regression only). */
  readonly nbMix: number;
  /** Smoothing count of the log-count ratios. */
  readonly nbAlpha: number;
  /**
   * Also score the held-out offenders and decoys on windows this many times the evaluation's
   * length (Infinity: whole records), to show how much the window length limits F0.5.
   */
  readonly windowScales: readonly number[];
}

export const defaultTrainOptions: TrainGroomingOptions = {
  seed: 1,
  folds: 5,
  epochs: 6,
  learningRate: 0.2,
  l2: 1e-6,
  windowsPerPjAuthor: 80,
  windowsPerConversationAuthor: 8,
  hardNegativeWeight: 100,
  window: 8,
  minMessages: 3,
  ageGapBoost: 0.5,
  minorAuthorShift: -1,
  persistence: 3,
  maxHardFpr: 0.005,
  nbMix: 0,
  nbAlpha: 10,
  windowScales: [],
};

/** Author-level figures of the cross-validation on longer windows (`windowScales`). */
export interface WindowScaleFigures {
  /** Window length as a multiple of the evaluation's; null: whole records. */
  readonly scale: number | null;
  /** At the threshold chosen for this scale under the same author-slice limits. */
  readonly atOwnThreshold: ReturnType<typeof authorMetrics> & { readonly threshold: number };
  /** At the model's operating point (chosen on the evaluation's windows). */
  readonly atOperatingPoint: ReturnType<typeof authorMetrics>;
}

export interface TrainResult {
  readonly model: GroomingModel;
  /** The evaluation report of the out-of-fold predictions at the chosen threshold. */
  readonly crossValidation: EvaluationReport;
  readonly offenderVsDecoy: ReturnType<typeof authorMetrics>;
  /** Conversation metrics on sessions where at least two authors write (one-line sessions are noise). */
  readonly sessionsWithTwoAuthors: ReturnType<typeof authorMetrics>;
  readonly windowScales: WindowScaleFigures[];
}

function fit(
  examples: ReturnType<typeof buildExamples>,
  o: TrainGroomingOptions,
  seed: number,
): LinearModel {
  const positives = examples.reduce((s, e) => s + e.y, 0);
  const negatives = examples.length - positives;
  const options: TrainOptions = {
    featureCount: FEATURE_COUNT,
    epochs: o.epochs,
    learningRate: o.learningRate,
    l2: o.l2,
    seed,
    positiveWeight: positives === 0 ? 1 : Math.sqrt(negatives / positives),
  };
  const plain = trainLogistic(examples, options);
  if (o.nbMix <= 0) return plain;
  // NB-SVM interpolation: a second model over the features scaled by their log-count ratios,
  // folded back into one weight vector (the scorer stays one dot product).
  const ratios = logCountRatios(examples, FEATURE_COUNT, HASH_SIZE, o.nbAlpha);
  const scaled = trainLogistic(
    examples.map((e) => ({ ...e, x: scaleVector(e.x, ratios) })),
    options,
  );
  return mixWithScaledModel(plain, scaled, ratios, o.nbMix);
}

function withOperatingPoint(
  m: LinearModel,
  o: TrainGroomingOptions,
  threshold: number,
): GroomingModel {
  return {
    ...m,
    threshold,
    window: o.window,
    minMessages: o.minMessages,
    persistence: o.persistence,
    ageGapBoost: o.ageGapBoost,
    minorAuthorShift: o.minorAuthorShift,
    stats: {},
  };
}

/**
 * Grouped k-fold cross-validation (a PJ chat, NPS room file, IRC log or dialogue stays in one
 * fold, across both files), threshold chosen on the out-of-fold scores only, then the final
 * model trained on everything with that threshold.
 */
export function trainGroomingModel(
  data: { conversations: readonly CorpusConversation[]; authors: readonly CorpusAuthor[] },
  o: TrainGroomingOptions,
  now: () => number,
  log: (line: string) => void,
): TrainResult {
  const negativeLengths = lengthsOf(data.authors);
  const examples = buildExamples(
    data.conversations,
    data.authors,
    negativeLengths,
    o,
    createRandom(o.seed),
  );
  log(`${examples.length} training windows (${examples.filter((e) => e.y === 1).length} positive)`);
  const parts: ScoredDatasets[] = [];
  const scaled = o.windowScales.map(() => [] as ScoredAuthor[]);
  for (let f = 0; f < o.folds; f++) {
    const model = fit(
      examples.filter((e) => foldOf(e.group, o.folds) !== f),
      o,
      o.seed + f,
    );
    const heldOut = data.authors.filter((a) => foldOf(a.group, o.folds) === f);
    o.windowScales.forEach((scale, i) => {
      scaled[i]?.push(...scoreAuthors(model, heldOut, negativeLengths, o.seed, scale));
    });
    parts.push(
      scoreDatasets(
        withOperatingPoint(model, o, 1),
        {
          conversations: data.conversations.filter((c) => foldOf(c.group, o.folds) === f),
          authors: heldOut,
          negativeLengths,
        },
        o.seed,
        now,
      ),
    );
    log(`fold ${f + 1}/${o.folds} done`);
  }
  const oof = {
    conversations: parts.flatMap((p) => p.conversations),
    authors: parts.flatMap((p) => p.authors),
    positiveChats: parts.flatMap((p) => p.positiveChats),
    messagesPerSecond:
      parts.reduce((s, p) => s + p.messages, 0) /
      Math.max(1e-9, parts.reduce((s, p) => s + p.milliseconds, 0) / 1000),
  };
  const threshold = bestThresholdUnderLimits(oof, o.maxHardFpr);
  const crossValidation = buildReport(oof, threshold);
  const pj = oof.authors.filter((a) => a.role === 'offender' || a.role === 'decoy');
  const offenderVsDecoy = authorMetrics(pj, threshold);
  const sessionsWithTwoAuthors = conversationMetrics(
    oof.conversations.filter((c) => c.authors >= 2),
    threshold,
  );
  const windowScales = o.windowScales.map((scale, i): WindowScaleFigures => {
    const authors = scaled[i] ?? [];
    const own = bestThresholdUnderLimits({ conversations: [], authors }, o.maxHardFpr);
    return {
      scale: Number.isFinite(scale) ? scale : null,
      atOwnThreshold: { threshold: own, ...authorMetrics(authors, own) },
      atOperatingPoint: authorMetrics(authors, threshold),
    };
  });
  const final = fit(examples, o, o.seed);
  const model: GroomingModel = {
    ...withOperatingPoint(final, o, threshold),
    stats: {
      trainingWindows: examples.length,
      positiveWindows: examples.filter((e) => e.y === 1).length,
      seed: o.seed,
      folds: o.folds,
      crossValidation,
      offenderVsDecoy,
      sessionsWithTwoAuthors,
    },
  };
  return { model, crossValidation, offenderVsDecoy, sessionsWithTwoAuthors, windowScales };
}
