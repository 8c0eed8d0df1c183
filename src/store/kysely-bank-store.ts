import type { Kysely, Selectable } from 'kysely';
import { SafeguardError } from '../core/errors.js';
import { maxPageSize } from '../service/ports/bank-store.js';
import type {
  AddResult,
  Bank,
  BankPatch,
  BankStore,
  Change,
  ImportOptions,
  LiveSignal,
  LiveSignalPage,
  NewBank,
  NewSignal,
  Signal,
  SignalKey,
  SignalPage,
  SignalType,
} from '../service/ports/bank-store.js';
import {
  checkBankId,
  checkBankPatch,
  checkLimit,
  checkNewBank,
  checkPosition,
  checkSignalKey,
  checkSignalType,
  decodeMetadata,
} from './bank-store-input.js';
import type { BankChangeKind, BanksTable, Database, SignalsTable } from './database.js';
import type { DialectCapabilities } from './dialect-capabilities.js';
import { insertSignals } from './insert-signals.js';
import { readChanges } from './read-changes.js';
import { signalValueKey } from './signal-value-key.js';
import { withWriteTransaction } from './with-write-transaction.js';
import type { WriteContext } from './with-write-transaction.js';

/** Rows added at once beyond which the planner's statistics are refreshed. */
const bulkChange = 10_000;

export interface KyselyBankStoreOptions {
  /** The clock for createdAt, addedAt and the like; the system clock by default. */
  readonly now?: () => Date;
}

/** The bank store on SQLite or PostgreSQL through Kysely; see the BankStore port. */
export class KyselyBankStore implements BankStore {
  readonly #db: Kysely<Database>;
  readonly #capabilities: DialectCapabilities;
  readonly #now: () => Date;

  constructor(
    db: Kysely<Database>,
    capabilities: DialectCapabilities,
    options: KyselyBankStoreOptions = {},
  ) {
    this.#db = db;
    this.#capabilities = capabilities;
    this.#now = options.now ?? (() => new Date());
  }

  async createBank(bank: NewBank): Promise<Bank> {
    const checked = checkNewBank(bank);
    return this.#write(async (context) => {
      await assertNameFree(context, checked.name, undefined);
      const row = await context.trx
        .insertInto('banks')
        .values({
          name: checked.name,
          action: checked.action,
          kind: checked.kind,
          pdq_threshold: checked.pdqThreshold,
          enabled: 1,
          signal_count: 0,
          created_at: context.now,
          updated_at: context.now,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      await recordBankChange(context, row.id, 'bank_changed');
      return toBank(row);
    });
  }

  async listBanks(): Promise<Bank[]> {
    const rows = await this.#db.selectFrom('banks').selectAll().orderBy('id').execute();
    return rows.map(toBank);
  }

  async getBank(nameOrId: string | number): Promise<Bank | undefined> {
    const query = this.#db.selectFrom('banks').selectAll();
    const row = await (
      typeof nameOrId === 'number'
        ? query.where('id', '=', checkBankId(nameOrId))
        : query.where('name', '=', nameOrId)
    ).executeTakeFirst();
    return row === undefined ? undefined : toBank(row);
  }

  async updateBank(id: number, patch: BankPatch): Promise<Bank> {
    checkBankId(id);
    checkBankPatch(patch);
    return this.#write(async (context) => {
      await findBank(context, id);
      if (patch.name !== undefined) await assertNameFree(context, patch.name, id);
      const row = await context.trx
        .updateTable('banks')
        .set({
          ...(patch.name === undefined ? {} : { name: patch.name }),
          ...(patch.action === undefined ? {} : { action: patch.action }),
          ...(patch.kind === undefined ? {} : { kind: patch.kind }),
          ...(patch.pdqThreshold === undefined ? {} : { pdq_threshold: patch.pdqThreshold }),
          ...(patch.enabled === undefined ? {} : { enabled: patch.enabled ? 1 : 0 }),
          updated_at: context.now,
        })
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirstOrThrow();
      await recordBankChange(context, id, 'bank_changed');
      return toBank(row);
    });
  }

  async deleteBank(id: number): Promise<void> {
    checkBankId(id);
    await this.#write(async (context) => {
      await findBank(context, id);
      await context.trx.deleteFrom('signals').where('bank_id', '=', id).execute();
      await context.trx.deleteFrom('banks').where('id', '=', id).execute();
      await recordBankChange(context, id, 'bank_deleted');
    });
  }

  async addSignals(bankId: number, signals: readonly NewSignal[]): Promise<AddResult> {
    checkBankId(bankId);
    return this.#write(async (context) => {
      await findBank(context, bankId);
      const result = await insertSignals(context, this.#capabilities, bankId, signals);
      await addToSignalCount(context, bankId, result.added);
      return result;
    });
  }

  async importSignals(
    bankId: number,
    batches: AsyncIterable<readonly NewSignal[]>,
    options: ImportOptions = {},
  ): Promise<AddResult> {
    checkBankId(bankId);
    const result = await this.#write(async (context) => {
      await findBank(context, bankId);
      let added = 0;
      let duplicates = 0;
      for await (const batch of batches) {
        const result = await insertSignals(context, this.#capabilities, bankId, batch);
        added += result.added;
        duplicates += result.duplicates;
        options.onProgress?.(added + duplicates);
      }
      await addToSignalCount(context, bankId, added);
      return { added, duplicates };
    });
    if (result.added >= bulkChange) await this.#refreshStatistics();
    return result;
  }

  async removeSignals(bankId: number, keys: readonly SignalKey[]): Promise<number> {
    checkBankId(bankId);
    const checked = keys.map(checkSignalKey);
    return this.#write(async (context) => {
      await findBank(context, bankId);
      let removed = 0;
      for (const key of checked) {
        const result = await context.trx
          .updateTable('signals')
          .set({ removed_seq: context.peekSeq(), removed_at: context.now })
          .where('bank_id', '=', bankId)
          .where('type', '=', key.type)
          .where('value_key', '=', signalValueKey(key.value))
          .where('removed_seq', 'is', null)
          .executeTakeFirst();
        if (result.numUpdatedRows > 0n) {
          context.takeSeqs(1);
          removed += 1;
        }
      }
      await addToSignalCount(context, bankId, -removed);
      return removed;
    });
  }

  async listSignals(bankId: number, page: SignalPage): Promise<Signal[]> {
    checkBankId(bankId);
    const rows = await this.#db
      .selectFrom('signals')
      .selectAll()
      .where('bank_id', '=', bankId)
      .where('removed_seq', 'is', null)
      .where('id', '>', checkPosition('afterId', page.afterId ?? 0))
      .orderBy('id')
      .limit(checkLimit(page.limit))
      .execute();
    return rows.map(toSignal);
  }

  async getSignals(ids: readonly number[]): Promise<Signal[]> {
    if (ids.length === 0) return [];
    if (ids.length > maxPageSize) {
      throw new SafeguardError('invalid_argument', `at most ${maxPageSize} ids at once`);
    }
    const rows = await this.#db
      .selectFrom('signals')
      .selectAll()
      .where('id', 'in', [...ids])
      .orderBy('id')
      .execute();
    return rows.map(toSignal);
  }

  async loadLiveSignals(types: readonly SignalType[], page: LiveSignalPage): Promise<LiveSignal[]> {
    const afterId = checkPosition('afterId', page.afterId ?? 0);
    const limit = checkLimit(page.limit);
    const asOfSeq = page.asOfSeq === undefined ? undefined : checkPosition('asOfSeq', page.asOfSeq);
    types.forEach(checkSignalType);
    if (types.length === 0) return [];
    let query = this.#db
      .selectFrom('signals')
      .select(['id', 'bank_id', 'type', 'value'])
      .where('type', 'in', types)
      .where('id', '>', afterId);
    query =
      asOfSeq === undefined
        ? query.where('removed_seq', 'is', null)
        : query
            .where('added_seq', '<=', asOfSeq)
            .where((eb) => eb.or([eb('removed_seq', 'is', null), eb('removed_seq', '>', asOfSeq)]));
    const rows = await query.orderBy('id').limit(limit).execute();
    return rows.map((row) => ({
      id: Number(row.id),
      bankId: Number(row.bank_id),
      type: row.type,
      value: row.value,
    }));
  }

  async currentSeq(): Promise<number> {
    const state = await this.#db
      .selectFrom('store_state')
      .select('last_seq')
      .where('id', '=', 1)
      .executeTakeFirstOrThrow();
    return Number(state.last_seq);
  }

  async changesSince(seq: number, limit: number): Promise<Change[]> {
    return readChanges(this.#db, checkPosition('seq', seq), checkLimit(limit));
  }

  /** Only a help to the planner: the import has committed, so a failure here is not reported. */
  async #refreshStatistics(): Promise<void> {
    await this.#capabilities.refreshStatistics(this.#db).catch(() => undefined);
  }

  #write<T>(write: (context: WriteContext) => Promise<T>): Promise<T> {
    return withWriteTransaction(this.#db, this.#capabilities, this.#now, write);
  }
}

async function findBank(context: WriteContext, id: number): Promise<void> {
  const row = await context.trx
    .selectFrom('banks')
    .select('id')
    .where('id', '=', id)
    .executeTakeFirst();
  if (row === undefined)
    throw new SafeguardError('not_found', `No bank with id ${id}.`, { bankId: id });
}

/** Safe as a check: writers are serialized, so no other writer can take the name meanwhile. */
async function assertNameFree(
  context: WriteContext,
  name: string,
  exceptId: number | undefined,
): Promise<void> {
  const row = await context.trx
    .selectFrom('banks')
    .select('id')
    .where('name', '=', name)
    .executeTakeFirst();
  if (row !== undefined && Number(row.id) !== exceptId) {
    throw new SafeguardError('conflict', `A bank named "${name}" already exists.`, {
      field: 'name',
      name,
      bankId: Number(row.id),
    });
  }
}

async function recordBankChange(
  context: WriteContext,
  bankId: number,
  kind: BankChangeKind,
): Promise<void> {
  await context.trx
    .insertInto('bank_changes')
    .values({ seq: context.takeSeqs(1), bank_id: bankId, kind, changed_at: context.now })
    .execute();
}

async function addToSignalCount(
  context: WriteContext,
  bankId: number,
  delta: number,
): Promise<void> {
  if (delta === 0) return;
  await context.trx
    .updateTable('banks')
    .set((eb) => ({ signal_count: eb('signal_count', '+', delta) }))
    .where('id', '=', bankId)
    .execute();
}

function toBank(row: Selectable<BanksTable>): Bank {
  return {
    id: Number(row.id),
    name: row.name,
    action: row.action,
    kind: row.kind,
    pdqThreshold: row.pdq_threshold,
    enabled: row.enabled === 1,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    signalCount: Number(row.signal_count),
  };
}

function toSignal(row: Selectable<SignalsTable>): Signal {
  return {
    id: Number(row.id),
    bankId: Number(row.bank_id),
    type: row.type,
    value: row.value,
    metadata: decodeMetadata(row.metadata),
    addedAt: row.added_at,
    seq: Number(row.added_seq),
  };
}
