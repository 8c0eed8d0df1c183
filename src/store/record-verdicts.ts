import type { Kysely } from 'kysely';
import type { OpenedCase } from '../service/ports/case-store.js';
import type { VerdictBatch } from '../service/ports/record-writer.js';
import type { Database } from './database.js';
import type { DialectCapabilities } from './dialect-capabilities.js';
import { inTransaction } from './in-transaction.js';
import { KyselyAuditLog } from './kysely-audit-log.js';
import { KyselyCaseStore } from './kysely-case-store.js';
import { KyselyScanStore } from './kysely-scan-store.js';

/**
 * Writes a batch of verdicts in ONE transaction (one commit, one fsync): the scans, the case of
 * the flagged scan if any, then the audit entries in order, the last one given the case id.
 * The transaction takes the audit log's lock first, so on SQLite it holds the write lock from
 * its first statement (no read-to-write upgrade that another process could refuse).
 */
export async function recordVerdicts(
  db: Kysely<Database>,
  capabilities: DialectCapabilities,
  batch: VerdictBatch,
): Promise<OpenedCase | undefined> {
  return inTransaction(db, async (trx) => {
    await capabilities.lockExclusive(trx, 'audit_log');
    await new KyselyScanStore(trx, capabilities).recordMany(batch.scans);
    const opened =
      batch.caseFor === undefined ? undefined : await new KyselyCaseStore(trx).open(batch.caseFor);
    let audits = batch.audits;
    if (opened !== undefined && audits.length > 0) {
      const last = audits[audits.length - 1];
      audits = [
        ...audits.slice(0, -1),
        { ...last, details: { ...last.details, caseId: opened.case.id } },
      ];
    }
    const log = new KyselyAuditLog(trx, capabilities);
    for (let i = 0; i < audits.length; i += 1000) await log.appendMany(audits.slice(i, i + 1000));
    return opened;
  });
}
