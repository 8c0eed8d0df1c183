import { createHash } from 'node:crypto';

/**
 * A message a conversation already scored, known by the id the platform gave it: a retried
 * request (a timeout, a redelivered queue message) is answered with the first assessment
 * instead of being scored twice, which would count the same words again toward an alert.
 * Only a digest of the author and id is kept, never the id itself.
 */
export interface SeenMessage {
  readonly key: string;
  readonly messageIndex: number;
  readonly authorScore: number;
  readonly sustainedScore: number;
  readonly conversationRisk: number;
}

/** Message ids remembered per conversation: a retry comes within minutes, not 256 messages. */
export const MAX_SEEN_MESSAGES = 256;

/** The key of a platform's message id: the same id from another author is another message. */
export function seenKey(author: string, id: string): string {
  return createHash('sha256').update(`${author}\u0000${id}`).digest('hex').slice(0, 32);
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

/** As stored: `[key, messageIndex, authorScore, sustainedScore, conversationRisk]`. */
export const encodeSeen = (entries: readonly SeenMessage[]) =>
  entries.map((e) => [e.key, e.messageIndex, e.authorScore, e.sustainedScore, e.conversationRisk]);

const isScore = (v: unknown): v is number => typeof v === 'number' && v >= 0 && v <= 1;

/** Reads the stored form back; undefined if any entry is not one. */
export function decodeSeen(value: unknown): SeenMessage[] | undefined {
  if (!Array.isArray(value) || value.length > MAX_SEEN_MESSAGES) return undefined;
  const entries: SeenMessage[] = [];
  for (const item of value) {
    if (!Array.isArray(item) || item.length !== 5) return undefined;
    const [key, messageIndex, authorScore, sustainedScore, conversationRisk] = item as unknown[];
    if (typeof key !== 'string' || !/^[0-9a-f]{32}$/.test(key)) return undefined;
    if (!Number.isSafeInteger(messageIndex) || (messageIndex as number) < 0) return undefined;
    if (!isScore(authorScore) || !isScore(sustainedScore) || !isScore(conversationRisk))
      return undefined;
    entries.push({
      key,
      messageIndex: messageIndex as number,
      authorScore,
      sustainedScore,
      conversationRisk,
    });
  }
  return entries;
}
