import type { CreateTableBuilder, Kysely, Transaction } from 'kysely';
import type { Database } from './database.js';

/** Locks of their own for writes outside the bank sequence: audit appends, key creation. */
export const exclusiveLocks = ['audit_log', 'api_keys'] as const;
export type ExclusiveLock = (typeof exclusiveLocks)[number];

/**
 * What differs between the SQL dialects, by name. Shared store code asks these questions and
 * never which dialect it runs on; `sqlite/` and `postgres/` each export one `capabilities`.
 */
export interface DialectCapabilities {
  /** Most bound parameters one statement may carry (multi-row inserts are cut to fit). */
  readonly maxBindParameters: number;
  /**
   * Serializes the transactions that hand out sequence numbers, until they commit: run first
   * in each. Without it, a writer holding a lower sequence number could commit after one
   * holding a higher number, and a reader of changesSince would skip the lower one.
   */
  lockWriters(trx: Transaction<Database>): Promise<void>;
  /**
   * Serializes the transactions that take the same named lock until they commit, across
   * processes: run first in each. It does not wait for bank writers (PostgreSQL); SQLite has
   * one writer at a time, so there every lock is the one write lock.
   */
  lockExclusive(trx: Transaction<Database>, lock: ExclusiveLock): Promise<void>;
  /**
   * Brings the query planner's statistics up to date after a bulk change, so that the next
   * reads (an index loader paging by id) get the plans meant for a big table.
   */
  refreshStatistics(db: Kysely<Database>): Promise<void>;
  /** Adds an auto-incrementing 64-bit integer primary key column, never reused. */
  addIdColumn<T extends string>(table: CreateTableBuilder<T>, name: string): CreateTableBuilder<T>;
}
