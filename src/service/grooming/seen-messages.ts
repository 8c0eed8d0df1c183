import { createHash } from 'node:crypto';

/**
 * A message a conversation already scored, known by the id the platform gave it: a retried
 * request (a timeout, a redelivered queue message) is answered with the first assessment
 * instead of being scored twice, which would count the same words again toward an alert.
 * Only a 48-bit digest of the author and id is kept, never the id itself, and the scores to
 * six decimals: the list is saved with the conversation on every request, so it stays small
 * (at most ~6 KB beside ~4 KB of state).
 */
export interface SeenMessage {
  readonly key: string;
  readonly messageIndex: number;
  readonly authorScore: number;
  readonly sustainedScore: number;
  readonly conversationRisk: number;
}

/** Message ids remembered per conversation: a retry repeats the last request or so. */
export const MAX_SEEN_MESSAGES = 128;

/** The key of a platform's message id: the same id from another author is another message. */
export function seenKey(author: string, id: string): string {
  return createHash('sha256').update(`${author}\u0000${id}`).digest('hex').slice(0, 12);
}

/** The last MAX_SEEN_MESSAGES message ids of a conversation, oldest first. */
export class SeenMessages {
  readonly #byKey = new Map<string, SeenMessage>();

  constructor(entries: readonly SeenMessage[] = []) {
    for (const entry of entries) this.add(entry);
  }

  get(key: string): SeenMessage | undefined {
    return this.#byKey.get(key);
  }

  add(entry: SeenMessage): void {
    this.#byKey.delete(entry.key);
    this.#byKey.set(entry.key, entry);
    while (this.#byKey.size > MAX_SEEN_MESSAGES)
      this.#byKey.delete(this.#byKey.keys().next().value as string);
  }

  entries(): SeenMessage[] {
    return [...this.#byKey.values()];
  }
}

const PPM = 1_000_000;

/** A score as kept: to six decimals. */
export const roundScore = (score: number) => Math.round(score * PPM) / PPM;

/** As stored: `[key, messageIndex, authorScore, sustainedScore, conversationRisk]`, scores in ppm. */
export const encodeSeen = (entries: readonly SeenMessage[]) =>
  entries.map((e) => [
    e.key,
    e.messageIndex,
    Math.round(e.authorScore * PPM),
    Math.round(e.sustainedScore * PPM),
    Math.round(e.conversationRisk * PPM),
  ]);

const isPpm = (v: unknown): v is number =>
  Number.isSafeInteger(v) && (v as number) >= 0 && (v as number) <= PPM;

/** Reads the stored form back; undefined if any entry is not one. */
export function decodeSeen(value: unknown): SeenMessage[] | undefined {
  if (!Array.isArray(value) || value.length > MAX_SEEN_MESSAGES) return undefined;
  const entries: SeenMessage[] = [];
  for (const item of value) {
    if (!Array.isArray(item) || item.length !== 5) return undefined;
    const [key, messageIndex, authorScore, sustainedScore, conversationRisk] = item as unknown[];
    if (typeof key !== 'string' || !/^[0-9a-f]{12}$/.test(key)) return undefined;
    if (!Number.isSafeInteger(messageIndex) || (messageIndex as number) < 0) return undefined;
    if (!isPpm(authorScore) || !isPpm(sustainedScore) || !isPpm(conversationRisk)) return undefined;
    entries.push({
      key,
      messageIndex: messageIndex as number,
      authorScore: authorScore / PPM,
      sustainedScore: sustainedScore / PPM,
      conversationRisk: conversationRisk / PPM,
    });
  }
  return entries;
}
