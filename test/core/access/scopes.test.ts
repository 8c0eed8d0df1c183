import { describe, expect, it } from 'vitest';
import { isSafeguardError } from '../../../src/core/errors.js';
import {
  checkScopes,
  hasScope,
  isScope,
  parseScopes,
  scopes,
} from '../../../src/core/access/scopes.js';

describe('scopes', () => {
  it('grants a scope held, refuses one not held, and admin implies every scope', () => {
    expect(hasScope(['scan'], 'scan')).toBe(true);
    expect(hasScope(['scan', 'lookup'], 'banks:write')).toBe(false);
    expect(hasScope([], 'scan')).toBe(false);
    for (const scope of scopes) expect(hasScope(['admin'], scope)).toBe(true);
    expect(hasScope(['banks:read'], 'admin')).toBe(false);
  });

  it('knows its scopes and nothing else', () => {
    expect(scopes).toEqual([
      'scan',
      'lookup',
      'banks:read',
      'banks:write',
      'cases',
      'conversations',
      'streams',
      'metrics',
      'admin',
    ]);
    expect(isScope('cases')).toBe(true);
    expect(isScope('Cases')).toBe(false);
    expect(isScope(undefined)).toBe(false);
  });

  it('parses a comma-separated list, trimming, in canonical order', () => {
    expect(parseScopes('lookup, scan')).toEqual({ ok: true, scopes: ['scan', 'lookup'] });
    expect(parseScopes(['banks:write', 'banks:read'])).toEqual({
      ok: true,
      scopes: ['banks:read', 'banks:write'],
    });
  });

  it('reports every problem at once, each naming its entry', () => {
    const parsed = parseScopes('scan,,Banks_Read,scan,delete');
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.issues).toEqual([
      'entry 2 is empty (a stray comma?)',
      'entry 3: unknown scope "Banks_Read"; did you mean "banks:read"?',
      'entry 4: scope "scan" is listed twice',
      'entry 5: unknown scope "delete"; scopes are scan, lookup, banks:read, banks:write, cases, conversations, streams, metrics, admin',
    ]);
  });

  it('refuses an empty list', () => {
    for (const input of ['', '  ', []]) {
      const parsed = parseScopes(input);
      expect(parsed.ok).toBe(false);
      if (!parsed.ok) expect(parsed.issues[0]).toMatch(/at least one scope/);
    }
  });

  it('checkScopes throws invalid_argument with the issues', () => {
    expect(checkScopes('scan')).toEqual(['scan']);
    let thrown: unknown;
    try {
      checkScopes('scan,nope');
    } catch (error) {
      thrown = error;
    }
    expect(isSafeguardError(thrown)).toBe(true);
    if (!isSafeguardError(thrown)) return;
    expect(thrown.code).toBe('invalid_argument');
    expect(thrown.message).toMatch(/^scopes: entry 2: unknown scope "nope"/);
    expect(thrown.details).toMatchObject({ field: 'scopes' });
  });
});
