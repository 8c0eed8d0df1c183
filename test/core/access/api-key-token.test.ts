import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  apiKeyIdOf,
  apiKeyTokenLength,
  apiKeyTokenMatches,
  createApiKeyToken,
  hashApiKeyToken,
  isApiKeyId,
} from '../../../src/core/access/api-key-token.js';

const bytes = (length: number, fill: number) => new Uint8Array(length).fill(fill);

describe('API key tokens', () => {
  it('formats sg_<10 base32 id>_<43 base64url secret> from the random bytes given', () => {
    const created = createApiKeyToken({ id: bytes(7, 0), secret: bytes(32, 0xff) });
    expect(created.id).toBe('aaaaaaaaaa');
    expect(created.token).toBe(`sg_aaaaaaaaaa_${'_'.repeat(42)}8`);
    expect(created.token).toHaveLength(apiKeyTokenLength);
    expect(created.tokenHash).toBe(createHash('sha256').update(created.token).digest('hex'));
    const other = createApiKeyToken({ id: bytes(7, 0xff), secret: bytes(32, 1) });
    expect(other.id).toBe('7777777777');
    expect(apiKeyIdOf(other.token)).toBe('7777777777');
  });

  it('finds the id only in a well-formed token', () => {
    const { token, id } = createApiKeyToken({ id: bytes(7, 0x42), secret: bytes(32, 7) });
    expect(apiKeyIdOf(token)).toBe(id);
    for (const bad of [
      '',
      token.slice(1),
      `${token}x`,
      token.replace('sg_', 'sk_'),
      token.toUpperCase(),
      `Bearer ${token}`,
      token.slice(0, -1) + '=',
      'sg_0000000000_' + 'a'.repeat(43),
    ]) {
      expect(apiKeyIdOf(bad), bad).toBeUndefined();
    }
    expect(isApiKeyId(id)).toBe(true);
    expect(isApiKeyId(token)).toBe(false);
  });

  it('matches a token against its hash only', () => {
    const a = createApiKeyToken({ id: bytes(7, 1), secret: bytes(32, 2) });
    const b = createApiKeyToken({ id: bytes(7, 1), secret: bytes(32, 3) });
    expect(apiKeyTokenMatches(a.token, a.tokenHash)).toBe(true);
    expect(apiKeyTokenMatches(b.token, a.tokenHash)).toBe(false);
    expect(apiKeyTokenMatches(a.token, 'abc')).toBe(false);
    expect(apiKeyTokenMatches(a.token, '')).toBe(false);
    expect(hashApiKeyToken(a.token)).toBe(a.tokenHash);
    expect(a.tokenHash).not.toContain(a.token.slice(14));
  });

  it('refuses too few random bytes', () => {
    expect(() => createApiKeyToken({ id: bytes(6, 0), secret: bytes(32, 0) })).toThrow(
      /random bytes/,
    );
    expect(() => createApiKeyToken({ id: bytes(7, 0), secret: bytes(31, 0) })).toThrow(
      /random bytes/,
    );
  });
});
