import type { AuditChainVerification } from './ports/audit-log.js';

/** The actor of what the `safeguard` command does. */
export const cliActor = 'cli';
/** The actor of what Safeguard does by itself (the first admin key). */
export const systemActor = 'system';

/** The actor of what an API key does: its public id, never its secret. */
export function keyActor(keyId: string): string {
  return `key:${keyId}`;
}

/** The subject of an entry about an API key. */
export function keySubject(keyId: string): string {
  return `key:${keyId}`;
}

/**
 * One line for an operator: `ok: N rows, head <hash>` or the first bad row and why, e.g.
 * `audit log broken at row 12 (edited): row 12's content does not match its hash.`
 */
export function describeAuditVerification(result: AuditChainVerification): string {
  if (result.ok) {
    return `ok: ${result.rows} ${result.rows === 1 ? 'row' : 'rows'}${result.rows > 0 ? `, head ${result.head.hash}` : ''}`;
  }
  const { seq, reason, explanation } = result.firstBad;
  return `audit log broken at row ${seq} (${reason}): ${explanation}`;
}
