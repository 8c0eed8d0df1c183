import { Migrator } from 'kysely';
import { SafeguardError } from '../core/errors.js';
import { createMigrations } from './migrations.js';
import type { StoreConnection } from './store-connection.js';

/**
 * Applies the migrations the database has not seen yet; a no-op on an up-to-date database.
 * Several processes may call it at once: Kysely's migration lock runs them one at a time.
 */
export async function migrateToLatest(connection: StoreConnection): Promise<void> {
  const migrations = createMigrations(connection.capabilities);
  const migrator = new Migrator({
    db: connection.db,
    provider: { getMigrations: () => Promise.resolve(migrations) },
    migrationTableSchema: connection.migrationTableSchema,
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error !== undefined) {
    const failed = results?.find((result) => result.status === 'Error')?.migrationName;
    throw new SafeguardError(
      'internal',
      failed === undefined
        ? 'Migrating the database failed.'
        : `Migrating the database failed in migration ${failed}.`,
      failed === undefined ? undefined : { migration: failed },
      { cause: error },
    );
  }
}
