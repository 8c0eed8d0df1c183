import type { Kysely, Transaction } from 'kysely';
import type { Database } from './database.js';

/**
 * Runs `work` in a transaction of `db`, or directly in `db` when it already is one: a store
 * built on a transaction (see record-verdicts.ts) joins it instead of starting its own, which
 * Kysely does not nest.
 */
export function inTransaction<T>(
  db: Kysely<Database>,
  work: (trx: Transaction<Database>) => Promise<T>,
): Promise<T> {
  return db.isTransaction ? work(db as Transaction<Database>) : db.transaction().execute(work);
}
