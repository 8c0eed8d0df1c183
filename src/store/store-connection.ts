import type { Kysely } from 'kysely';
import type { Database } from './database.js';
import type { DialectCapabilities } from './dialect-capabilities.js';

/** An open database of one dialect, as `sqlite/connect` and `postgres/connect` return it. */
export interface StoreConnection {
  readonly db: Kysely<Database>;
  readonly capabilities: DialectCapabilities;
  /** Where Kysely keeps its migration tables; undefined for the default. */
  readonly migrationTableSchema: string | undefined;
}
