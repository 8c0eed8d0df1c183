import { sql } from 'kysely';
import type { Kysely, Migration } from 'kysely';
import type { DialectCapabilities } from './dialect-capabilities.js';

/**
 * The schema's history, one list for both dialects, applied in name order. A migration never
 * changes once released: values are written out here, not imported, so a later change to the
 * code cannot rewrite what an old database went through.
 */
export function createMigrations(capabilities: DialectCapabilities): Record<string, Migration> {
  return {
    '0001_banks_and_signals': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('store_state')
          .addColumn('id', 'integer', (col) => col.primaryKey().check(sql`id = 1`))
          .addColumn('last_seq', 'bigint', (col) => col.notNull())
          .execute();
        await sql`insert into store_state (id, last_seq) values (1, 0)`.execute(db);

        await capabilities
          .addIdColumn(db.schema.createTable('banks'), 'id')
          .addColumn('name', 'varchar(100)', (col) => col.notNull().unique())
          .addColumn('action', 'varchar(16)', (col) =>
            col.notNull().check(sql`action in ('block', 'review')`),
          )
          .addColumn('kind', 'varchar(16)', (col) =>
            col.notNull().check(sql`kind in ('match', 'allow')`),
          )
          .addColumn('pdq_threshold', 'integer', (col) =>
            col.notNull().check(sql`pdq_threshold between 0 and 255`),
          )
          .addColumn('enabled', 'integer', (col) => col.notNull().check(sql`enabled in (0, 1)`))
          .addColumn('signal_count', 'bigint', (col) => col.notNull().defaultTo(0))
          .addColumn('created_at', 'varchar(32)', (col) => col.notNull())
          .addColumn('updated_at', 'varchar(32)', (col) => col.notNull())
          .execute();

        // No check on `type`: a new signal type must not need a rebuild of a table of millions
        // of rows (SQLite cannot alter a check); the store validates types on the way in.
        await capabilities
          .addIdColumn(db.schema.createTable('signals'), 'id')
          .addColumn('bank_id', 'bigint', (col) => col.notNull().references('banks.id'))
          .addColumn('type', 'varchar(16)', (col) => col.notNull())
          .addColumn('value', 'text', (col) => col.notNull().check(sql`length(value) > 0`))
          .addColumn('metadata', 'text')
          .addColumn('added_at', 'varchar(32)', (col) => col.notNull())
          .addColumn('added_seq', 'bigint', (col) => col.notNull())
          .addColumn('removed_at', 'varchar(32)')
          .addColumn('removed_seq', 'bigint')
          .execute();
        // One live signal per (bank, type, value); tombstones may repeat it.
        await db.schema
          .createIndex('signals_live_key')
          .on('signals')
          .columns(['bank_id', 'type', 'value'])
          .unique()
          .where(sql.ref('removed_seq'), 'is', null)
          .execute();
        await db.schema
          .createIndex('signals_bank_id')
          .on('signals')
          .columns(['bank_id', 'id'])
          .execute();
        await db.schema
          .createIndex('signals_added_seq')
          .on('signals')
          .column('added_seq')
          .unique()
          .execute();
        await db.schema
          .createIndex('signals_removed_seq')
          .on('signals')
          .column('removed_seq')
          .unique()
          .where(sql.ref('removed_seq'), 'is not', null)
          .execute();

        await db.schema
          .createTable('bank_changes')
          .addColumn('seq', 'bigint', (col) => col.primaryKey())
          .addColumn('bank_id', 'bigint', (col) => col.notNull())
          .addColumn('kind', 'varchar(16)', (col) =>
            col.notNull().check(sql`kind in ('bank_changed', 'bank_deleted')`),
          )
          .addColumn('changed_at', 'varchar(32)', (col) => col.notNull())
          .execute();
      },
      async down(db: Kysely<unknown>) {
        for (const table of ['bank_changes', 'signals', 'banks', 'store_state']) {
          await db.schema.dropTable(table).execute();
        }
      },
    },
  };
}
