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

/** Saves written in one transaction at most. */
const MAX_BATCH = 256;

/** A save checked and waiting for its turn in a group commit. */
interface PendingSave {
  readonly id: string;
  readonly state: string;
  readonly expected: number;
  readonly standings: readonly AuthorConversationRisk[];
  readonly done: (version: number | undefined) => void;
  readonly failed: (error: Error) => void;
}

export interface KyselyGroomingStateStoreOptions {
  /** The clock for updated_at; the system clock by default. */
  readonly now?: () => Date;
}

/**
 * The grooming state store on SQLite or PostgreSQL through Kysely; see the GroomingStateStore
 * port. A save is the conditional write of the conversation row (insert if absent for version
 * 0, else update where the version is still the expected one) and, in the same transaction,
 * the authors' upserts, which keep the higher risk; saves that arrive together share one
 * transaction (group commit, see #drain). On PostgreSQL the update waits for a
 * concurrent writer of the same row and then re-reads its version, so exactly one of two
 * writers from one version wins; on SQLite the single write lock does the same.
 */
export class KyselyGroomingStateStore implements GroomingStateStore {
  readonly #db: Kysely<Database>;
  readonly #now: () => Date;
  readonly #pending: PendingSave[] = [];
  #draining = false;

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

  saveConversation(
    id: string,
    state: string,
    expectedVersion: number,
    authors: readonly AuthorConversationRisk[],
  ): Promise<number | undefined> {
    let save: PendingSave;
    try {
      save = {
        id: checkGroomingId('conversationId', id),
        state: checkGroomingState(state),
        expected: checkExpectedVersion(expectedVersion),
        standings: checkAuthorRisks(authors).sort((a, b) => (a.author < b.author ? -1 : 1)),
        done: () => undefined,
        failed: () => undefined,
      };
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
    return new Promise((resolve, reject) => {
      this.#pending.push({ ...save, done: resolve, failed: reject });
      if (!this.#draining) {
        this.#draining = true;
        void this.#drain(); // never rejects: each save hears of its own outcome
      }
    });
  }

  /**
   * Group commit: the first save is written at once; saves that arrive while a write is in
   * flight wait for it and are then written together, in one transaction (one commit, one
   * flush to disk for all of them). Each keeps its own compare-and-set: one that lost reports
   * so and writes nothing, the others commit. Rows are written in conversation id order, so
   * two processes' batches lock them in one order and cannot deadlock.
   */
  async #drain(): Promise<void> {
    while (this.#pending.length > 0) {
      const batch = this.#pending.splice(0, MAX_BATCH);
      try {
        const versions =
          batch.length === 1 && batch[0]?.standings.length === 0
            ? [await this.#write(this.#db, batch[0])] // one statement: no transaction needed
            : await this.#db.transaction().execute(async (trx) => {
                const sorted = batch
                  .map((save, i) => ({ save, i }))
                  .sort((a, b) => (a.save.id < b.save.id ? -1 : a.save.id > b.save.id ? 1 : 0));
                const out: Array<number | undefined> = [];
                for (const { save, i } of sorted) out[i] = await this.#write(trx, save);
                return out;
              });
        batch.forEach((save, i) => save.done(versions[i]));
      } catch (error) {
        for (const save of batch)
          save.failed(error instanceof Error ? error : new Error(String(error)));
      }
    }
    this.#draining = false;
  }

  /** One compare-and-set, then the authors' standings if it won. */
  async #write(db: Kysely<Database>, save: PendingSave | undefined): Promise<number | undefined> {
    if (save === undefined) return undefined;
    const { id, state, expected, standings } = save;
    const updatedAt = this.#now().toISOString();
    const version = expected + 1;
    if (expected === 0) {
      const inserted = await db
        .insertInto('grooming_conversations')
        .values({ id, version, state, updated_at: updatedAt })
        .onConflict((oc) => oc.column('id').doNothing())
        .executeTakeFirst();
      if (Number(inserted.numInsertedOrUpdatedRows ?? 0n) === 0) return undefined;
    } else {
      const updated = await db
        .updateTable('grooming_conversations')
        .set({ version, state, updated_at: updatedAt })
        .where('id', '=', id)
        .where('version', '=', expected)
        .executeTakeFirst();
      if (Number(updated.numUpdatedRows) === 0) return undefined;
    }
    if (standings.length > 0) {
      await db
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
