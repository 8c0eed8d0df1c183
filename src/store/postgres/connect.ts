import pg from 'pg';
import { Kysely, PostgresDialect, sql } from 'kysely';
import { SafeguardError } from '../../core/errors.js';
import type { Database } from '../database.js';
import type { StoreConnection } from '../store-connection.js';
import { capabilities } from './capabilities.js';

export interface PostgresConfig {
  /** postgres://user@host:port/database */
  readonly url: string;
  /** The schema holding Safeguard's tables, created if missing; `public` by default. */
  readonly schema?: string;
}

const schemaPattern = /^[a-z_][a-z0-9_]{0,62}$/;
const int8Oid = 20;

/** 64-bit integers (ids, sequence numbers, counts) come back as numbers, not strings. */
function parseInt8(text: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value)) {
    throw new SafeguardError(
      'internal',
      `A 64-bit integer from PostgreSQL does not fit a JavaScript number: ${text}.`,
    );
  }
  return value;
}

type TypeParser = (text: string) => unknown;

const types: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary'): TypeParser =>
    oid === int8Oid && format !== 'binary'
      ? parseInt8
      : (pg.types.getTypeParser(oid, format) as TypeParser)) as typeof pg.types.getTypeParser,
};

/** Opens a pool on a PostgreSQL database, every connection working in `schema`. */
export async function connect(config: PostgresConfig): Promise<StoreConnection> {
  const schema = config.schema ?? 'public';
  if (!schemaPattern.test(schema)) {
    throw new SafeguardError(
      'invalid_argument',
      `PostgreSQL schema name "${schema}" must be lowercase letters, digits and underscores, starting with a letter or underscore.`,
      { schema },
    );
  }
  const pool = new pg.Pool({
    connectionString: config.url,
    options: `-c search_path=${schema}`,
    types,
  });
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  try {
    // Checked first: CREATE SCHEMA needs the CREATE privilege even when the schema exists.
    const existing = await sql<{
      found: number;
    }>`select 1 as found from pg_namespace where nspname = ${schema}`.execute(db);
    if (existing.rows.length === 0)
      await sql`create schema if not exists ${sql.id(schema)}`.execute(db);
  } catch (error) {
    await db.destroy();
    throw new SafeguardError(
      'io_error',
      `Cannot prepare PostgreSQL schema "${schema}".`,
      { schema },
      { cause: error },
    );
  }
  return { db, capabilities, migrationTableSchema: schema };
}
