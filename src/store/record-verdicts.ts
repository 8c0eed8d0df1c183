import type { Kysely } from 'kysely';
import { SafeguardError } from '../core/errors.js';
import type { NewAuditEntry } from '../service/ports/audit-log.js';
import type { OpenedCase } from '../service/ports/case-store.js';
import type { VerdictBatch } from '../service/ports/record-writer.js';
import type { Database } from './database.js';
import type { DialectCapabilities } from './dialect-capabilities.js';
import { inTransaction } from './in-transaction.js';
import { KyselyAuditLog } from './kysely-audit-log.js';
import { KyselyCaseStore } from './kysely-case-store.js';
import { KyselyScanStore } from './kysely-scan-store.js';

/**
 * Writes a batch of verdicts in ONE transaction (one commit, one fsync): the scans, the cases of
 * the flagged ones, then the audit entries in order, each flagged scan's given its case id.
 * The transaction takes the audit log's lock first, so on SQLite it holds the write lock from
 * its first statement (no read-to-write upgrade that another process could refuse).
 */
export async function recordVerdicts(
  db: Kysely<Database>,
  capabilities: DialectCapabilities,
  batch: VerdictBatch,
): Promise<OpenedCase[]> {
  return inTransaction(db, async (trx) => {
    await capabilities.lockExclusive(trx, 'audit_log');
    await new KyselyScanStore(trx, capabilities).recordMany(batch.scans);
    const caseStore = new KyselyCaseStore(trx);
    const audits = [...batch.audits];
    const opened: OpenedCase[] = [];
    for (const { scan, audit } of batch.cases ?? []) {
      const result = await caseStore.open(scan);
      opened.push(result);
      const entry = audits[audit] as NewAuditEntry | undefined;
      if (entry === undefined) {
        throw new SafeguardError('invalid_argument', `no audit entry ${audit} in the batch`);
      }
      audits[audit] = { ...entry, details: { ...entry.details, caseId: result.case.id } };
    }
    const log = new KyselyAuditLog(trx, capabilities);
    for (let i = 0; i < audits.length; i += 1000) await log.appendMany(audits.slice(i, i + 1000));
    return opened;
  });
}
