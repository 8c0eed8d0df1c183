import { SafeguardError } from '../errors.js';

/**
 * What an API key may do. `scan` uploads images for a verdict; `lookup` sends hashes only;
 * `banks:read` and `banks:write` read and change hash banks; `cases` works the review queue;
 * `conversations` sends chat messages for grooming assessment; `streams` registers live streams
 * for monitoring and pushes their frames; `metrics` reads `/metrics` (for Prometheus);
 * `admin` holds every scope (and manages keys).
 */
export const scopes = [
  'scan',
  'lookup',
  'banks:read',
  'banks:write',
  'cases',
  'conversations',
  'streams',
  'metrics',
  'admin',
] as const;
export type Scope = (typeof scopes)[number];

export function isScope(value: unknown): value is Scope {
  return typeof value === 'string' && (scopes as readonly string[]).includes(value);
}

/** Whether a key granted `granted` may do what needs `needed`: `admin` implies every scope. */
export function hasScope(granted: readonly Scope[], needed: Scope): boolean {
  return granted.includes('admin') || granted.includes(needed);
}

export type ScopeListParse =
  | { readonly ok: true; readonly scopes: Scope[] }
  | { readonly ok: false; readonly issues: string[] };

/**
 * Parses a scope list: a comma-separated string (`scan,lookup`) or a list of names. Every
 * problem is reported at once, each naming the entry: an empty list or entry, an unknown
 * scope (with a suggestion when only the case or separator was off), a repeated scope. On
 * success the scopes come back once each, in the order of `scopes`.
 */
export function parseScopes(input: string | readonly string[]): ScopeListParse {
  const entries = typeof input === 'string' ? input.split(',') : [...input];
  if (entries.length === 0 || (entries.length === 1 && entries[0].trim() === '')) {
    return { ok: false, issues: [`at least one scope is needed: ${scopeNames()}`] };
  }
  const issues: string[] = [];
  const seen = new Set<Scope>();
  entries.forEach((raw, position) => {
    const entry = raw.trim();
    const where = `entry ${position + 1}`;
    if (entry === '') {
      issues.push(`${where} is empty (a stray comma?)`);
    } else if (!isScope(entry)) {
      const suggestion = suggestScope(entry);
      issues.push(
        `${where}: unknown scope ${JSON.stringify(entry)}` +
          (suggestion === undefined
            ? `; scopes are ${scopeNames()}`
            : `; did you mean "${suggestion}"?`),
      );
    } else if (seen.has(entry)) {
      issues.push(`${where}: scope "${entry}" is listed twice`);
    } else {
      seen.add(entry);
    }
  });
  if (issues.length > 0) return { ok: false, issues };
  return { ok: true, scopes: scopes.filter((scope) => seen.has(scope)) };
}

/** parseScopes, throwing SafeguardError `invalid_argument` with every issue in its message. */
export function checkScopes(input: string | readonly string[], field = 'scopes'): Scope[] {
  const parsed = parseScopes(input);
  if (parsed.ok) return parsed.scopes;
  throw new SafeguardError('invalid_argument', `${field}: ${parsed.issues.join('; ')}.`, {
    field,
    issues: parsed.issues,
  });
}

function scopeNames(): string {
  return scopes.join(', ');
}

/** `Banks_Read`, `banks.write` and the like: the scope it was surely meant to be. */
function suggestScope(entry: string): Scope | undefined {
  const folded = entry.toLowerCase().replace(/[._-]/g, ':');
  return scopes.find((scope) => scope === folded);
}
