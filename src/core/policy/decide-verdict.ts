/**
 * Turns the raw index hits of one upload into a verdict: the bank's action, per-bank PDQ
 * thresholds, allow banks that suppress known false positives, the strictest action wins.
 * Pure: the banks come in as values.
 */

export const verdicts = ['allow', 'review', 'block'] as const;
export type Verdict = (typeof verdicts)[number];

export const bankActions = ['block', 'review'] as const;
export type BankAction = (typeof bankActions)[number];

export const bankKinds = ['match', 'allow'] as const;
export type BankKind = (typeof bankKinds)[number];

/** Signal types a hit can come from (the index matches these). */
export type HitSignalType = 'pdq' | 'md5' | 'sha256' | 'vpdq';

/** PDQ and vPDQ match by likeness (a distance); MD5 and SHA-256 only the very same bytes. */
const isPerceptual = (type: HitSignalType) => type === 'pdq' || type === 'vpdq';

export interface BankPolicy {
  readonly id: number;
  readonly name: string;
  readonly kind: BankKind;
  readonly action: BankAction;
  readonly enabled: boolean;
  readonly pdqThreshold: number;
}

export interface Hit {
  readonly signalId: number;
  readonly bankId: number;
  readonly signalType: HitSignalType;
  readonly value: string;
  /**
   * Hamming distance for PDQ; for vPDQ the closest frame pair (the index already applied the
   * bank's threshold to every frame and the match rule to the video); 0 for exact hashes.
   */
  readonly distance: number;
}

export interface Decision {
  readonly verdict: Verdict;
  /** Hits from enabled match banks within their thresholds, that no allow bank suppressed. */
  readonly matches: readonly Hit[];
  /** Hits that an allow bank suppressed. */
  readonly suppressed: readonly Hit[];
  /** Hits from allow banks. */
  readonly allowedBy: readonly Hit[];
  /** One sentence per fact that shaped the verdict, for the caller and the audit log. */
  readonly reasons: readonly string[];
}

const severity: Record<Verdict, number> = { allow: 0, review: 1, block: 2 };

/**
 * Rules:
 * 1. Hits from unknown or disabled banks, and PDQ hits beyond their bank's threshold, are
 *    dropped.
 * 2. An allow-bank hit on an exact hash (MD5, SHA-256: these very bytes are known benign)
 *    suppresses every match; an allow-bank PDQ or vPDQ hit suppresses PDQ and vPDQ matches only, so a
 *    perceptual false-positive entry never hides an exact match of known material.
 * 3. The strictest remaining bank action wins; no match is `allow`.
 */
export function decideVerdict(
  hits: readonly Hit[],
  banks: ReadonlyMap<number, BankPolicy>,
): Decision {
  const live: Array<{ hit: Hit; bank: BankPolicy }> = [];
  for (const hit of hits) {
    const bank = banks.get(hit.bankId);
    if (!bank || !bank.enabled) continue;
    if (hit.signalType === 'pdq' && hit.distance > bank.pdqThreshold) continue;
    live.push({ hit, bank });
  }
  const allow = live.filter((x) => x.bank.kind === 'allow');
  const allowExact = allow.some((x) => !isPerceptual(x.hit.signalType));
  const allowPerceptual = allow.some((x) => isPerceptual(x.hit.signalType));
  const reasons: string[] = [];
  const matches: Hit[] = [];
  const suppressed: Hit[] = [];
  let verdict: Verdict = 'allow';
  for (const { hit, bank } of live) {
    if (bank.kind === 'allow') continue;
    if (allowExact || (allowPerceptual && isPerceptual(hit.signalType))) {
      suppressed.push(hit);
      continue;
    }
    matches.push(hit);
    reasons.push(describeHit(hit, bank));
    if (severity[bank.action] > severity[verdict]) verdict = bank.action;
  }
  for (const { hit, bank } of allow) {
    reasons.push(`allow bank '${bank.name}' lists this ${hit.signalType} (${distanceText(hit)})`);
  }
  if (suppressed.length > 0) {
    reasons.push(
      `${suppressed.length} match(es) suppressed by allow banks as known false positives`,
    );
  }
  if (reasons.length === 0) reasons.push('no bank matched');
  return {
    verdict,
    matches: sortHits(matches),
    suppressed: sortHits(suppressed),
    allowedBy: sortHits(allow.map((x) => x.hit)),
    reasons,
  };
}

function describeHit(hit: Hit, bank: BankPolicy): string {
  return `bank '${bank.name}' (${bank.action}) matched ${hit.signalType} ${distanceText(hit)}`;
}

function distanceText(hit: Hit): string {
  if (hit.signalType === 'vpdq') return `(video; closest frames at distance ${hit.distance})`;
  return hit.signalType === 'pdq' ? `at distance ${hit.distance}` : 'exactly';
}

function sortHits(hits: Hit[]): Hit[] {
  return hits.sort(
    (a, b) => a.distance - b.distance || a.bankId - b.bankId || a.signalId - b.signalId,
  );
}
