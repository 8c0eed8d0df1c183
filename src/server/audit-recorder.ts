import type { FastifyRequest } from 'fastify';
import type { AtomicStores, Atomically } from '../service/ports/atomic-stores.js';
import type { AuditLog, JsonValue, NewAuditEntry } from '../service/ports/audit-log.js';

type Details = Readonly<Record<string, JsonValue | undefined>>;

/** Appends the audit entry of what a request did, with the calling key as the actor. */
export type RecordAudit = (
  request: FastifyRequest,
  action: string,
  subject: string,
  details: Details,
) => Promise<void>;

export interface AuditRecorder {
  /** An entry on its own (for what is not one transaction: a streamed import, a stream). */
  readonly record: RecordAudit;
  /**
   * A change and the entries it records in one transaction: `work` changes through `tx` and
   * records through `record`; both commit or neither does.
   */
  withChange<T>(work: (tx: AtomicStores, record: RecordAudit) => Promise<T>): Promise<T>;
}

function entry(request: FastifyRequest, action: string, subject: string, details: Details) {
  const actor = request.principal ? `key:${request.principal.keyId}` : 'anonymous';
  return {
    actor,
    action,
    subject,
    details: { ...details, requestId: request.id },
  } satisfies NewAuditEntry;
}

export function createAuditRecorder(
  auditLog: Pick<AuditLog, 'append'>,
  atomically: Atomically,
): AuditRecorder {
  return {
    async record(request, action, subject, details) {
      await auditLog.append(entry(request, action, subject, details));
    },
    withChange: (work) =>
      atomically((tx) =>
        work(tx, async (request, action, subject, details) => {
          await tx.audit.append(entry(request, action, subject, details));
        }),
      ),
  };
}
