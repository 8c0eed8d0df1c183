/**
 * The grooming state store: each conversation's rolling state (serialised, versioned text the
 * grooming service writes and reads back) and each author's risk per conversation, so that a
 * restarted server continues a conversation where it stopped and several servers on one
 * database see the same conversation.
 *
 * Writes are compare-and-set on a per-conversation version: a writer says which version it
 * computed from, and loses (gets `false`) if another writer saved first. The loser reloads and
 * computes again; nothing is written half.
 */

export interface StoredConversation {
  readonly id: string;
  /** Incremented by every save: 1 after the first. */
  readonly version: number;
  /** The serialised state, as saved. */
  readonly state: string;
}

/** An author's standing in one conversation, saved with the conversation's state. */
export interface AuthorConversationRisk {
  readonly author: string;
  /** The author's peak sustained risk in the conversation. */
  readonly risk: number;
  /** Whether the author raised an alert in the conversation. */
  readonly alerted: boolean;
}

export interface AuthorRiskSummary {
  readonly author: string;
  /** Highest sustained risk (what alerts compare) the author reached in any conversation. */
  readonly risk: number;
  readonly conversations: number;
  readonly alertedConversations: number;
}

/** Longest conversation id and author id, in characters. */
export const groomingIdMaxLength = 200;

/** Throws SafeguardError `invalid_argument` for an id or value out of bounds. */
export interface GroomingStateStore {
  getConversation(id: string): Promise<StoredConversation | undefined>;
  /**
   * Saves the state if the stored version is still `expectedVersion` (0: nothing stored yet),
   * together with the authors' standings (which only ever rise: the higher risk is kept, an
   * alert stays). Gives the new version, or `undefined` when another writer saved first.
   */
  saveConversation(
    id: string,
    state: string,
    expectedVersion: number,
    authors: readonly AuthorConversationRisk[],
  ): Promise<number | undefined>;
  /** The author's risk across their conversations; undefined when never seen. */
  getAuthor(author: string): Promise<AuthorRiskSummary | undefined>;
}
