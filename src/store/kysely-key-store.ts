import { inTransaction } from './in-transaction.js';
import { randomBytes } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import {
  apiKeyIdBytes,
  apiKeyIdOf,
  apiKeySecretBytes,
  apiKeyTokenMatches,
  createApiKeyToken,
} from '../core/access/api-key-token.js';
import { SafeguardError } from '../core/errors.js';
import { lastUsedResolutionMs } from '../service/ports/key-store.js';
import type {
  ApiKey,
  CreatedApiKey,
  KeyStore,
  NewApiKey,
  RevokedApiKey,
} from '../service/ports/key-store.js';
import type { Database } from './database.js';
import type { DialectCapabilities } from './dialect-capabilities.js';
import { checkApiKeyId, checkNewApiKey, toApiKey } from './key-store-input.js';
import type { CheckedNewApiKey } from './key-store-input.js';

/** Fresh ids tried before giving up (50 random bits: a second try is already unheard of). */
const idAttempts = 3;

export interface KyselyKeyStoreOptions {
  /** The clock for createdAt, lastUsedAt and revokedAt; the system clock by default. */
  readonly now?: () => Date;
  /** The source of ids and secrets; node:crypto's by default. */
  readonly randomBytes?: (size: number) => Uint8Array;
}

/**
 * The API key store on SQLite or PostgreSQL through Kysely; see the KeyStore port. Creation
 * takes the `api_keys` lock (so that createIfEmpty is atomic); nothing else locks.
 */
export class KyselyKeyStore implements KeyStore {
  readonly #db: Kysely<Database>;
  readonly #capabilities: DialectCapabilities;
  readonly #now: () => Date;
  readonly #random: (size: number) => Uint8Array;

  constructor(
    db: Kysely<Database>,
    capabilities: DialectCapabilities,
    options: KyselyKeyStoreOptions = {},
  ) {
    this.#db = db;
    this.#capabilities = capabilities;
    this.#now = options.now ?? (() => new Date());
    this.#random = options.randomBytes ?? randomBytes;
  }

  async create(key: NewApiKey): Promise<CreatedApiKey> {
    const checked = checkNewApiKey(key);
    return inTransaction(this.#db, async (trx) => {
      await this.#capabilities.lockExclusive(trx, 'api_keys');
      return this.#insert(trx, checked);
    });
  }

  async createIfEmpty(key: NewApiKey): Promise<CreatedApiKey | undefined> {
    const checked = checkNewApiKey(key);
    return inTransaction(this.#db, async (trx) => {
      await this.#capabilities.lockExclusive(trx, 'api_keys');
      const existing = await trx.selectFrom('api_keys').select('id').limit(1).executeTakeFirst();
      return existing === undefined ? this.#insert(trx, checked) : undefined;
    });
  }

  async list(): Promise<ApiKey[]> {
    const rows = await this.#db
      .selectFrom('api_keys')
      .selectAll()
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    return rows.map(toApiKey);
  }

  async get(id: string): Promise<ApiKey | undefined> {
    const row = await this.#db
      .selectFrom('api_keys')
      .selectAll()
      .where('id', '=', checkApiKeyId(id))
      .executeTakeFirst();
    return row === undefined ? undefined : toApiKey(row);
  }

  async revoke(id: string): Promise<RevokedApiKey> {
    checkApiKeyId(id);
    const revoked = await this.#db
      .updateTable('api_keys')
      .set({ revoked_at: this.#now().toISOString() })
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .returningAll()
      .executeTakeFirst();
    if (revoked !== undefined) return { key: toApiKey(revoked), revoked: true };
    const key = await this.get(id);
    if (key === undefined)
      throw new SafeguardError('not_found', `No API key with id ${id}.`, { id });
    return { key, revoked: false };
  }

  async authenticate(token: string): Promise<ApiKey | undefined> {
    const id = typeof token === 'string' ? apiKeyIdOf(token) : undefined;
    if (id === undefined) return undefined;
    const row = await this.#db
      .selectFrom('api_keys')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    if (row === undefined || !apiKeyTokenMatches(token, row.token_hash)) return undefined;
    if (row.revoked_at !== null) return undefined;
    const key = toApiKey(row);
    const lastUsedAt = await this.#touch(key);
    return lastUsedAt === undefined ? key : { ...key, lastUsedAt };
  }

  async count(): Promise<number> {
    const row = await this.#db
      .selectFrom('api_keys')
      .select((eb) => eb.fn.countAll<number>().as('count'))
      .executeTakeFirstOrThrow();
    return Number(row.count);
  }

  /**
   * Records the use when the last one recorded is a resolution old: one guarded update, so
   * of several nodes seeing the key at once, at most one writes. Returns the time written, or
   * undefined when nothing was (recent enough, or the write failed: a busy SQLite writer must
   * not turn away a valid key).
   */
  async #touch(key: ApiKey): Promise<string | undefined> {
    const now = this.#now();
    const stale = new Date(now.getTime() - lastUsedResolutionMs).toISOString();
    if (key.lastUsedAt !== undefined && key.lastUsedAt > stale) return undefined;
    const at = now.toISOString();
    try {
      const result = await this.#db
        .updateTable('api_keys')
        .set({ last_used_at: at })
        .where('id', '=', key.id)
        .where('revoked_at', 'is', null)
        .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<=', stale)]))
        .executeTakeFirst();
      return result.numUpdatedRows > 0n ? at : undefined;
    } catch {
      return undefined;
    }
  }

  async #insert(trx: Transaction<Database>, key: CheckedNewApiKey): Promise<CreatedApiKey> {
    const createdAt = this.#now().toISOString();
    for (let attempt = 0; attempt < idAttempts; attempt += 1) {
      const fresh = createApiKeyToken({
        id: this.#random(apiKeyIdBytes),
        secret: this.#random(apiKeySecretBytes),
      });
      const row = await trx
        .insertInto('api_keys')
        .values({
          id: fresh.id,
          name: key.name,
          scopes: JSON.stringify(key.scopes),
          token_hash: fresh.tokenHash,
          created_at: createdAt,
          last_used_at: null,
          revoked_at: null,
        })
        .onConflict((conflict) => conflict.column('id').doNothing())
        .returningAll()
        .executeTakeFirst();
      if (row !== undefined) return { key: toApiKey(row), token: fresh.token };
    }
    throw new SafeguardError('internal', `No free API key id after ${idAttempts} tries.`);
  }
}
