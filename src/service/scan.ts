import { isPdqHex } from '../core/hash/pdq-hash.js';
import { SafeguardError } from '../core/errors.js';
import type { Verdict } from '../core/policy/decide-verdict.js';
import type { HashLimits } from './hash-image.js';
import { matchHashes, type MatchReport } from './match-hashes.js';
import type { MatchIndex } from './match-index.js';
import { newId } from './new-id.js';
import type { BankStore } from './ports/bank-store.js';
import type { ImageHasher } from './ports/image-hasher.js';
import type { ScanKind } from './ports/scan-store.js';

export interface ScanHashes {
  readonly pdq?: string;
  readonly quality?: number;
  readonly md5?: string;
  readonly sha256?: string;
}

/** What one scan or lookup decided, as the API returns it and the store records it. */
export interface ScanResult {
  readonly scanId: string;
  readonly kind: ScanKind;
  readonly verdict: Verdict;
  readonly matches: readonly MatchReport[];
  readonly reasons: readonly string[];
  readonly hashes: ScanHashes;
  readonly contentId?: string;
  readonly uploaderId?: string;
  readonly durationMs: number;
  readonly createdAt: string;
  /** Video scans: what was decoded and hashed. */
  readonly video?: VideoSummary;
}

export interface VideoSummary {
  readonly format: string;
  readonly codec: string;
  readonly width: number;
  readonly height: number;
  readonly fps: number;
  readonly durationSec?: number;
  /** Frames hashed (one every `everyNthFrame` decoded frames). */
  readonly framesHashed: number;
  /** Hashed frames that were matched: duplicates and quality < 50 left out. */
  readonly framesCompared: number;
  readonly everyNthFrame: number;
}

export interface ScanDeps {
  readonly hasher: ImageHasher;
  readonly matchIndex: MatchIndex;
  readonly bankStore: Pick<BankStore, 'getSignals'>;
  readonly limits: HashLimits;
  readonly now?: () => number;
}

export interface ScanMeta {
  readonly contentId?: string;
  readonly uploaderId?: string;
}

/** Hashes an uploaded image (PDQ, MD5, SHA-256) and matches it against every bank. */
export async function scanImage(
  deps: ScanDeps,
  bytes: Uint8Array,
  meta: ScanMeta = {},
): Promise<ScanResult> {
  const now = deps.now ?? Date.now;
  const started = now();
  const hashes = await deps.hasher.hashBytes(bytes, { limits: deps.limits });
  const outcome = await matchHashes(deps, {
    pdq: { hash: hashes.pdq, quality: hashes.quality },
    md5: hashes.md5,
    sha256: hashes.sha256,
  });
  return {
    scanId: newId('scn', started),
    kind: 'image',
    verdict: outcome.verdict,
    matches: outcome.matches,
    reasons: outcome.reasons,
    hashes: { pdq: hashes.pdq, quality: hashes.quality, md5: hashes.md5, sha256: hashes.sha256 },
    ...meta,
    durationMs: now() - started,
    createdAt: new Date(started).toISOString(),
  };
}

export interface LookupInput {
  readonly pdq?: ReadonlyArray<string | { readonly hash: string; readonly quality?: number }>;
  readonly md5?: readonly string[];
  readonly sha256?: readonly string[];
}

const MD5_RE = /^[0-9a-f]{32}$/;
const SHA256_RE = /^[0-9a-f]{64}$/;

/**
 * Matches hashes computed elsewhere (on the platform's side, or on a user's device) — the
 * image never travels. All the hashes are taken as one item: one verdict, the strictest.
 */
export async function lookupHashes(
  deps: Omit<ScanDeps, 'hasher' | 'limits'>,
  input: LookupInput,
  meta: ScanMeta = {},
): Promise<ScanResult> {
  const now = deps.now ?? Date.now;
  const started = now();
  const pdq = (input.pdq ?? []).map((entry, i) => {
    const item = typeof entry === 'string' ? { hash: entry } : entry;
    const hash = item.hash.trim().toLowerCase();
    if (!isPdqHex(hash)) {
      throw new SafeguardError('invalid_argument', `pdq[${i}] is not 64 hex digits`, {
        pointer: `/body/pdq/${i}`,
      });
    }
    return { hash, quality: item.quality };
  });
  const exact = (type: 'md5' | 'sha256', re: RegExp) =>
    (input[type] ?? []).map((raw, i) => {
      const value = raw.trim().toLowerCase();
      if (!re.test(value)) {
        const digits = type === 'md5' ? 32 : 64;
        throw new SafeguardError('invalid_argument', `${type}[${i}] is not ${digits} hex digits`, {
          pointer: `/body/${type}/${i}`,
        });
      }
      return value;
    });
  const md5 = exact('md5', MD5_RE);
  const sha256 = exact('sha256', SHA256_RE);
  if (pdq.length + md5.length + sha256.length === 0) {
    throw new SafeguardError('invalid_argument', 'give at least one hash in pdq, md5 or sha256', {
      pointer: '/body',
    });
  }
  const outcomes = await Promise.all([
    ...pdq.map((p) => matchHashes(deps, { pdq: p })),
    ...md5.map((m) => matchHashes(deps, { md5: m })),
    ...sha256.map((s) => matchHashes(deps, { sha256: s })),
  ]);
  const severity = { allow: 0, review: 1, block: 2 } as const;
  const verdict = outcomes.reduce<Verdict>(
    (v, o) => (severity[o.verdict] > severity[v] ? o.verdict : v),
    'allow',
  );
  const matches = outcomes.flatMap((o) => o.matches);
  const reasons = [...new Set(outcomes.flatMap((o) => o.reasons))].filter(
    (r) => !(r === 'no bank matched' && matches.length > 0),
  );
  return {
    scanId: newId('lkp', started),
    kind: 'lookup',
    verdict,
    matches,
    reasons,
    hashes: { pdq: pdq[0]?.hash, quality: pdq[0]?.quality, md5: md5[0], sha256: sha256[0] },
    ...meta,
    durationMs: now() - started,
    createdAt: new Date(started).toISOString(),
  };
}
