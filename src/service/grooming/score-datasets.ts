import type { GroomingModel } from '../../core/grooming/grooming-model.js';
import type { LinearModel } from '../../core/grooming/logistic-model.js';
import { createRandom } from '../../core/grooming/random.js';
import { fnv1a } from '../../core/grooming/hash-features.js';
import { rebuildChats, type CorpusAuthor, type CorpusConversation } from './corpus.js';
import type { ScoredAuthor, ScoredConversation } from './evaluation-report.js';
import { evaluationWindow, replayConversation, scoreAuthorWindow, type Replay } from './replay.js';

export interface ScoredDatasets {
  readonly conversations: ScoredConversation[];
  readonly authors: ScoredAuthor[];
  readonly positiveChats: Replay[];
  readonly messages: number;
  readonly milliseconds: number;
}

/**
 * Scores conversations (replayed, time dropped) and author records (one evaluation window each,
 * the window drawn with a PRNG seeded per record, so results do not depend on file order).
 */
export function scoreDatasets(
  model: GroomingModel,
  data: {
    conversations: readonly CorpusConversation[];
    authors: readonly CorpusAuthor[];
    negativeLengths: readonly number[];
  },
  seed: number,
  now: () => number,
): ScoredDatasets {
  const start = now();
  let messages = 0;
  const conversations = data.conversations.map((c) => {
    messages += c.messages.length;
    return {
      slice: c.slice,
      label: c.label,
      authors: new Set(c.messages.map((m) => m.author)).size,
      replay: replayConversation(model, c),
    };
  });
  const milliseconds = now() - start;
  const positiveChats = rebuildChats(data.conversations.filter((c) => c.label === 1)).map((c) =>
    replayConversation(model, c),
  );
  const authors = scoreAuthors(model, data.authors, data.negativeLengths, seed);
  return { conversations, authors, positiveChats, messages, milliseconds };
}

/**
 * Scores each author record on one evaluation window, drawn with a PRNG seeded per record (so
 * results do not depend on file order); `scale` as in `evaluationWindow`.
 */
export function scoreAuthors(
  model: LinearModel,
  authors: readonly CorpusAuthor[],
  negativeLengths: readonly number[],
  seed: number,
  scale = 1,
): ScoredAuthor[] {
  return authors.map((a) => {
    const random = createRandom(fnv1a(a.id, seed >>> 0));
    return {
      slice: a.slice,
      role: a.role,
      label: a.label,
      score: scoreAuthorWindow(model, evaluationWindow(a, negativeLengths, random, scale)),
    };
  });
}
