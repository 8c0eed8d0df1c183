/**
 * Chat-spelling normalisation for the grooming detectors and features. The output keeps a map
 * from each normalised character back to the original text, so a detector's span points at the
 * words the author actually typed.
 */

export interface NormalizedText {
  /** Lower-cased, leetspeak folded, elongations collapsed, mentions/markup blanked. */
  readonly text: string;
  /** `offsets[i]` is the index in the original text of normalised character `i`; one extra entry at the end. */
  readonly offsets: readonly number[];
}

/** Longest message the engine reads; the rest is ignored (and reported as truncated). */
export const MAX_MESSAGE_CHARS = 4000;

const LEET: Readonly<Record<string, string>> = {
  '4': 'a',
  '@': 'a',
  '3': 'e',
  '1': 'i',
  '0': 'o',
  '5': 's',
  $: 's',
  '7': 't',
};

const isLetter = (c: string | undefined): boolean => c !== undefined && c >= 'a' && c <= 'z';

/**
 * Lower-cases, folds leetspeak inside words ("h3ll0" -> "hello"; a digit between spaces stays a
 * digit so "im 13" keeps its number), collapses runs of three or more of one letter to one
 * ("sooo" -> "so"), and turns everything that is not a letter, digit or apostrophe into a space
 * (runs of spaces collapse to one).
 */
export function normalizeText(raw: string): NormalizedText {
  const input = raw.length > MAX_MESSAGE_CHARS ? raw.slice(0, MAX_MESSAGE_CHARS) : raw;
  const lower = input.toLowerCase();
  const chars: string[] = [];
  const offsets: number[] = [];
  const n = lower.length;
  for (let i = 0; i < n; i++) {
    let c = lower[i] ?? ' ';
    const leet = LEET[c];
    if (leet !== undefined) {
      // A leet character counts as a letter only when a letter touches it on either side.
      const prev = lower[i - 1];
      const next = lower[i + 1];
      const digitRun = /[0-9]/.test(prev ?? '') || /[0-9]/.test(next ?? '');
      if ((isLetter(prev) || isLetter(next)) && !(digitRun && !/[a-z]/.test(c))) c = leet;
      else if (c === '@' || c === '$') c = ' ';
    }
    if (c === '\u2019') c = "'";
    if (!(isLetter(c) || (c >= '0' && c <= '9') || c === "'")) c = ' ';
    const last = chars[chars.length - 1];
    if (c === ' ') {
      if (last === ' ' || chars.length === 0) continue;
    } else if (isLetter(c) && c === last && c === chars[chars.length - 2]) {
      continue; // third and later repeat of one letter
    }
    chars.push(c);
    offsets.push(i);
  }
  // "sooo" has become "soo" above: collapse the remaining double when the original run was >= 3.
  const outChars: string[] = [];
  const outOffsets: number[] = [];
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i] ?? ' ';
    const start = offsets[i] ?? 0;
    if (
      isLetter(c) &&
      c === chars[i - 1] &&
      lower[start + 1] === c &&
      lower[start - 1] === c &&
      c !== undefined
    ) {
      continue;
    }
    outChars.push(c);
    outOffsets.push(start);
  }
  while (outChars.length > 0 && outChars[outChars.length - 1] === ' ') {
    outChars.pop();
    outOffsets.pop();
  }
  outOffsets.push(input.length);
  return { text: outChars.join(''), offsets: outOffsets };
}

/** Map a normalised span [start, end) back to the original text's [start, end). */
export function originalSpan(norm: NormalizedText, start: number, end: number): [number, number] {
  const from = norm.offsets[start] ?? 0;
  const lastChar = norm.offsets[Math.max(start, end - 1)] ?? from;
  return [from, Math.max(from, lastChar + 1)];
}
