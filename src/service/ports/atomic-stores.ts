import type { AuditLog } from './audit-log.js';
import type { BankStore } from './bank-store.js';
import type { CaseStore } from './case-store.js';
import type { KeyStore } from './key-store.js';

/** The stores of one transaction (see Atomically). */
export interface AtomicStores {
  readonly banks: BankStore;
  readonly cases: CaseStore;
  readonly audit: AuditLog;
  readonly keys: KeyStore;
}

/**
 * Runs `work` in one database transaction: a change and the audit entries that record it
 * commit together or not at all, so a crash between them cannot leave a change the audit log
 * does not show. Inside, use only the stores given (on SQLite the connection is the
 * transaction's until it ends: another store's query would wait for it forever).
 */
export type Atomically = <T>(work: (tx: AtomicStores) => Promise<T>) => Promise<T>;
