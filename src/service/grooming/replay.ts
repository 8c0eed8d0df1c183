import { ConversationRisk } from '../../core/grooming/conversation-risk.js';
import type { GroomingModel } from '../../core/grooming/grooming-model.js';
import { extractMessageFeatures, windowVector } from '../../core/grooming/hash-features.js';
import { scoreVector } from '../../core/grooming/grooming-model.js';
import type { LinearModel } from '../../core/grooming/logistic-model.js';
import type { CorpusAuthor, CorpusConversation } from './corpus.js';

/** A conversation replayed message by message: the risk after each message (non-decreasing). */
export interface Replay {
  readonly runningRisk: Float64Array;
}

/** Replays a conversation as it would arrive, with `time` dropped (the evaluation protocol). */
export function replayConversation(model: GroomingModel, conversation: CorpusConversation): Replay {
  const state = new ConversationRisk(model);
  const runningRisk = new Float64Array(conversation.messages.length);
  conversation.messages.forEach((m, i) => {
    runningRisk[i] = state.add({ author: m.author, text: m.text, time: null }).conversationRisk;
  });
  return { runningRisk };
}

/** Index of the first message whose running risk reaches `threshold`, or -1. */
export function firstAlert(replay: Replay, threshold: number): number {
  const r = replay.runningRisk;
  if (r.length === 0 || (r[r.length - 1] ?? 0) < threshold) return -1;
  let lo = 0;
  let hi = r.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((r[mid] ?? 0) >= threshold) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/**
 * The messages of an author record cut as the evaluation does: one window of a drawn length.
 * `scale` multiplies the drawn length (Infinity: the whole record), to measure how much the
 * window's length limits the model (`grooming train --window-scales`); the evaluation uses 1.
 */
export function evaluationWindow(
  author: CorpusAuthor,
  negativeLengths: readonly number[],
  random: () => number,
  scale = 1,
): readonly string[] {
  const messages = author.messages;
  if (author.role === 'other' || negativeLengths.length === 0) return messages;
  const drawn = negativeLengths[Math.floor(random() * negativeLengths.length)] ?? 6;
  const length = Math.min(drawn * scale, messages.length);
  const start = Math.floor(random() * (messages.length - length + 1));
  return messages.slice(start, start + length);
}

/** Probability that the author of these messages is grooming (one window, no age context). */
export function scoreAuthorWindow(model: LinearModel, messages: readonly string[]): number {
  return scoreVector(model, windowVector(messages.map((t, i) => extractMessageFeatures(t, i))));
}

/** Message counts of the negative ("other") author records: the evaluation's window lengths. */
export const negativeLengths = (authors: readonly CorpusAuthor[]): number[] =>
  authors.filter((a) => a.role === 'other' && a.label === 0).map((a) => a.messages.length);
