import { createHash } from 'node:crypto';
import type { KeyStore } from '../service/ports/key-store.js';
import type { Authenticator, Principal } from './auth.js';

/**
 * Authenticates API keys against the key store, remembering each answer (by a digest of the
 * token, never the token) for `ttlMs`, so a busy platform does not pay a database read per
 * request. A revoked key stops working within `ttlMs`.
 */
export function createKeyAuthenticator(
  keyStore: Pick<KeyStore, 'authenticate'>,
  options: { ttlMs: number; maxEntries: number; now?: () => number } = {
    ttlMs: 5000,
    maxEntries: 10_000,
  },
): Authenticator {
  const now = options.now ?? Date.now;
  const cache = new Map<string, { principal: Principal | undefined; until: number }>();
  return {
    async authenticate(token) {
      const digest = createHash('sha256').update(token).digest('base64');
      const hit = cache.get(digest);
      const t = now();
      if (hit && hit.until > t) return hit.principal;
      const key = await keyStore.authenticate(token);
      const principal = key ? { keyId: key.id, name: key.name, scopes: key.scopes } : undefined;
      if (cache.size >= options.maxEntries) cache.clear();
      cache.set(digest, { principal, until: t + options.ttlMs });
      return principal;
    },
  };
}
