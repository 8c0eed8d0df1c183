import {
  extractMessageFeatures,
  fnv1a,
  windowVector,
  type MessageFeatures,
} from '../../core/grooming/hash-features.js';
import type { Example } from '../../core/grooming/logistic-model.js';
import type { CorpusAuthor, CorpusConversation } from './corpus.js';

/**
 * Sessions whose author attribution the corpus README documents as wrong (decoy lines credited to
 * the offender). Their conversation labels are right, so they stay in evaluation, but they give
 * no author-level training windows.
 */
export const MISATTRIBUTED_SESSIONS: ReadonlySet<string> = new Set(
  ['s000', 's001', 's002', 's016', 's020', 's021', 's022', 's027'].map((s) => `pj-11-${s}`),
);

/** Transcript edit marks ("*EDIT*" and the like) and archive-site mentions say "PJ", not "grooming". */
const EDIT_MARK = /\*+\s*edit[^*]{0,40}\*+/gi;
const SITE_MENTION = /perverted|justice\.com|\bpj\b/i;

export function cleanTrainingText(text: string): string | null {
  if (SITE_MENTION.test(text)) return null;
  const cleaned = text.replace(EDIT_MARK, ' ').trim();
  return cleaned === '' ? null : cleaned;
}

export interface GroupedExample extends Example {
  readonly group: string;
}

export interface ExampleOptions {
  /** Windows drawn from each offender and decoy record. */
  readonly windowsPerPjAuthor: number;
  /** Streaming windows drawn per author of a corpus conversation. */
  readonly windowsPerConversationAuthor: number;
  /** Rolling window length of the streaming scorer. */
  readonly window: number;
  readonly minMessages: number;
  /** Weight of negative windows from the hard slices (adult and teen chat rooms). */
  readonly hardNegativeWeight: number;
}

/** Hard-negative slices (EVALUATION.md): a training weight only, never a feature. */
export const HARD_NEGATIVE_SLICES: ReadonlySet<string> = new Set([
  'chatroom-teens',
  'chatroom-20s',
  'chatroom-30s',
  'chatroom-40s',
  'chatroom-adults',
]);

function features(texts: readonly string[]): MessageFeatures[] {
  return texts.map((t, i) => extractMessageFeatures(t, i));
}

/**
 * Training windows:
 * - each offender/decoy record: windows of consecutive messages whose length is drawn from the
 *   negative authors' own lengths (length then says nothing about the label);
 * - each negative author record: the whole record (that is how the evaluation sees it);
 * - each author of a corpus conversation: streaming windows (the author's last `window`
 *   messages at a random point), as the live scorer sees them.
 */
export function buildExamples(
  conversations: readonly CorpusConversation[],
  authors: readonly CorpusAuthor[],
  negativeLengths: readonly number[],
  options: ExampleOptions,
  random: () => number,
): GroupedExample[] {
  const out: GroupedExample[] = [];
  const draw = () => negativeLengths[Math.floor(random() * negativeLengths.length)] ?? 6;
  for (const a of authors) {
    const texts = a.messages.map(cleanTrainingText).filter((t): t is string => t !== null);
    if (texts.length === 0) continue;
    if (a.role === 'other') {
      const weight = HARD_NEGATIVE_SLICES.has(a.slice) ? options.hardNegativeWeight : 1;
      out.push({ x: windowVector(features(texts)), y: a.label, group: a.group, weight });
      continue;
    }
    for (let k = 0; k < options.windowsPerPjAuthor; k++) {
      const length = Math.min(draw(), texts.length);
      const start = Math.floor(random() * (texts.length - length + 1));
      out.push({
        x: windowVector(features(texts.slice(start, start + length))),
        y: a.label,
        group: a.group,
      });
    }
  }
  for (const c of conversations) {
    if (MISATTRIBUTED_SESSIONS.has(c.id)) continue;
    const byAuthor = new Map<string, string[]>();
    for (const m of c.messages) {
      const t = cleanTrainingText(m.text);
      if (t === null) continue;
      const list = byAuthor.get(m.author) ?? [];
      list.push(t);
      byAuthor.set(m.author, list);
    }
    for (const [author, texts] of byAuthor) {
      if (texts.length < options.minMessages) continue;
      const label = c.predators.includes(author) ? 1 : 0;
      const weight =
        label === 0 && HARD_NEGATIVE_SLICES.has(c.slice) ? options.hardNegativeWeight : 1;
      // Distinct window ends only: long multi-party chats give more windows than short dialogues.
      const ends = texts.length - options.minMessages + 1;
      const picked = new Set<number>();
      const wanted = Math.min(options.windowsPerConversationAuthor, ends);
      while (picked.size < wanted) picked.add(options.minMessages + Math.floor(random() * ends));
      const cache = features(texts);
      for (const end of [...picked].sort((a, b) => a - b)) {
        const slice = cache.slice(Math.max(0, end - options.window), end);
        out.push({ x: windowVector(slice), y: label, group: c.group, weight });
      }
    }
  }
  return out;
}

/** Cross-validation fold of a group: a hash, so every record of a group lands in one fold. */
export const foldOf = (group: string, folds: number): number => fnv1a(group) % folds;
