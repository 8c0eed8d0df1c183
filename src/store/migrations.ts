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
    '0002_keys_and_audit': {
      async up(db: Kysely<unknown>) {
        // Keys: the token's SHA-256 only. Scopes are a JSON list with no check, so that a new
        // scope needs no table rebuild; the store validates them both ways.
        await db.schema
          .createTable('api_keys')
          .addColumn('id', 'varchar(16)', (col) => col.primaryKey())
          .addColumn('name', 'varchar(100)', (col) => col.notNull())
          .addColumn('scopes', 'varchar(200)', (col) => col.notNull())
          .addColumn('token_hash', 'varchar(64)', (col) =>
            col.notNull().check(sql`length(token_hash) = 64`),
          )
          .addColumn('created_at', 'varchar(32)', (col) => col.notNull())
          .addColumn('last_used_at', 'varchar(32)')
          .addColumn('revoked_at', 'varchar(32)')
          .execute();

        // The audit chain: seq 1, 2, 3, … with no gaps, each row hashing the one before.
        await db.schema
          .createTable('audit_log')
          .addColumn('seq', 'bigint', (col) => col.primaryKey().check(sql`seq > 0`))
          .addColumn('at', 'varchar(32)', (col) => col.notNull())
          .addColumn('actor', 'varchar(200)', (col) => col.notNull())
          .addColumn('action', 'varchar(100)', (col) => col.notNull())
          .addColumn('subject', 'varchar(300)', (col) => col.notNull())
          .addColumn('details', 'text', (col) => col.notNull())
          .addColumn('prev_hash', 'varchar(64)', (col) => col.notNull())
          .addColumn('hash', 'varchar(64)', (col) => col.notNull())
          .execute();
        await db.schema
          .createIndex('audit_log_action')
          .on('audit_log')
          .columns(['action', 'seq'])
          .execute();
        // The last row appended, updated with each append: a deleted tail shows against it.
        await db.schema
          .createTable('audit_head')
          .addColumn('id', 'integer', (col) => col.primaryKey().check(sql`id = 1`))
          .addColumn('seq', 'bigint', (col) => col.notNull())
          .addColumn('hash', 'varchar(64)', (col) => col.notNull())
          .execute();
        await sql`insert into audit_head (id, seq, hash) values (1, 0, ${sql.lit('0'.repeat(64))})`.execute(
          db,
        );
      },
      async down(db: Kysely<unknown>) {
        for (const table of ['audit_head', 'audit_log', 'api_keys']) {
          await db.schema.dropTable(table).execute();
        }
      },
    },
    '0003_scans_and_cases': {
      async up(db: Kysely<unknown>) {
        // No check on `kind`: a new kind of scan must not need a rebuild of a table this big.
        await db.schema
          .createTable('scans')
          .addColumn('id', 'varchar(64)', (col) => col.primaryKey())
          .addColumn('created_at', 'varchar(32)', (col) => col.notNull())
          .addColumn('kind', 'varchar(16)', (col) => col.notNull())
          .addColumn('verdict', 'varchar(16)', (col) =>
            col.notNull().check(sql`verdict in ('allow', 'review', 'block')`),
          )
          .addColumn('content_id', 'varchar(200)')
          .addColumn('uploader_id', 'varchar(200)')
          .addColumn('key_id', 'varchar(200)')
          .addColumn('hashes', 'text', (col) => col.notNull())
          .addColumn('matches', 'text', (col) => col.notNull())
          .addColumn('reasons', 'text', (col) => col.notNull())
          .addColumn('duration_ms', 'double precision', (col) => col.notNull())
          .execute();
        // Each list filter has an index ending in the page order (created_at, id); the
        // optional ids only index the scans that have them.
        await db.schema
          .createIndex('scans_created_at')
          .on('scans')
          .columns(['created_at', 'id'])
          .execute();
        await db.schema
          .createIndex('scans_verdict')
          .on('scans')
          .columns(['verdict', 'created_at', 'id'])
          .execute();
        for (const column of ['content_id', 'uploader_id']) {
          await db.schema
            .createIndex(`scans_${column}`)
            .on('scans')
            .columns([column, 'created_at', 'id'])
            .where(sql.ref(column), 'is not', null)
            .execute();
        }

        await capabilities
          .addIdColumn(db.schema.createTable('cases'), 'id')
          .addColumn('scan_id', 'varchar(64)', (col) => col.notNull().unique())
          .addColumn('status', 'varchar(16)', (col) =>
            col.notNull().check(sql`status in ('open', 'confirmed', 'false_positive')`),
          )
          .addColumn('verdict', 'varchar(16)', (col) =>
            col.notNull().check(sql`verdict in ('review', 'block')`),
          )
          .addColumn('content_id', 'varchar(200)')
          .addColumn('uploader_id', 'varchar(200)')
          .addColumn('banks', 'text', (col) => col.notNull())
          .addColumn('created_at', 'varchar(32)', (col) => col.notNull())
          .addColumn('updated_at', 'varchar(32)', (col) => col.notNull())
          .addColumn('decided_by', 'varchar(200)')
          .addColumn('decided_at', 'varchar(32)')
          .addColumn('note', 'text')
          .execute();
        await db.schema.createIndex('cases_status').on('cases').columns(['status', 'id']).execute();
      },
      async down(db: Kysely<unknown>) {
        for (const table of ['cases', 'scans']) {
          await db.schema.dropTable(table).execute();
        }
      },
    },
    '0004_long_signal_values': {
      // vPDQ values are whole frame lists (megabytes); PostgreSQL cannot index values over
      // ~2.7 kB. The live-key index moves to value_key: the value itself up to 2048 bytes (so
      // every existing row keeps its key), else 'sha256:' and the value's SHA-256.
      async up(db: Kysely<unknown>) {
        await db.schema
          .alterTable('signals')
          .addColumn('value_key', 'text', (col) => col.notNull().defaultTo(''))
          .execute();
        await sql`update signals set value_key = value`.execute(db);
        await db.schema.dropIndex('signals_live_key').execute();
        await db.schema
          .createIndex('signals_live_key')
          .on('signals')
          .columns(['bank_id', 'type', 'value_key'])
          .unique()
          .where(sql.ref('removed_seq'), 'is', null)
          .execute();
      },
      async down(db: Kysely<unknown>) {
        await db.schema.dropIndex('signals_live_key').execute();
        await db.schema
          .createIndex('signals_live_key')
          .on('signals')
          .columns(['bank_id', 'type', 'value'])
          .unique()
          .where(sql.ref('removed_seq'), 'is', null)
          .execute();
        await db.schema.alterTable('signals').dropColumn('value_key').execute();
      },
    },
    '0005_streams': {
      // Live streams registered for monitoring: one row each, updated as frames arrive.
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('streams')
          .addColumn('id', 'varchar(64)', (col) => col.primaryKey())
          .addColumn('name', 'varchar(200)')
          .addColumn('url', 'text')
          .addColumn('callback_url', 'text')
          .addColumn('sample_fps', 'double precision', (col) => col.notNull())
          .addColumn('content_id', 'varchar(200)')
          .addColumn('uploader_id', 'varchar(200)')
          .addColumn('key_id', 'varchar(200)')
          .addColumn('status', 'varchar(16)', (col) => col.notNull())
          .addColumn('end_reason', 'varchar(16)')
          .addColumn('error', 'text')
          .addColumn('frames_sampled', 'bigint', (col) => col.notNull())
          .addColumn('last_frame_at', 'varchar(32)')
          .addColumn('matches', 'text', (col) => col.notNull())
          .addColumn('created_at', 'varchar(32)', (col) => col.notNull())
          .addColumn('updated_at', 'varchar(32)', (col) => col.notNull())
          .addColumn('ended_at', 'varchar(32)')
          .execute();
        await db.schema
          .createIndex('streams_status')
          .on('streams')
          .columns(['status', 'id'])
          .execute();
      },
      async down(db: Kysely<unknown>) {
        await db.schema.dropTable('streams').execute();
      },
    },
    '0006_jobs': {
      // Background work (long video scans): queued here, run by the process that took the
      // upload, polled by anyone.
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('jobs')
          .addColumn('id', 'varchar(64)', (col) => col.primaryKey())
          .addColumn('kind', 'varchar(32)', (col) => col.notNull())
          .addColumn('status', 'varchar(16)', (col) =>
            col.notNull().check(sql`status in ('queued', 'running', 'done', 'failed')`),
          )
          .addColumn('input', 'text', (col) => col.notNull())
          .addColumn('result', 'text')
          .addColumn('error', 'text')
          .addColumn('callback_url', 'text')
          .addColumn('webhook', 'text')
          .addColumn('key_id', 'varchar(200)')
          .addColumn('created_at', 'varchar(32)', (col) => col.notNull())
          .addColumn('started_at', 'varchar(32)')
          .addColumn('finished_at', 'varchar(32)')
          .execute();
        await db.schema.createIndex('jobs_status').on('jobs').columns(['status', 'id']).execute();
      },
      async down(db: Kysely<unknown>) {
        await db.schema.dropTable('jobs').execute();
      },
    },
    '0007_grooming_state': {
      // Grooming state kept in the database rather than one process's memory: each
      // conversation's serialised rolling state with a version for compare-and-set, and each
      // author's standing per conversation (the author view aggregates these rows).
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('grooming_conversations')
          .addColumn('id', 'varchar(200)', (col) => col.primaryKey())
          .addColumn('version', 'bigint', (col) => col.notNull().check(sql`version > 0`))
          .addColumn('state', 'text', (col) => col.notNull())
          .addColumn('updated_at', 'varchar(32)', (col) => col.notNull())
          .execute();
        await db.schema
          .createTable('grooming_author_conversations')
          .addColumn('author', 'varchar(200)', (col) => col.notNull())
          .addColumn('conversation_id', 'varchar(200)', (col) => col.notNull())
          .addColumn('risk', 'double precision', (col) => col.notNull())
          .addColumn('alerted', 'integer', (col) => col.notNull().check(sql`alerted in (0, 1)`))
          .addPrimaryKeyConstraint('grooming_author_conversations_pk', [
            'author',
            'conversation_id',
          ])
          .execute();
      },
      async down(db: Kysely<unknown>) {
        await db.schema.dropTable('grooming_author_conversations').execute();
        await db.schema.dropTable('grooming_conversations').execute();
      },
    },
    '0008_job_owners': {
      // Several server processes (or nodes) share the jobs table: each job names the process
      // that runs it, which refreshes heartbeat_at while it lives, so the others can tell its
      // jobs from those of a process that died.
      async up(db: Kysely<unknown>) {
        await db.schema.alterTable('jobs').addColumn('owner', 'varchar(200)').execute();
        await db.schema.alterTable('jobs').addColumn('heartbeat_at', 'varchar(32)').execute();
      },
      async down(db: Kysely<unknown>) {
        await db.schema.alterTable('jobs').dropColumn('heartbeat_at').execute();
        await db.schema.alterTable('jobs').dropColumn('owner').execute();
      },
    },
  };
}
