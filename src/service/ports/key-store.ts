/**
 * The API key store. A key is `sg_<id>_<secret>`: the id is public (it names the key in
 * lists and in the audit log), the secret is shown once, when the key is created. The store
 * keeps only a SHA-256 of the token, never the token, and compares in constant time.
 */

import type { Scope } from '../../core/access/scopes.js';

export { hasScope, scopes, type Scope } from '../../core/access/scopes.js';

/** Longest key name, in characters. */
export const keyNameMaxLength = 100;
/** How often, at most, authenticate records a key's use: writes stay rare on a busy key. */
export const lastUsedResolutionMs = 60_000;

/** A key's metadata: everything but the secret. */
export interface ApiKey {
  /** 10 lowercase base32 characters, the public part of the token. */
  readonly id: string;
  readonly name: string;
  /** Each once, in the order of `scopes`. */
  readonly scopes: readonly Scope[];
  /** ISO 8601, UTC. */
  readonly createdAt: string;
  /** The last authentication, to within `lastUsedResolutionMs`; absent if never used. */
  readonly lastUsedAt?: string;
  /** Absent while the key works. A revoked key stays listed. */
  readonly revokedAt?: string;
}

export interface NewApiKey {
  /** 1 to 100 characters, no control characters; names need not be unique. */
  readonly name: string;
  /** At least one scope. */
  readonly scopes: readonly Scope[];
}

export interface CreatedApiKey {
  readonly key: ApiKey;
  /** The plaintext token: return it to whoever asked, once. It is not kept anywhere. */
  readonly token: string;
}

export interface RevokedApiKey {
  readonly key: ApiKey;
  /** False when the key was already revoked (it is returned unchanged). */
  readonly revoked: boolean;
}

/**
 * Throws SafeguardError: `invalid_argument` (a bad name, scope list or id), `not_found`
 * (revoking an unknown key). Authentication never throws for a bad token: it gives undefined.
 */
export interface KeyStore {
  /** Creates a key; the token is in the result and nowhere else. */
  create(key: NewApiKey): Promise<CreatedApiKey>;
  /**
   * Creates the key only if the store has no key at all, revoked ones included; undefined
   * otherwise. Atomic: of several processes starting at once on one database, one creates it.
   */
  createIfEmpty(key: NewApiKey): Promise<CreatedApiKey | undefined>;
  /** Every key, revoked ones included, oldest first. */
  list(): Promise<ApiKey[]>;
  get(id: string): Promise<ApiKey | undefined>;
  /** Revokes a key at once: authenticate refuses it from then on. */
  revoke(id: string): Promise<RevokedApiKey>;
  /**
   * The key a bearer token belongs to, or undefined for a malformed, unknown or revoked
   * token. Records the use (lastUsedAt) at most once per `lastUsedResolutionMs` per key; a
   * failure to record it does not fail the authentication.
   */
  authenticate(token: string): Promise<ApiKey | undefined>;
  /** How many keys exist, revoked ones included. */
  count(): Promise<number>;
}
