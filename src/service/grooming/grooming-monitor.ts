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

/**
 * Grooming state of many conversations: one rolling ConversationRisk per conversation id and a
 * per-author risk aggregated across that author's conversations.
 */
export class GroomingMonitor {
  private readonly conversations = new Map<string, ConversationRisk>();
  private readonly authors = new Map<
    string,
    { risk: number; conversations: Set<string>; alerted: Set<string> }
  >();

  constructor(private readonly model: GroomingModel) {}

  /** Declared age bands are read when a conversation's first message arrives. */
  add(
    conversationId: string,
    message: MessageInput,
    ageBands?: ReadonlyMap<string, AgeBand>,
  ): MessageScore {
    let state = this.conversations.get(conversationId);
    if (state === undefined) {
      state = new ConversationRisk(this.model, ageBands);
      this.conversations.set(conversationId, state);
    }
    const score = state.add(message);
    const entry = this.authors.get(score.author) ?? {
      risk: 0,
      conversations: new Set<string>(),
      alerted: new Set<string>(),
    };
    entry.conversations.add(conversationId);
    entry.risk = Math.max(entry.risk, score.sustainedScore);
    if (score.alert !== null) entry.alerted.add(conversationId);
    this.authors.set(score.author, entry);
    return score;
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
