import { checkScopes } from '../core/access/scopes.js';
import { keySubject, systemActor } from './audit.js';
import type { Atomically } from './ports/atomic-stores.js';
import type { AuditLog } from './ports/audit-log.js';
import type { CreatedApiKey, KeyStore, RevokedApiKey } from './ports/key-store.js';

/** The name of the key created on first start. */
export const bootstrapKeyName = 'admin';

type Audit = {
  readonly auditLog: Pick<AuditLog, 'append'>;
  /** The key change and its audit entry in one transaction (else one after the other). */
  readonly atomically?: Atomically;
};

/** Runs `work` on the deps' stores, in one transaction when `atomically` is given. */
function withAudit<K, T>(
  deps: Audit & { readonly keyStore: K },
  work: (keyStore: K | KeyStore, auditLog: Pick<AuditLog, 'append'>) => Promise<T>,
): Promise<T> {
  const { atomically } = deps;
  return atomically === undefined
    ? work(deps.keyStore, deps.auditLog)
    : atomically((tx) => work(tx.keys, tx.audit));
}

/**
 * On first start with no key at all (revoked ones count), creates one `admin` key and returns
 * it with its token, for the caller to print once; undefined when any key exists. Of several
 * processes starting at once on one database, one creates it. Audit-logged as `key.create`
 * by `system`, without the token.
 */
export async function ensureBootstrapKey(
  deps: { readonly keyStore: Pick<KeyStore, 'createIfEmpty'> } & Audit,
): Promise<CreatedApiKey | undefined> {
  return withAudit(deps, async (keyStore, auditLog) => {
    const created = await keyStore.createIfEmpty({ name: bootstrapKeyName, scopes: ['admin'] });
    if (created === undefined) return undefined;
    await auditLog.append({
      actor: systemActor,
      action: 'key.create',
      subject: keySubject(created.key.id),
      details: { name: created.key.name, scopes: [...created.key.scopes], bootstrap: true },
    });
    return created;
  });
}

export interface KeyRequest {
  readonly name: string;
  /** A comma-separated list (`scan,lookup`) or a list of scope names. */
  readonly scopes: string | readonly string[];
}

/**
 * Creates an API key and audit-logs `key.create` (name and scopes; never the token). Throws
 * SafeguardError `invalid_argument` naming every bad scope, or a bad name. With `atomically`,
 * a key whose audit entry cannot be written is not created; without it, the key exists but its
 * token is lost with the error: revoke it.
 */
export async function createKey(
  deps: { readonly keyStore: Pick<KeyStore, 'create'> } & Audit,
  request: KeyRequest,
  actor: string,
): Promise<CreatedApiKey> {
  const scopes = checkScopes(request.scopes);
  return withAudit(deps, async (keyStore, auditLog) => {
    const created = await keyStore.create({ name: request.name, scopes });
    await auditLog.append({
      actor,
      action: 'key.create',
      subject: keySubject(created.key.id),
      details: { name: created.key.name, scopes: [...created.key.scopes] },
    });
    return created;
  });
}

/**
 * Revokes an API key and audit-logs `key.revoke`; revoking a revoked key changes nothing and
 * logs nothing. Throws SafeguardError `not_found` for an unknown id.
 */
export async function revokeKey(
  deps: { readonly keyStore: Pick<KeyStore, 'revoke'> } & Audit,
  id: string,
  actor: string,
): Promise<RevokedApiKey> {
  return withAudit(deps, async (keyStore, auditLog) => {
    const result = await keyStore.revoke(id);
    if (result.revoked) {
      await auditLog.append({
        actor,
        action: 'key.revoke',
        subject: keySubject(result.key.id),
        details: { name: result.key.name },
      });
    }
    return result;
  });
}
