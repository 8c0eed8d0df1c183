import type { Selectable } from 'kysely';
import { isApiKeyId } from '../core/access/api-key-token.js';
import { checkScopes, isScope } from '../core/access/scopes.js';
import type { Scope } from '../core/access/scopes.js';
import { keyNameMaxLength } from '../service/ports/key-store.js';
import type { ApiKey, NewApiKey } from '../service/ports/key-store.js';
import type { ApiKeysTable } from './database.js';
import { invalid } from './check-input.js';

/** The key store's own guard on what it writes, and its rows as ApiKey values. */

export interface CheckedNewApiKey {
  readonly name: string;
  readonly scopes: Scope[];
}

/** C0 and C1 control characters, DEL included: a name is printed in terminals and logs. */
export function hasControlCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i += 1) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || (code >= 0x7f && code < 0xa0)) return true;
  }
  return false;
}

export function checkNewApiKey(key: NewApiKey): CheckedNewApiKey {
  const name: unknown = key.name;
  if (
    typeof name !== 'string' ||
    name.trim() === '' ||
    name.length > keyNameMaxLength ||
    hasControlCharacter(name)
  ) {
    throw invalid(
      `A key name must be 1 to ${keyNameMaxLength} characters, not blank, with no control characters.`,
      { field: 'name' },
    );
  }
  const scopes: unknown = key.scopes;
  if (!Array.isArray(scopes) || !scopes.every((scope) => typeof scope === 'string')) {
    throw invalid('scopes must be a list of scope names.', { field: 'scopes' });
  }
  return { name, scopes: checkScopes(scopes) };
}

/**
 * A key id: 10 characters of a-z and 2-7. The value is never echoed: someone may have
 * pasted a whole token where an id belongs.
 */
export function checkApiKeyId(id: unknown): string {
  if (!isApiKeyId(id)) {
    const looksLikeToken = typeof id === 'string' && id.startsWith('sg_');
    throw invalid(
      looksLikeToken
        ? 'That looks like a whole token: a key id is only the 10 characters after "sg_".'
        : 'A key id is 10 characters of a-z and 2-7 (the part of the token after "sg_").',
      { field: 'id' },
    );
  }
  return id;
}

export function toApiKey(row: Selectable<ApiKeysTable>): ApiKey {
  return {
    id: row.id,
    name: row.name,
    scopes: decodeScopes(row.scopes),
    createdAt: row.created_at,
    ...(row.last_used_at === null ? {} : { lastUsedAt: row.last_used_at }),
    ...(row.revoked_at === null ? {} : { revokedAt: row.revoked_at }),
  };
}

/** Scopes as stored; one this version does not know (or a corrupt list) grants nothing. */
function decodeScopes(text: string): Scope[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return [];
  }
  return Array.isArray(parsed) ? parsed.filter(isScope) : [];
}
