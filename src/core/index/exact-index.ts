import { SafeguardError } from '../errors.js';
import { isEntryId } from './id-directory.js';

/** Cryptographic digests matched exactly, with their length in hex digits. */
export const exactDigestKinds = ['md5', 'sha256'] as const;
export type ExactDigestKind = (typeof exactDigestKinds)[number];

const HEX_LENGTH: Record<ExactDigestKind, number> = { md5: 32, sha256: 64 };
const HEX_RE = /^[0-9a-f]+$/;

/**
 * An exact-match index of MD5 / SHA-256 digests (hex text): digest -> ids, id -> digest.
 * Several ids may share a digest (the same file in two banks). Digests are compared
 * case-insensitively; an id appears at most once (adding it again replaces its digest).
 *
 * Without a kind, both 32- and 64-digit digests are accepted (one index can hold both kinds,
 * since their lengths differ); with one, only that length.
 */
export class ExactIndex {
  /** One id as a number (the common case, no array allocated), several as a sorted array. */
  private readonly byDigest = new Map<string, number | number[]>();
  private readonly byId = new Map<number, string>();

  constructor(readonly kind?: ExactDigestKind) {
    if (kind !== undefined && !exactDigestKinds.includes(kind)) {
      throw new SafeguardError('invalid_argument', `unknown digest kind ${String(kind)}`);
    }
  }

  get size(): number {
    return this.byId.size;
  }

  has(id: number): boolean {
    return this.byId.has(id);
  }

  /** The digest stored for `id` (lower case), or undefined. */
  get(id: number): string | undefined {
    return this.byId.get(id);
  }

  /** Adds an entry, or replaces the digest of `id`. */
  add(id: number, digest: string): void {
    if (!isEntryId(id)) {
      throw new SafeguardError('invalid_argument', 'entry id must be an integer in 0..2^31-1', {
        id,
      });
    }
    const key = this.normalize(digest);
    const previous = this.byId.get(id);
    if (previous === key) return;
    if (previous !== undefined) this.unlink(id, previous);
    this.byId.set(id, key);
    const ids = this.byDigest.get(key);
    if (ids === undefined) this.byDigest.set(key, id);
    else if (typeof ids === 'number') this.byDigest.set(key, ids < id ? [ids, id] : [id, ids]);
    else ids.splice(sortedIndex(ids, id), 0, id);
  }

  /** Removes `id`; false when it was not present. */
  remove(id: number): boolean {
    const key = this.byId.get(id);
    if (key === undefined) return false;
    this.byId.delete(id);
    this.unlink(id, key);
    return true;
  }

  /** Ids whose digest equals `digest`, ascending; [] when none. */
  query(digest: string): number[] {
    const ids = this.byDigest.get(this.normalize(digest));
    if (ids === undefined) return [];
    return typeof ids === 'number' ? [ids] : ids.slice();
  }

  private unlink(id: number, key: string): void {
    const ids = this.byDigest.get(key);
    if (typeof ids === 'number' || ids === undefined) {
      this.byDigest.delete(key);
      return;
    }
    ids.splice(sortedIndex(ids, id), 1);
    if (ids.length === 1) this.byDigest.set(key, ids[0]);
  }

  private normalize(digest: unknown): string {
    const text = typeof digest === 'string' ? digest.toLowerCase() : '';
    const lengths = this.kind === undefined ? [32, 64] : [HEX_LENGTH[this.kind]];
    if (!lengths.includes(text.length) || !HEX_RE.test(text)) {
      const expected = this.kind ?? 'md5 or sha256';
      throw new SafeguardError(
        'invalid_argument',
        `not a ${expected} digest: expected ${lengths.join(' or ')} hex digits`,
        {
          value: digest,
        },
      );
    }
    return text;
  }
}

/** First index of `ids` (ascending) whose value is >= id. */
function sortedIndex(ids: readonly number[], id: number): number {
  let lo = 0;
  let hi = ids.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ids[mid] < id) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
