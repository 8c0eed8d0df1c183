import { sql } from 'kysely';
import type { DialectCapabilities, ExclusiveLock } from '../dialect-capabilities.js';

/** First key of the advisory lock that serializes writers; the second is the schema's hash. */
const writerLockClass = 0x5afe;
/** First keys of the named locks: each its own, so an audit append never waits for an import. */
const exclusiveLockClass: Readonly<Record<ExclusiveLock, number>> = {
  audit_log: 0x5afe_a0d1,
  api_keys: 0x5afe_4e75,
};

/** PostgreSQL (pg). */
export const capabilities: DialectCapabilities = {
  // The wire protocol counts parameters in 16 bits.
  maxBindParameters: 65_535,
  // A transaction-scoped advisory lock, per schema: released at commit or rollback, also when
  // the connection dies. Readers are not blocked.
  async lockWriters(trx) {
    await sql`select pg_advisory_xact_lock(${sql.lit(writerLockClass)}, hashtext(current_schema()))`.execute(
      trx,
    );
  },
  async lockExclusive(trx, lock) {
    await sql`select pg_advisory_xact_lock(${sql.lit(exclusiveLockClass[lock])}, hashtext(current_schema()))`.execute(
      trx,
    );
  },
  // Autovacuum would get there within a minute or so; until then PostgreSQL may think the
  // table is tiny and sort the whole of it for every page of loadLiveSignals.
  async refreshStatistics(db) {
    await sql`analyze signals`.execute(db);
  },
  addIdColumn(table, name) {
    return table.addColumn(name, 'bigint', (col) => col.primaryKey().generatedAlwaysAsIdentity());
  },
};
