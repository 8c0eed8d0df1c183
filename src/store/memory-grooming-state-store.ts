import {
  type AuthorConversationRisk,
  type AuthorRiskSummary,
  type GroomingStateStore,
  type StoredConversation,
} from '../service/ports/grooming-state-store.js';
import {
  checkAuthorRisks,
  checkExpectedVersion,
  checkGroomingId,
  checkGroomingState,
} from './grooming-state-input.js';

export interface MemoryGroomingStateLimits {
  /** Conversations kept; past it, the one idle longest is forgotten. */
  readonly maxConversations: number;
  /** Authors kept; past it, the one idle longest is forgotten. */
  readonly maxAuthors: number;
}

/** An author's standing per conversation id. */
type AuthorEntry = Map<string, { risk: number; alerted: boolean }>;

/** Conversation ids remembered per author, for the counts (the oldest are dropped first). */
const MAX_IDS_PER_AUTHOR = 1000;

/**
 * The grooming state store in this process's memory, for one process without a database
 * (tests, embedding). Same contract as the Kysely store, except that memory is bounded: past
 * the limits the conversation or author idle longest is forgotten and starts afresh.
 */
export class MemoryGroomingStateStore implements GroomingStateStore {
  // Maps keep insertion order: an entry is moved to the end when touched, so the first one is
  // always the one idle longest.
  readonly #conversations = new Map<string, StoredConversation>();
  readonly #authors = new Map<string, AuthorEntry>();

  constructor(
    private readonly limits: MemoryGroomingStateLimits = {
      maxConversations: 100_000,
      maxAuthors: 1_000_000,
    },
  ) {}

  getConversation(id: string): Promise<StoredConversation | undefined> {
    return settle(() => this.#conversations.get(checkGroomingId('conversationId', id)));
  }

  saveConversation(
    id: string,
    state: string,
    expectedVersion: number,
    authors: readonly AuthorConversationRisk[],
  ): Promise<number | undefined> {
    return settle(() => {
      checkGroomingId('conversationId', id);
      checkGroomingState(state);
      const expected = checkExpectedVersion(expectedVersion);
      const standings = checkAuthorRisks(authors);
      const current = this.#conversations.get(id)?.version ?? 0;
      if (current !== expected) return undefined;
      const version = expected + 1;
      this.#conversations.delete(id);
      this.#conversations.set(id, { id, version, state });
      for (const a of standings) {
        const entry: AuthorEntry = this.#authors.get(a.author) ?? (new Map() as AuthorEntry);
        this.#authors.delete(a.author);
        const seen = entry.get(id);
        entry.delete(id);
        entry.set(id, {
          risk: Math.max(a.risk, seen?.risk ?? 0),
          alerted: a.alerted || (seen?.alerted ?? false),
        });
        if (entry.size > MAX_IDS_PER_AUTHOR) entry.delete(entry.keys().next().value as string);
        this.#authors.set(a.author, entry);
      }
      this.#evict();
      return version;
    });
  }

  getAuthor(author: string): Promise<AuthorRiskSummary | undefined> {
    return settle(() => this.#author(author));
  }

  #author(author: string): AuthorRiskSummary | undefined {
    const entry = this.#authors.get(checkGroomingId('author', author));
    if (entry === undefined) return undefined;
    let risk = 0;
    let alerted = 0;
    for (const c of entry.values()) {
      risk = Math.max(risk, c.risk);
      if (c.alerted) alerted++;
    }
    return { author, risk, conversations: entry.size, alertedConversations: alerted };
  }

  get size(): { conversations: number; authors: number } {
    return { conversations: this.#conversations.size, authors: this.#authors.size };
  }

  #evict(): void {
    while (this.#conversations.size > this.limits.maxConversations)
      this.#conversations.delete(this.#conversations.keys().next().value as string);
    while (this.#authors.size > this.limits.maxAuthors)
      this.#authors.delete(this.#authors.keys().next().value as string);
  }
}

/** The value, or the error it threw, as a promise (a bad argument rejects, as in the database stores). */
function settle<T>(compute: () => T): Promise<T> {
  try {
    return Promise.resolve(compute());
  } catch (error) {
    return Promise.reject(error instanceof Error ? error : new Error(String(error)));
  }
}
