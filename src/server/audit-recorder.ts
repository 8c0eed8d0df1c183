import type { FastifyRequest } from 'fastify';
import type { AuditLog, JsonValue } from '../service/ports/audit-log.js';

/** Appends one audit entry for what a request did, with the calling key as the actor. */
export interface AuditRecorder {
  record(
    request: FastifyRequest,
    action: string,
    subject: string,
    details: Readonly<Record<string, JsonValue | undefined>>,
  ): Promise<void>;
}

export function createAuditRecorder(auditLog: Pick<AuditLog, 'append'>): AuditRecorder {
  return {
    async record(request, action, subject, details) {
      const actor = request.principal ? `key:${request.principal.keyId}` : 'anonymous';
      await auditLog.append({
        actor,
        action,
        subject,
        details: { ...details, requestId: request.id },
      });
    },
  };
}
