import {
  ConversationRisk,
  type AgeBand,
  type MessageInput,
  type MessageScore,
} from '../../core/grooming/conversation-risk.js';
import type { GroomingModel } from '../../core/grooming/grooming-model.js';

export interface AuthorRisk {
  readonly author: string;
  /** Highest sustained risk (what alerts compare) the author reached in any conversation. */
  readonly risk: number;
  readonly conversations: number;
  readonly alertedConversations: number;
}

export interface GroomingMonitorLimits {
  /** Conversations kept; past it, the one idle longest is forgotten. */
  readonly maxConversations: number;
  /** Authors kept; past it, the one idle longest is forgotten. */
  readonly maxAuthors: number;
  /** Told when a conversation is forgotten (so callers drop what they keep for it). */
  readonly onEvict?: (conversationId: string) => void;
}

export const defaultGroomingMonitorLimits: GroomingMonitorLimits = {
  maxConversations: 100_000,
  maxAuthors: 1_000_000,
};

/** Conversation ids remembered per author, for the counts (the oldest are dropped first). */
const MAX_IDS_PER_AUTHOR = 1000;

/**
 * Grooming state of many conversations: one rolling ConversationRisk per conversation id and a
 * per-author risk aggregated across that author's conversations. Memory is bounded: past the
 * limits the conversation (or author) idle longest is forgotten — a later message starts it
 * afresh — so a flood of new ids cannot exhaust the process.
 */
export class GroomingMonitor {
  // Maps keep insertion order: an entry is moved to the end when touched, so the first one
  // is always the one idle longest.
  private readonly conversations = new Map<string, ConversationRisk>();
  private readonly authors = new Map<
    string,
    { risk: number; conversations: Set<string>; alerted: Set<string> }
  >();

  constructor(
    private readonly model: GroomingModel,
    private readonly limits: GroomingMonitorLimits = defaultGroomingMonitorLimits,
  ) {}

  /** Declared age bands are read when a conversation's first message arrives. */
  add(
    conversationId: string,
    message: MessageInput,
    ageBands?: ReadonlyMap<string, AgeBand>,
  ): MessageScore {
    let state = this.conversations.get(conversationId);
    if (state === undefined) {
      state = new ConversationRisk(this.model, ageBands);
    } else {
      this.conversations.delete(conversationId);
    }
    this.conversations.set(conversationId, state);
    const score = state.add(message);
    const entry = this.authors.get(score.author) ?? {
      risk: 0,
      conversations: new Set<string>(),
      alerted: new Set<string>(),
    };
    this.authors.delete(score.author);
    remember(entry.conversations, conversationId);
    entry.risk = Math.max(entry.risk, score.sustainedScore);
    if (score.alert !== null) remember(entry.alerted, conversationId);
    this.authors.set(score.author, entry);
    this.evict();
    return score;
  }

  get size(): { conversations: number; authors: number } {
    return { conversations: this.conversations.size, authors: this.authors.size };
  }

  private evict(): void {
    while (this.conversations.size > this.limits.maxConversations) {
      const oldest = this.conversations.keys().next().value as string;
      this.conversations.delete(oldest);
      this.limits.onEvict?.(oldest);
    }
    while (this.authors.size > this.limits.maxAuthors) {
      this.authors.delete(this.authors.keys().next().value as string);
    }
  }

  conversation(conversationId: string): ConversationRisk | undefined {
    return this.conversations.get(conversationId);
  }

  conversationIds(): string[] {
    return [...this.conversations.keys()];
  }

  authorRisk(author: string): AuthorRisk | undefined {
    const e = this.authors.get(author);
    return e === undefined
      ? undefined
      : {
          author,
          risk: e.risk,
          conversations: e.conversations.size,
          alertedConversations: e.alerted.size,
        };
  }

  authorRisks(): AuthorRisk[] {
    return [...this.authors.keys()].flatMap((a) => {
      const r = this.authorRisk(a);
      return r === undefined ? [] : [r];
    });
  }
}

/** Adds an id to a bounded set, dropping the oldest past MAX_IDS_PER_AUTHOR. */
function remember(ids: Set<string>, id: string): void {
  ids.add(id);
  if (ids.size > MAX_IDS_PER_AUTHOR) ids.delete(ids.values().next().value as string);
}
