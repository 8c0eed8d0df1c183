import type { Kysely, Transaction } from 'kysely';
import type { Database } from './database.js';
import type { DialectCapabilities } from './dialect-capabilities.js';
import { inTransaction } from './in-transaction.js';

/** A write transaction that may hand out sequence numbers. */
export interface WriteContext {
  readonly trx: Transaction<Database>;
  /** The transaction's clock reading, ISO 8601: every row it writes carries the same time. */
  readonly now: string;
  /** The next sequence number, not yet taken. */
  peekSeq(): number;
  /** Takes `count` sequence numbers, returns the first. */
  takeSeqs(count: number): number;
}

/**
 * Runs `write` in a transaction that holds the writers' lock from its first statement to its
 * commit, so sequence numbers become visible in the order they were handed out. The last
 * sequence number is saved in the same transaction: a rollback gives them back. Joins the
 * transaction `db` already is (Store.atomically).
 */
export async function withWriteTransaction<T>(
  db: Kysely<Database>,
  capabilities: DialectCapabilities,
  now: () => Date,
  write: (context: WriteContext) => Promise<T>,
): Promise<T> {
  return inTransaction(db, async (trx) => {
    await capabilities.lockWriters(trx);
    const state = await trx
      .selectFrom('store_state')
      .select('last_seq')
      .where('id', '=', 1)
      .executeTakeFirstOrThrow();
    const start = Number(state.last_seq);
    let last = start;
    const result = await write({
      trx,
      now: now().toISOString(),
      peekSeq: () => last + 1,
      takeSeqs: (count) => {
        const first = last + 1;
        last += count;
        return first;
      },
    });
    if (last !== start) {
      await trx.updateTable('store_state').set({ last_seq: last }).where('id', '=', 1).execute();
    }
    return result;
  });
}
