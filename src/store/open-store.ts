import type { Atomically } from '../service/ports/atomic-stores.js';
import type { Kysely } from 'kysely';
import type { BankStore } from '../service/ports/bank-store.js';
import type { AuditLog } from '../service/ports/audit-log.js';
import type { CaseStore, OpenedCase } from '../service/ports/case-store.js';
import type { VerdictBatch } from '../service/ports/record-writer.js';
import type { KeyStore } from '../service/ports/key-store.js';
import type { ScanStore } from '../service/ports/scan-store.js';
import type { StreamStore } from '../service/ports/stream-store.js';
import type { JobStore } from '../service/ports/job-store.js';
import type { GroomingStateStore } from '../service/ports/grooming-state-store.js';
import type { Database } from './database.js';
import { KyselyAuditLog } from './kysely-audit-log.js';
import { KyselyBankStore } from './kysely-bank-store.js';
import { KyselyCaseStore } from './kysely-case-store.js';
import { KyselyKeyStore } from './kysely-key-store.js';
import { KyselyScanStore } from './kysely-scan-store.js';
import { KyselyStreamStore } from './kysely-stream-store.js';
import { KyselyJobStore } from './kysely-job-store.js';
import { KyselyGroomingStateStore } from './kysely-grooming-state-store.js';
import { migrateToLatest } from './migrate-to-latest.js';
import { recordVerdicts } from './record-verdicts.js';
import { connect as connectPostgres } from './postgres/connect.js';
import { connect as connectSqlite } from './sqlite/connect.js';
import type { StoreConnection } from './store-connection.js';

export type StoreConfig =
  | { readonly kind: 'sqlite'; readonly path: string }
  | { readonly kind: 'postgres'; readonly url: string; readonly schema?: string };

export interface StoreOptions {
  /** The clock for the timestamps the store writes; the system clock by default. */
  readonly now?: () => Date;
}

export interface Store {
  readonly banks: BankStore;
  readonly scans: ScanStore;
  readonly cases: CaseStore;
  readonly keys: KeyStore;
  readonly audit: AuditLog;
  readonly streams: StreamStore;
  readonly jobs: JobStore;
  readonly grooming: GroomingStateStore;
  /** Scans, a case and audit entries in one transaction (see RecordWriter). */
  writeVerdicts(batch: VerdictBatch): Promise<OpenedCase[]>;
  /** A change and its audit entries in one transaction (see Atomically). */
  readonly atomically: Atomically;
  /** For other adapters sharing the database; the bank tables belong to `banks`. */
  readonly db: Kysely<Database>;
  /** Closes the database (SQLite) or ends the pool (PostgreSQL). */
  close(): Promise<void>;
}

/**
 * Opens the configured database and brings its schema up to date. SQLite: the file's
 * directory must exist. PostgreSQL: the schema is created when missing.
 */
export async function openStore(config: StoreConfig, options: StoreOptions = {}): Promise<Store> {
  const connection = await connect(config);
  try {
    await migrateToLatest(connection);
  } catch (error) {
    await connection.db.destroy();
    throw error;
  }
  const { db, capabilities } = connection;
  return {
    banks: new KyselyBankStore(db, capabilities, options),
    scans: new KyselyScanStore(db, capabilities),
    cases: new KyselyCaseStore(db, options),
    keys: new KyselyKeyStore(db, capabilities, options),
    audit: new KyselyAuditLog(db, capabilities, options),
    streams: new KyselyStreamStore(db, options),
    jobs: new KyselyJobStore(db),
    grooming: new KyselyGroomingStateStore(db, options),
    writeVerdicts: (batch) => recordVerdicts(db, capabilities, batch),
    atomically: (work) =>
      db.transaction().execute((trx) =>
        work({
          banks: new KyselyBankStore(trx, capabilities, options),
          cases: new KyselyCaseStore(trx, options),
          audit: new KyselyAuditLog(trx, capabilities, options),
          keys: new KyselyKeyStore(trx, capabilities, options),
        }),
      ),
    db,
    close: () => db.destroy(),
  };
}

function connect(config: StoreConfig): Promise<StoreConnection> {
  switch (config.kind) {
    case 'sqlite':
      return connectSqlite(config);
    case 'postgres':
      return connectPostgres(config);
  }
}
