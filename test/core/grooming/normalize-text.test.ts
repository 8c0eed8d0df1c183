import { describe, expect, it } from 'vitest';
import { normalizeText, originalSpan } from '../../../src/core/grooming/normalize-text.js';

describe('normalizeText', () => {
  it('lower-cases, folds leetspeak inside words and collapses elongation', () => {
    expect(normalizeText('H3ll0 Th3re').text).toBe('hello there');
    expect(normalizeText('sooo cool').text).toBe('so cool');
    expect(normalizeText('heyyyy!!!').text).toBe('hey');
  });

  it('keeps double letters and stand-alone numbers', () => {
    expect(normalizeText('good book').text).toBe('good book');
    expect(normalizeText('im 13 and 2 cats').text).toBe('im 13 and 2 cats');
  });

  it('turns punctuation into single spaces', () => {
    expect(normalizeText('  wait... what?!  ok ').text).toBe('wait what ok');
  });

  it('maps normalised spans back to the original text', () => {
    const raw = 'Hiii, SOOO nice';
    const norm = normalizeText(raw);
    const start = norm.text.indexOf('so nice');
    const [a, b] = originalSpan(norm, start, start + 'so nice'.length);
    expect(raw.slice(a, b)).toBe('SOOO nice');
  });

  it('truncates huge input and survives replacement characters', () => {
    expect(normalizeText('a'.repeat(100_000)).text.length).toBeLessThanOrEqual(4000);
    expect(normalizeText('\uFFFD\uFFFDhi\uFFFD').text).toBe('hi');
    expect(normalizeText('').text).toBe('');
  });
});
