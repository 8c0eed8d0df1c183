import type { Insertable, Kysely } from 'kysely';
import { SafeguardError } from '../core/errors.js';
import { verdicts } from '../service/ports/scan-store.js';
import type { Scan, ScanPage, ScanQuery, ScanStore } from '../service/ports/scan-store.js';
import type { Database, ScansTable } from './database.js';
import type { DialectCapabilities } from './dialect-capabilities.js';
import { checkOneOf } from './check-input.js';
import { inTransaction } from './in-transaction.js';
import {
  checkRecordLimit,
  checkReference,
  checkScanId,
  decodeScanCursor,
  encodeCursor,
  toScan,
  toScanRow,
} from './scan-store-input.js';

/** Bound parameters per inserted row: one per column of `scans`. */
const parametersPerRow = 11;
/** Rows per statement, below the dialects' parameter limits; bigger statements gain little. */
const maxRowsPerStatement = 1_000;

/**
 * The scan store on SQLite or PostgreSQL through Kysely; see the ScanStore port. Scans take no
 * sequence numbers, so recording skips the writers' lock that bank writes hold: a scan waits
 * for no import, and on PostgreSQL many scans are recorded at once.
 */
export class KyselyScanStore implements ScanStore {
  readonly #db: Kysely<Database>;
  readonly #rowsPerStatement: number;

  constructor(db: Kysely<Database>, capabilities: DialectCapabilities) {
    this.#db = db;
    this.#rowsPerStatement = Math.min(
      maxRowsPerStatement,
      Math.floor(capabilities.maxBindParameters / parametersPerRow),
    );
  }

  async record(scan: Scan): Promise<void> {
    const row = toScanRow(scan);
    const result = await this.#db
      .insertInto('scans')
      .values(row)
      .onConflict((conflict) => conflict.column('id').doNothing())
      .executeTakeFirst();
    if (Number(result.numInsertedOrUpdatedRows ?? 0n) === 0) throw alreadyRecorded(row.id);
  }

  async recordMany(scans: readonly Scan[]): Promise<void> {
    const rows = scans.map(toScanRow);
    const seen = new Set<string>();
    for (const row of rows) {
      if (seen.has(row.id)) {
        throw new SafeguardError('conflict', `Scan id ${row.id} appears twice in the batch.`, {
          field: 'id',
          scanId: row.id,
        });
      }
      seen.add(row.id);
    }
    if (rows.length === 0) return;
    await inTransaction(this.#db, async (trx) => {
      for (let start = 0; start < rows.length; start += this.#rowsPerStatement) {
        const chunk = rows.slice(start, start + this.#rowsPerStatement);
        const inserted = await trx
          .insertInto('scans')
          .values(chunk)
          .onConflict((conflict) => conflict.column('id').doNothing())
          .returning('id')
          .execute();
        if (inserted.length < chunk.length) throw alreadyRecorded(firstMissing(chunk, inserted));
      }
    });
  }

  async get(id: string): Promise<Scan | undefined> {
    const row = await this.#db
      .selectFrom('scans')
      .selectAll()
      .where('id', '=', checkScanId(id))
      .executeTakeFirst();
    return row === undefined ? undefined : toScan(row);
  }

  async list(query: ScanQuery): Promise<ScanPage> {
    const limit = checkRecordLimit(query.limit);
    let select = this.#db.selectFrom('scans').selectAll();
    if (query.verdict !== undefined) {
      select = select.where('verdict', '=', checkOneOf('verdict', verdicts, query.verdict));
    }
    if (query.contentId !== undefined) {
      select = select.where('content_id', '=', checkReference('contentId', query.contentId));
    }
    if (query.uploaderId !== undefined) {
      select = select.where('uploader_id', '=', checkReference('uploaderId', query.uploaderId));
    }
    if (query.before !== undefined) {
      const after = decodeScanCursor(query.before);
      // A row-value comparison, so each dialect walks its (…, created_at, id) index backwards.
      select = select.where((eb) =>
        eb(eb.refTuple('created_at', 'id'), '<', eb.tuple(after.createdAt, after.id)),
      );
    }
    const rows = await select
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(limit + 1)
      .execute();
    const scans = rows.slice(0, limit).map(toScan);
    const last = scans.at(-1);
    return rows.length > limit && last !== undefined
      ? { scans, next: encodeCursor([last.createdAt, last.id]) }
      : { scans };
  }
}

function alreadyRecorded(id: string): SafeguardError {
  return new SafeguardError('conflict', `A scan with id ${id} is already recorded.`, {
    field: 'id',
    scanId: id,
  });
}

function firstMissing(
  chunk: readonly Insertable<ScansTable>[],
  inserted: readonly { id: string }[],
): string {
  const insertedIds = new Set(inserted.map((row) => row.id));
  return chunk.find((row) => !insertedIds.has(row.id))?.id ?? '?';
}
