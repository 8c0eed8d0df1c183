import type { Kysely } from 'kysely';
import { SafeguardError } from '../core/errors.js';
import {
  activeStreamStatuses,
  streamEndReasons,
  streamStatuses,
  type NewStream,
  type StreamPage,
  type StreamProgress,
  type StreamQuery,
  type StreamRecord,
  type StreamStatusChange,
  type StreamStore,
} from '../service/ports/stream-store.js';
import { checkOneOf } from './check-input.js';
import type { Database } from './database.js';
import { checkTimestamp } from './scan-store-input.js';
import {
  checkError,
  checkMatches,
  checkStreamId,
  checkStreamLimit,
  toStreamRecord,
  toStreamRow,
} from './stream-store-input.js';

export interface KyselyStreamStoreOptions {
  /** The clock for updatedAt; the system clock by default. */
  readonly now?: () => Date;
}

/**
 * The stream store on SQLite or PostgreSQL through Kysely; see the StreamStore port. One row
 * per stream, each write one statement; a final status is guarded in the statement itself, so
 * a stream stopped on one node is not brought back by another node's late update.
 */
export class KyselyStreamStore implements StreamStore {
  readonly #db: Kysely<Database>;
  readonly #now: () => Date;

  constructor(db: Kysely<Database>, options: KyselyStreamStoreOptions = {}) {
    this.#db = db;
    this.#now = options.now ?? (() => new Date());
  }

  async create(stream: NewStream): Promise<StreamRecord> {
    const row = toStreamRow(stream);
    const inserted = await this.#db
      .insertInto('streams')
      .values(row)
      .onConflict((conflict) => conflict.column('id').doNothing())
      .returningAll()
      .executeTakeFirst();
    if (inserted === undefined) {
      throw new SafeguardError('conflict', `A stream with id ${row.id} already exists.`, {
        streamId: row.id,
      });
    }
    return toStreamRecord(inserted);
  }

  async get(id: string): Promise<StreamRecord | undefined> {
    const row = await this.#db
      .selectFrom('streams')
      .selectAll()
      .where('id', '=', checkStreamId(id))
      .executeTakeFirst();
    return row === undefined ? undefined : toStreamRecord(row);
  }

  async list(query: StreamQuery): Promise<StreamPage> {
    const limit = checkStreamLimit(query.limit);
    let select = this.#db.selectFrom('streams').selectAll();
    if (query.status !== undefined) {
      select = select.where('status', '=', checkOneOf('status', streamStatuses, query.status));
    }
    if (query.before !== undefined) select = select.where('id', '<', checkStreamId(query.before));
    const rows = await select
      .orderBy('id', 'desc')
      .limit(limit + 1)
      .execute();
    const streams = rows.slice(0, limit).map(toStreamRecord);
    const last = streams.at(-1);
    return rows.length > limit && last !== undefined ? { streams, next: last.id } : { streams };
  }

  async progress(id: string, progress: StreamProgress): Promise<StreamRecord | undefined> {
    const row = await this.#db
      .updateTable('streams')
      .set({
        updated_at: this.#now().toISOString(),
        ...(progress.framesSampled === undefined
          ? {}
          : { frames_sampled: Math.max(0, Math.floor(progress.framesSampled)) }),
        ...(progress.lastFrameAt === undefined
          ? {}
          : { last_frame_at: checkTimestamp('lastFrameAt', progress.lastFrameAt) }),
        ...(progress.matches === undefined ? {} : { matches: checkMatches(progress.matches) }),
      })
      .where('id', '=', checkStreamId(id))
      .returningAll()
      .executeTakeFirst();
    return row === undefined ? undefined : toStreamRecord(row);
  }

  async setStatus(
    id: string,
    change: StreamStatusChange,
  ): Promise<{ record: StreamRecord; changed: boolean } | undefined> {
    const status = checkOneOf('status', streamStatuses, change.status);
    const final = !activeStreamStatuses.includes(status);
    const at = checkTimestamp('at', change.at);
    const row = await this.#db
      .updateTable('streams')
      .set({
        status,
        updated_at: this.#now().toISOString(),
        ...(change.endReason === undefined
          ? {}
          : { end_reason: checkOneOf('endReason', streamEndReasons, change.endReason) }),
        ...(change.error === undefined ? {} : { error: checkError(change.error) }),
        ...(final ? { ended_at: at } : {}),
      })
      .where('id', '=', checkStreamId(id))
      .where('status', 'in', [...activeStreamStatuses])
      .returningAll()
      .executeTakeFirst();
    if (row !== undefined) return { record: toStreamRecord(row), changed: true };
    const current = await this.get(id);
    return current === undefined ? undefined : { record: current, changed: false };
  }
}
