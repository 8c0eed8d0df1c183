import { sql } from 'kysely';
import type { DialectCapabilities } from '../dialect-capabilities.js';

/** SQLite (better-sqlite3 12). */
export const capabilities: DialectCapabilities = {
  // SQLITE_MAX_VARIABLE_NUMBER defaults to 32766 since SQLite 3.32.
  maxBindParameters: 32_766,
  // SQLite has one writer at a time. Kysely's `begin` is deferred, so writing first takes the
  // write lock now (waiting up to busy_timeout for another process) rather than failing later
  // with SQLITE_BUSY when a read-started transaction tries to upgrade.
  async lockWriters(trx) {
    await sql`update store_state set last_seq = last_seq where id = 1`.execute(trx);
  },
  // The same write-first trick: SQLite's one write lock serializes every named lock too.
  async lockExclusive(trx) {
    await sql`update store_state set last_seq = last_seq where id = 1`.execute(trx);
  },
  async refreshStatistics(db) {
    await sql`pragma optimize`.execute(db);
  },
  addIdColumn(table, name) {
    return table.addColumn(name, 'integer', (col) => col.primaryKey().autoIncrement());
  },
};
