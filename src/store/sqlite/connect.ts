import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect, type SqliteDatabase } from 'kysely';
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
  const db = new Kysely<Database>({
    dialect: new SqliteDialect({ database: cachingStatements(database) }),
  });
  return Promise.resolve({ db, capabilities, migrationTableSchema: undefined });
}

/** How many prepared statements a connection keeps (by SQL text, least recently used out). */
const cachedStatements = 100;

/**
 * The database as Kysely sees it, keeping its prepared statements: Kysely asks better-sqlite3
 * to prepare every query it runs, and preparing (SQLite parsing and planning the SQL) cost
 * more than running the small queries of a scan, a match report or a verdict record. A
 * statement still being iterated (a streamed select) is busy: another is prepared beside it.
 * SQLite re-prepares a kept statement by itself after a schema change.
 */
function cachingStatements(database: BetterSqlite3.Database): SqliteDatabase {
  const cache = new Map<string, BetterSqlite3.Statement>();
  return {
    close: () => {
      cache.clear();
      database.close();
    },
    prepare: (sql) => {
      const kept = cache.get(sql);
      if (kept !== undefined && !kept.busy) {
        cache.delete(sql);
        cache.set(sql, kept);
        return kept;
      }
      const statement = database.prepare(sql);
      if (kept === undefined) {
        cache.set(sql, statement);
        if (cache.size > cachedStatements) cache.delete(cache.keys().next().value as string);
      }
      return statement;
    },
  };
}
