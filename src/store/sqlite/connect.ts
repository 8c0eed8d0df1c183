import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { SafeguardError } from '../../core/errors.js';
import type { Database } from '../database.js';
import type { StoreConnection } from '../store-connection.js';
import { capabilities } from './capabilities.js';

export interface SqliteConfig {
  /** A file path (its directory must exist) or `:memory:`. */
  readonly path: string;
  /**
   * How long a statement waits for another connection's write lock, ms (default 5000). 0 makes
   * it fail at once with SQLITE_BUSY, for a caller that retries on its own (see
   * retry-busy.ts): SQLite's own wait sleeps ever longer (up to 100 ms a time), so a writer
   * that keeps being beaten to the lock by another process can wait for seconds.
   */
  readonly busyTimeoutMs?: number;
}

const busyTimeoutMs = 5_000;

/** Opens a SQLite database: WAL journal, foreign keys enforced, waits on a busy writer. */
export function connect(config: SqliteConfig): Promise<StoreConnection> {
  let database: BetterSqlite3.Database;
  try {
    database = new BetterSqlite3(config.path, { timeout: config.busyTimeoutMs ?? busyTimeoutMs });
  } catch (error) {
    return Promise.reject(
      new SafeguardError(
        'io_error',
        `Cannot open the SQLite database at ${config.path}.`,
        { path: config.path },
        { cause: error },
      ),
    );
  }
  database.pragma('journal_mode = WAL');
  database.pragma('synchronous = FULL');
  database.pragma('foreign_keys = ON');
  database.pragma(`busy_timeout = ${config.busyTimeoutMs ?? busyTimeoutMs}`);
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database }) });
  return Promise.resolve({ db, capabilities, migrationTableSchema: undefined });
}
