import { createHash, timingSafeEqual } from 'node:crypto';
import { SafeguardError } from '../errors.js';

/**
 * API key tokens: `sg_<id>_<secret>`. The id (10 lowercase base32 characters, 50 bits) is
 * public: it names the key in lists, logs and the audit log, and finds its row. The secret
 * (32 random bytes, base64url, 43 characters) is shown once, when the key is created; the
 * store keeps only the SHA-256 of the whole token. A token of 256 random bits needs no salt
 * or slow hash: nobody can guess it, so a plain digest is enough to keep a leaked table
 * useless. The randomness comes in as bytes: this module draws none.
 */

export const apiKeyIdLength = 10;
export const apiKeySecretBytes = 32;
/** Random bytes an id is made of (56 bits, of which the id keeps 50). */
export const apiKeyIdBytes = 7;

const prefix = 'sg_';
const secretLength = Math.ceil((apiKeySecretBytes * 4) / 3);
export const apiKeyTokenLength = prefix.length + apiKeyIdLength + 1 + secretLength;

const tokenPattern = new RegExp(
  `^sg_([a-z2-7]{${apiKeyIdLength}})_([A-Za-z0-9_-]{${secretLength}})$`,
);
const idPattern = new RegExp(`^[a-z2-7]{${apiKeyIdLength}}$`);
const base32Alphabet = 'abcdefghijklmnopqrstuvwxyz234567';

export interface ApiKeyRandom {
  /** At least `apiKeyIdBytes` random bytes. */
  readonly id: Uint8Array;
  /** Exactly `apiKeySecretBytes` random bytes. */
  readonly secret: Uint8Array;
}

export interface NewApiKeyToken {
  readonly id: string;
  /** The plaintext token: hand it to the caller once, never store or log it. */
  readonly token: string;
  /** What the store keeps: lowercase hex SHA-256 of the token. */
  readonly tokenHash: string;
}

/** Builds a token from random bytes. */
export function createApiKeyToken(random: ApiKeyRandom): NewApiKeyToken {
  if (random.id.length < apiKeyIdBytes || random.secret.length !== apiKeySecretBytes) {
    throw new SafeguardError(
      'internal',
      `An API key needs ${apiKeyIdBytes} random bytes of id and ${apiKeySecretBytes} of secret.`,
    );
  }
  const id = encodeBase32(random.id).slice(0, apiKeyIdLength);
  const token = `${prefix}${id}_${Buffer.from(random.secret).toString('base64url')}`;
  return { id, token, tokenHash: hashApiKeyToken(token) };
}

/** The id a well-formed token names, or undefined for anything else. */
export function apiKeyIdOf(token: string): string | undefined {
  if (token.length !== apiKeyTokenLength) return undefined;
  return tokenPattern.exec(token)?.[1];
}

export function isApiKeyId(value: unknown): value is string {
  return typeof value === 'string' && idPattern.test(value);
}

/** Lowercase hex SHA-256 of the token. */
export function hashApiKeyToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Whether `token` hashes to `tokenHash`, in time that does not depend on where they differ. */
export function apiKeyTokenMatches(token: string, tokenHash: string): boolean {
  const expected = Buffer.from(tokenHash, 'hex');
  const actual = createHash('sha256').update(token, 'utf8').digest();
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

function encodeBase32(bytes: Uint8Array): string {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += base32Alphabet[(buffer >> bits) & 31];
    }
    buffer &= (1 << bits) - 1;
  }
  if (bits > 0) out += base32Alphabet[(buffer << (5 - bits)) & 31];
  return out;
}
