import { normalizeText, originalSpan, type NormalizedText } from './normalize-text.js';
import type { SignalHit } from './signal-codes.js';
import { compiledPatterns } from './signal-patterns.js';

/** Runs every detector over one message. Hits are ordered by position, then by code order. */
export function detectSignals(
  text: string,
  messageIndex: number,
  normalized: NormalizedText = normalizeText(text),
): SignalHit[] {
  const hits: SignalHit[] = [];
  if (normalized.text.length === 0) return hits;
  for (const { code, regex } of compiledPatterns) {
    regex.lastIndex = 0;
    for (const m of normalized.text.matchAll(regex)) {
      const start = m.index;
      const span = originalSpan(normalized, start, start + m[0].length);
      hits.push({ code, messageIndex, span, text: text.slice(span[0], span[1]) });
    }
  }
  hits.sort((a, b) => a.span[0] - b.span[0]);
  return hits;
}

/** The age a message states about its author ("im 14" -> 14), if any. */
export function statedAge(normalizedText: string): number | undefined {
  const m =
    /(?<![a-z0-9'])(?:i'm|im|i am|iam) ?(?:only |just )?([1-9][0-9]?)(?: years? old| yrs?| yo)?(?![a-z0-9'])/.exec(
      normalizedText,
    );
  if (m === null) return undefined;
  const age = Number(m[1]);
  return age >= 8 && age <= 79 ? age : undefined;
}
