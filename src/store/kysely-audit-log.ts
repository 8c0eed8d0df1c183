import type { Insertable, Kysely, Transaction } from 'kysely';
import { chainAuditRecord } from '../core/audit/audit-record.js';
import type { AuditChainHead } from '../core/audit/audit-record.js';
import { canonicalJson } from '../core/audit/canonical-json.js';
import { AuditChainVerifier } from '../core/audit/verify-chain.js';
import { SafeguardError } from '../core/errors.js';
import type { AuditChainVerification } from '../core/audit/verify-chain.js';
import { maxAuditPageSize } from '../service/ports/audit-log.js';
import type {
  AuditEntry,
  AuditLog,
  AuditQuery,
  AuditVerifyOptions,
  NewAuditEntry,
} from '../service/ports/audit-log.js';
import {
  checkAuditLimit,
  checkAuditQuery,
  checkNewAuditEntry,
  toAuditEntry,
  toStoredAuditRow,
} from './audit-log-input.js';
import type { CheckedAuditEntry } from './audit-log-input.js';
import type { AuditLogTable, Database } from './database.js';
import type { DialectCapabilities } from './dialect-capabilities.js';
import { invalid } from './check-input.js';
import { inTransaction } from './in-transaction.js';

/** Rows per insert statement: 8 parameters each, far below either dialect's limit. */
const rowsPerStatement = 500;
const defaultVerifyPageSize = 500;

export interface KyselyAuditLogOptions {
  /** The clock for entries appended without `at`; the system clock by default. */
  readonly now?: () => Date;
}

/**
 * The audit log on SQLite or PostgreSQL through Kysely; see the AuditLog port. An append
 * takes the `audit_log` lock, reads the head, inserts the chained rows and moves the head, in
 * one transaction: appenders never read the same head, so the chain never forks. The lock is
 * not the bank writers' lock: on PostgreSQL an append does not wait for an import.
 */
export class KyselyAuditLog implements AuditLog {
  readonly #db: Kysely<Database>;
  readonly #capabilities: DialectCapabilities;
  readonly #now: () => Date;

  constructor(
    db: Kysely<Database>,
    capabilities: DialectCapabilities,
    options: KyselyAuditLogOptions = {},
  ) {
    this.#db = db;
    this.#capabilities = capabilities;
    this.#now = options.now ?? (() => new Date());
  }

  async append(entry: NewAuditEntry): Promise<AuditEntry> {
    const [appended] = await this.#append([checkNewAuditEntry(entry)]);
    return appended;
  }

  async appendMany(entries: readonly NewAuditEntry[]): Promise<AuditEntry[]> {
    const list: unknown = entries;
    if (!Array.isArray(list)) throw invalid('entries must be a list.', { field: 'entries' });
    if (entries.length === 0) return [];
    if (entries.length > maxAuditPageSize) {
      throw invalid(`At most ${maxAuditPageSize} entries at once; got ${entries.length}.`, {
        field: 'entries',
      });
    }
    return this.#append(entries.map((entry, i) => checkNewAuditEntry(entry, `entries[${i}]`)));
  }

  async list(query: AuditQuery): Promise<AuditEntry[]> {
    const checked = checkAuditQuery(query);
    let select = this.#db.selectFrom('audit_log').selectAll();
    if (checked.afterSeq !== undefined) select = select.where('seq', '>', checked.afterSeq);
    if (checked.beforeSeq !== undefined) select = select.where('seq', '<', checked.beforeSeq);
    if (checked.action !== undefined) select = select.where('action', '=', checked.action);
    const rows = await select
      .orderBy('seq', checked.order === 'desc' ? 'desc' : 'asc')
      .limit(checked.limit)
      .execute();
    return rows.map(toAuditEntry);
  }

  async verify(options: AuditVerifyOptions = {}): Promise<AuditChainVerification> {
    const pageSize =
      options.pageSize === undefined
        ? defaultVerifyPageSize
        : checkAuditLimit('pageSize', options.pageSize);
    const verifier = new AuditChainVerifier({ head: await readHead(this.#db) });
    let after: number | undefined;
    for (;;) {
      // The first page has no lower bound: a row renumbered to 0 or below is seen too.
      let select = this.#db.selectFrom('audit_log').selectAll();
      if (after !== undefined) select = select.where('seq', '>', after);
      const rows = await select.orderBy('seq').limit(pageSize).execute();
      for (const row of rows) {
        if (verifier.push(toStoredAuditRow(row)) !== undefined) return verifier.finish();
      }
      const last = rows.at(-1);
      if (last === undefined || rows.length < pageSize) break;
      after = Number(last.seq);
    }
    return verifier.finish(await readHead(this.#db));
  }

  async #append(entries: readonly CheckedAuditEntry[]): Promise<AuditEntry[]> {
    return inTransaction(this.#db, async (trx) => {
      await this.#capabilities.lockExclusive(trx, 'audit_log');
      let head = await readHead(trx);
      // Read once the lock is held, so that times rise with seq (on one clock).
      const now = this.#now().toISOString();
      const appended: AuditEntry[] = [];
      for (const entry of entries) {
        const record = chainAuditRecord(head, {
          at: entry.at ?? now,
          actor: entry.actor,
          action: entry.action,
          subject: entry.subject,
          details: entry.details,
        });
        appended.push(record);
        head = record;
      }
      const rows: Insertable<AuditLogTable>[] = appended.map((entry) => ({
        seq: entry.seq,
        at: entry.at,
        actor: entry.actor,
        action: entry.action,
        subject: entry.subject,
        details: canonicalJson(entry.details),
        prev_hash: entry.prevHash,
        hash: entry.hash,
      }));
      for (let start = 0; start < rows.length; start += rowsPerStatement) {
        await trx
          .insertInto('audit_log')
          .values(rows.slice(start, start + rowsPerStatement))
          .execute();
      }
      await trx
        .updateTable('audit_head')
        .set({ seq: head.seq, hash: head.hash })
        .where('id', '=', 1)
        .execute();
      return appended;
    });
  }
}

async function readHead(db: Kysely<Database> | Transaction<Database>): Promise<AuditChainHead> {
  const row = await db
    .selectFrom('audit_head')
    .select(['seq', 'hash'])
    .where('id', '=', 1)
    .executeTakeFirst();
  if (row === undefined) {
    throw new SafeguardError(
      'internal',
      "The audit log's head row is missing: the log was changed outside Safeguard.",
    );
  }
  return { seq: Number(row.seq), hash: row.hash };
}
