import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { openStore } from '../../src/store/open-store.js';
import type { Store, StoreConfig, StoreOptions } from '../../src/store/open-store.js';

/** PostgreSQL for the store tests; its cases are skipped when unset. */
export const databaseUrl = process.env.DATABASE_URL;

/** One empty database of its own, which a test may open several times. */
export interface TestDatabase {
  readonly config: StoreConfig;
  open(options?: StoreOptions): Promise<Store>;
  /** Closes what `open` opened and removes the database. */
  drop(): Promise<void>;
}

interface DatabaseLifecycle {
  open(config: StoreConfig, options?: StoreOptions): Promise<Store>;
  remove(): Promise<void>;
}

function trackStores(config: StoreConfig, lifecycle: DatabaseLifecycle): TestDatabase {
  const opened: Store[] = [];
  return {
    config,
    async open(options) {
      const store = await lifecycle.open(config, options);
      opened.push(store);
      return store;
    },
    async drop() {
      await Promise.all(opened.splice(0).map((store) => store.close()));
      await lifecycle.remove();
    },
  };
}

/** A SQLite file in a fresh temporary directory (a file, so that it can be reopened). */
export async function createSqliteDatabase(): Promise<TestDatabase> {
  const directory = await mkdtemp(join(tmpdir(), 'safeguard-store-'));
  return trackStores(
    { kind: 'sqlite', path: join(directory, 'safeguard.db') },
    { open: openStore, remove: () => rm(directory, { recursive: true, force: true }) },
  );
}

/**
 * Kysely's migrator looks for its tables across every schema of the database, and that
 * catalog query fails if another schema is dropped under it. Test files run in parallel, each
 * dropping its schemas, so opening (migrating) takes this lock shared and dropping exclusive.
 */
const schemaLock = 0x5afe7e57;

async function withClient<T>(url: string, use: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}

/** A schema of its own in the PostgreSQL database, so parallel test files never meet. */
export function createPostgresDatabase(url: string): Promise<TestDatabase> {
  const schema = `sg_test_${randomUUID().replaceAll('-', '').slice(0, 16)}`;
  return Promise.resolve(
    trackStores(
      { kind: 'postgres', url, schema },
      {
        open: (config, options) =>
          withClient(url, async (client) => {
            await client.query('select pg_advisory_lock_shared($1)', [schemaLock]);
            return openStore(config, options);
          }),
        remove: () =>
          withClient(url, async (client) => {
            await client.query('select pg_advisory_lock($1)', [schemaLock]);
            await client.query(`drop schema if exists ${schema} cascade`);
          }),
      },
    ),
  );
}

export interface DatabaseKind {
  readonly name: string;
  readonly enabled: boolean;
  create(): Promise<TestDatabase>;
}

/** SQLite always; PostgreSQL when DATABASE_URL is set. */
export const databaseKinds: readonly DatabaseKind[] = [
  { name: 'sqlite', enabled: true, create: createSqliteDatabase },
  {
    name: 'postgres',
    enabled: databaseUrl !== undefined,
    create: () => createPostgresDatabase(databaseUrl ?? ''),
  },
];
