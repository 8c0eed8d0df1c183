import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { performance } from 'node:perf_hooks';
import { readAuthors, readConversations, readJsonLines } from '../../service/grooming/corpus.js';
import { buildReport } from '../../service/grooming/evaluation-report.js';
import { GroomingMonitor } from '../../service/grooming/grooming-monitor.js';
import {
  DEFAULT_MODEL_PATH,
  loadGroomingModel,
  saveGroomingModel,
} from '../../service/grooming/model-file.js';
import { negativeLengths } from '../../service/grooming/replay.js';
import { scoreDatasets } from '../../service/grooming/score-datasets.js';
import { toScoreMessages } from '../../service/grooming/score-input.js';
import {
  defaultTrainOptions,
  trainGroomingModel,
} from '../../service/grooming/train-grooming-model.js';

const out = (line: string) => process.stdout.write(`${line}\n`);
const err = (line: string) => process.stderr.write(`${line}\n`);
const now = () => performance.now();

function integer(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0)
    throw new InvalidArgumentError('must be a non-negative integer');
  return n;
}

function rate(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || n > 1)
    throw new InvalidArgumentError('must be a number from 0 to 1');
  return n;
}

/** `--window-scales 1,2,4,all`: positive multiples of the evaluation window; `all`: whole records. */
export function windowScales(value: string): number[] {
  return value.split(',').map((part) => {
    const text = part.trim();
    if (text === 'all') return Infinity;
    const n = Number(text);
    if (text === '' || !Number.isFinite(n) || n <= 0) {
      throw new InvalidArgumentError(
        `'${text}' is not a window scale: give positive numbers or 'all', comma-separated (e.g. 1,2,4,all)`,
      );
    }
    return n;
  });
}

const DEFAULT_CONVERSATIONS = '../shared/corpora/grooming/train.jsonl';
const DEFAULT_AUTHORS = '../shared/corpora/grooming/authors-train.jsonl';

export function registerGroomingCommands(program: Command): void {
  const grooming = program
    .command('grooming')
    .description('grooming detection: train, score and evaluate the conversation model');

  grooming
    .command('train')
    .description(
      'train the model with grouped cross-validation; the threshold is chosen on cross-validation',
    )
    .option('--conversations <file>', 'conversations JSONL (corpus format)', DEFAULT_CONVERSATIONS)
    .option('--authors <file>', 'author records JSONL (corpus format)', DEFAULT_AUTHORS)
    .option('--out <file>', 'model file to write', DEFAULT_MODEL_PATH)
    .option('--seed <n>', 'seed of every random choice', integer, defaultTrainOptions.seed)
    .option('--folds <n>', 'cross-validation folds', integer, defaultTrainOptions.folds)
    .option('--epochs <n>', 'passes over the training windows', integer, defaultTrainOptions.epochs)
    .option(
      '--max-hard-fpr <rate>',
      'highest cross-validated false-positive rate on each hard slice when choosing the threshold',
      rate,
      defaultTrainOptions.maxHardFpr,
    )
    .option(
      '--nb-mix <rate>',
      'share of the model over log-count-ratio-scaled features (0: plain logistic regression)',
      rate,
      defaultTrainOptions.nbMix,
    )
    .option(
      '--window-scales <list>',
      'also report cross-validated author F0.5 with offender and decoy windows this many times longer (e.g. 1,2,4,all; all: whole records)',
      windowScales,
      [],
    )
    .action(
      (opts: {
        conversations: string;
        authors: string;
        out: string;
        seed: number;
        folds: number;
        epochs: number;
        maxHardFpr: number;
        nbMix: number;
        windowScales: number[];
      }) => {
        const conversations = readConversations(opts.conversations);
        const authors = readAuthors(opts.authors);
        err(`read ${conversations.length} conversations, ${authors.length} author records`);
        const result = trainGroomingModel(
          { conversations, authors },
          {
            ...defaultTrainOptions,
            seed: opts.seed,
            folds: Math.max(2, opts.folds),
            epochs: Math.max(1, opts.epochs),
            maxHardFpr: opts.maxHardFpr,
            nbMix: opts.nbMix,
            windowScales: opts.windowScales,
          },
          now,
          err,
        );
        const bytes = saveGroomingModel(opts.out, result.model);
        err(`wrote ${opts.out} (${bytes} bytes), threshold ${result.model.threshold.toFixed(4)}`);
        out(
          JSON.stringify({
            crossValidation: result.crossValidation,
            offenderVsDecoy: result.offenderVsDecoy,
            sessionsWithTwoAuthors: result.sessionsWithTwoAuthors,
            threshold: result.model.threshold,
            ...(result.windowScales.length > 0 ? { windowScales: result.windowScales } : {}),
          }),
        );
      },
    );

  grooming
    .command('score')
    .description(
      'score conversations message by message: one JSON line per message, conversation and author',
    )
    .argument(
      '<file>',
      'JSONL: a conversation per line ({id, messages, ageBands?}) or a message per line ({conversation, author, text})',
    )
    .option('--model <file>', 'model file', DEFAULT_MODEL_PATH)
    .action((file: string, opts: { model: string }) => {
      const monitor = new GroomingMonitor(loadGroomingModel(opts.model));
      readJsonLines(file).forEach((value, i) => {
        for (const m of toScoreMessages(value, i + 1)) {
          const s = monitor.add(m.conversation, m.message, m.ageBands);
          out(JSON.stringify({ type: 'message', conversation: m.conversation, ...s }));
        }
      });
      for (const id of monitor.conversationIds()) {
        const c = monitor.conversation(id);
        if (c === undefined) continue;
        out(
          JSON.stringify({
            type: 'conversation',
            conversation: id,
            messages: c.messages,
            risk: c.currentRisk,
            likelyGroomer: c.likelyGroomer,
            alerts: c.alerts,
            authorRisks: Object.fromEntries(c.authorRisks()),
            outOfOrder: c.outOfOrder,
          }),
        );
      }
      for (const a of monitor.authorRisks()) out(JSON.stringify({ type: 'author', ...a }));
    });

  grooming
    .command('eval')
    .description(
      'evaluate the model on labelled files as EVALUATION.md describes (time dropped, streaming replay)',
    )
    .requiredOption('--conversations <file>', 'conversations JSONL (corpus format)')
    .option('--authors <file>', 'author records JSONL (corpus format)')
    .option('--model <file>', 'model file', DEFAULT_MODEL_PATH)
    .option('--seed <n>', 'seed of the author windows', integer, 1)
    .option('--json', 'print one JSON object (the default)')
    .action((opts: { conversations: string; authors?: string; model: string; seed: number }) => {
      const model = loadGroomingModel(opts.model);
      const conversations = readConversations(opts.conversations);
      const authors = opts.authors === undefined ? [] : readAuthors(opts.authors);
      const scored = scoreDatasets(
        model,
        { conversations, authors, negativeLengths: negativeLengths(authors) },
        opts.seed,
        now,
      );
      const report = buildReport(
        {
          ...scored,
          messagesPerSecond: scored.messages / Math.max(1e-9, scored.milliseconds / 1000),
        },
        model.threshold,
      );
      out(JSON.stringify(report));
    });
}
