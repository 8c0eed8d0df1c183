import { detectSignals } from './detect-signals.js';
import { normalizeText } from './normalize-text.js';
import { signalCodes, signalStage, type SignalCode, type SignalHit } from './signal-codes.js';

/** Bits of the hashed n-gram space: 2^18 buckets. */
export const HASH_BITS = 18;
export const HASH_SIZE = 1 << HASH_BITS;
/** Dense behaviour features follow the hashed block. */
export const behaviourFeatureNames: readonly string[] = [
  ...signalCodes.map((c) => `rate:${c}`),
  ...signalCodes.map((c) => `any:${c}`),
  'distinct_codes',
  'max_stage',
  'stages_reached',
  'stage_order',
  'questions',
  'second_person',
];
export const FEATURE_COUNT = HASH_SIZE + behaviourFeatureNames.length;

/** Canonical forms of common chat abbreviations, applied token by token. */
const ABBREVIATIONS: Readonly<Record<string, string>> = {
  u: 'you',
  ya: 'you',
  yu: 'you',
  ur: 'your',
  yur: 'your',
  youre: "you're",
  r: 'are',
  pic: 'picture',
  pics: 'picture',
  pix: 'picture',
  pictures: 'picture',
  photo: 'picture',
  photos: 'picture',
  wanna: 'want',
  gonna: 'going',
  im: "i'm",
  dont: "don't",
  cant: "can't",
  k: 'ok',
  kk: 'ok',
  okay: 'ok',
  pls: 'please',
  plz: 'please',
  thx: 'thanks',
  ty: 'thanks',
  b4: 'before',
  gr8: 'great',
  bf: 'boyfriend',
  gf: 'girlfriend',
  cuz: 'because',
  coz: 'because',
  bc: 'because',
  n: 'and',
  y: 'why',
  c: 'see',
  2: 'to',
  4: 'for',
};

/** 32-bit FNV-1a of a string's UTF-16 code units. */
export function fnv1a(text: string, seed = 0x811c9dc5): number {
  let h = seed >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** Address prefixes such as "nick: hello" and user-name-like tokens say which platform, not what is said. */
const ADDRESS_PREFIX = /^[\w\-[\]`^{}|\\]+:\s/;
const handleLike = (t: string): boolean => t.length > 4 && /[a-z]/.test(t) && /[0-9]/.test(t);

/** Everything the model needs from one message, computed once when it arrives. */
export interface MessageFeatures {
  /** Hashed unigram and bigram buckets (deduplicated). */
  readonly buckets: Uint32Array;
  readonly hits: readonly SignalHit[];
  readonly isQuestion: boolean;
  readonly secondPerson: boolean;
  /** Normalised text, for stated-age lookups. */
  readonly normalized: string;
}

/** Tokens of a message after normalisation and abbreviation folding. */
export function tokenize(normalized: string): string[] {
  const tokens: string[] = [];
  for (const raw of normalized.split(' ')) {
    if (raw.length === 0 || handleLike(raw)) continue;
    const t = raw.replace(/^'+|'+$/g, '');
    if (t.length === 0) continue;
    tokens.push(ABBREVIATIONS[t] ?? t);
  }
  return tokens;
}

export function extractMessageFeatures(text: string, messageIndex: number): MessageFeatures {
  const stripped = text.replace(ADDRESS_PREFIX, '');
  const norm = normalizeText(stripped);
  const hits =
    stripped === text
      ? detectSignals(text, messageIndex, norm)
      : detectSignals(text, messageIndex).filter((h) => h.span[0] >= text.length - stripped.length);
  const tokens = tokenize(norm.text);
  const set = new Set<number>();
  let prev = '<s>';
  for (const t of tokens) {
    set.add(fnv1a(t) & (HASH_SIZE - 1));
    set.add(fnv1a(`${prev} ${t}`, 0x9e3779b9) & (HASH_SIZE - 1));
    prev = t;
  }
  if (tokens.length > 0) set.add(fnv1a(`${prev} </s>`, 0x9e3779b9) & (HASH_SIZE - 1));
  return {
    buckets: Uint32Array.from(set),
    hits,
    isQuestion:
      text.includes('?') ||
      /^(?:how|what|where|when|who|why|do|does|are|is|can|will|would|did|have)\b/.test(norm.text),
    secondPerson: tokens.some((t) => t === 'you' || t === 'your' || t === "you're"),
    normalized: norm.text,
  };
}

/** A sparse feature vector: parallel arrays of feature index and value. */
export interface SparseVector {
  readonly index: Uint32Array;
  readonly value: Float32Array;
}

/**
 * The feature vector of a window of one author's consecutive messages. Every value is a rate or
 * a presence, and the n-gram block is L2-normalised, so a longer window scores no higher by
 * being longer.
 */
export function windowVector(messages: readonly MessageFeatures[]): SparseVector {
  const counts = new Map<number, number>();
  for (const m of messages) for (const b of m.buckets) counts.set(b, (counts.get(b) ?? 0) + 1);
  const n = Math.max(1, messages.length);
  let norm = 0;
  for (const c of counts.values()) norm += c * c;
  const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
  const codeCounts = new Map<SignalCode, number>();
  const firstStageAt: number[] = [Infinity, Infinity, Infinity, Infinity, Infinity];
  let questions = 0;
  let second = 0;
  messages.forEach((m, i) => {
    const seen = new Set<SignalCode>();
    for (const h of m.hits) {
      if (!seen.has(h.code)) codeCounts.set(h.code, (codeCounts.get(h.code) ?? 0) + 1);
      seen.add(h.code);
      const s = signalStage[h.code];
      if (i < (firstStageAt[s] ?? Infinity)) firstStageAt[s] = i;
    }
    if (m.isQuestion) questions++;
    if (m.secondPerson) second++;
  });
  const dense: number[] = [];
  for (const c of signalCodes) dense.push((codeCounts.get(c) ?? 0) / n);
  for (const c of signalCodes) dense.push(codeCounts.has(c) ? 1 : 0);
  let maxStage = 0;
  let stages = 0;
  let ordered = 0;
  for (let s = 1; s <= 4; s++) {
    if (Number.isFinite(firstStageAt[s])) {
      maxStage = s;
      stages++;
      if (s > 1 && (firstStageAt[s - 1] ?? Infinity) <= (firstStageAt[s] ?? -1)) ordered++;
    }
  }
  dense.push(
    Math.min(codeCounts.size, 6) / 6,
    maxStage / 4,
    stages / 4,
    ordered / 3,
    questions / n,
    second / n,
  );
  const index = new Uint32Array(counts.size + dense.length);
  const value = new Float32Array(counts.size + dense.length);
  let k = 0;
  for (const [b, c] of counts) {
    index[k] = b;
    value[k] = c * scale;
    k++;
  }
  dense.forEach((v, i) => {
    index[k] = HASH_SIZE + i;
    value[k] = v;
    k++;
  });
  return { index, value };
}
