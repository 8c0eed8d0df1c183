import { sql, type Kysely } from 'kysely';
import {
  type AuthorConversationRisk,
  type AuthorRiskSummary,
  type GroomingStateStore,
  type StoredConversation,
} from '../service/ports/grooming-state-store.js';
import type { Database } from './database.js';
import {
  checkAuthorRisks,
  checkExpectedVersion,
  checkGroomingId,
  checkGroomingState,
} from './grooming-state-input.js';

export interface KyselyGroomingStateStoreOptions {
  /** The clock for updated_at; the system clock by default. */
  readonly now?: () => Date;
}

/**
 * The grooming state store on SQLite or PostgreSQL through Kysely; see the GroomingStateStore
 * port. A save is one transaction: the conditional write of the conversation row (insert if
 * absent for version 0, else update where the version is still the expected one) and the
 * authors' upserts, which keep the higher risk. On PostgreSQL the update waits for a
 * concurrent writer of the same row and then re-reads its version, so exactly one of two
 * writers from one version wins; on SQLite the single write lock does the same.
 */
export class KyselyGroomingStateStore implements GroomingStateStore {
  readonly #db: Kysely<Database>;
  readonly #now: () => Date;

  constructor(db: Kysely<Database>, options: KyselyGroomingStateStoreOptions = {}) {
    this.#db = db;
    this.#now = options.now ?? (() => new Date());
  }

  async getConversation(id: string): Promise<StoredConversation | undefined> {
    const row = await this.#db
      .selectFrom('grooming_conversations')
      .select(['id', 'version', 'state'])
      .where('id', '=', checkGroomingId('conversationId', id))
      .executeTakeFirst();
    return row === undefined ? undefined : { ...row, version: Number(row.version) };
  }

  async saveConversation(
    id: string,
    state: string,
    expectedVersion: number,
    authors: readonly AuthorConversationRisk[],
  ): Promise<number | undefined> {
    checkGroomingId('conversationId', id);
    checkGroomingState(state);
    const expected = checkExpectedVersion(expectedVersion);
    const standings = checkAuthorRisks(authors);
    const updatedAt = this.#now().toISOString();
    // Most messages change no author's standing: then the conditional write is the only
    // statement, and needs no transaction of its own.
    const write = async (trx: Kysely<Database>) => {
      const version = expected + 1;
      if (expected === 0) {
        const inserted = await trx
          .insertInto('grooming_conversations')
          .values({ id, version, state, updated_at: updatedAt })
          .onConflict((oc) => oc.column('id').doNothing())
          .executeTakeFirst();
        if (Number(inserted.numInsertedOrUpdatedRows ?? 0n) === 0) return undefined;
      } else {
        const updated = await trx
          .updateTable('grooming_conversations')
          .set({ version, state, updated_at: updatedAt })
          .where('id', '=', id)
          .where('version', '=', expected)
          .executeTakeFirst();
        if (Number(updated.numUpdatedRows) === 0) return undefined;
      }
      if (standings.length > 0) {
        await trx
          .insertInto('grooming_author_conversations')
          .values(
            standings.map((a) => ({
              author: a.author,
              conversation_id: id,
              risk: a.risk,
              alerted: a.alerted ? 1 : 0,
            })),
          )
          .onConflict((oc) =>
            oc.columns(['author', 'conversation_id']).doUpdateSet({
              risk: sql<number>`case when excluded.risk > grooming_author_conversations.risk then excluded.risk else grooming_author_conversations.risk end`,
              alerted: sql<number>`case when excluded.alerted > grooming_author_conversations.alerted then excluded.alerted else grooming_author_conversations.alerted end`,
            }),
          )
          .execute();
      }
      return version;
    };
    return standings.length === 0 ? write(this.#db) : this.#db.transaction().execute(write);
  }

  async getAuthor(author: string): Promise<AuthorRiskSummary | undefined> {
    const row = await this.#db
      .selectFrom('grooming_author_conversations')
      .select((eb) => [
        eb.fn.max('risk').as('risk'),
        eb.fn.countAll().as('conversations'),
        eb.fn.sum('alerted').as('alerted'),
      ])
      .where('author', '=', checkGroomingId('author', author))
      .executeTakeFirst();
    const conversations = Number(row?.conversations ?? 0);
    if (row === undefined || conversations === 0) return undefined;
    return {
      author,
      risk: Number(row.risk),
      conversations,
      alertedConversations: Number(row.alerted ?? 0),
    };
  }
}
