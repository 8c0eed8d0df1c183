import {
  groomingIdMaxLength,
  type AuthorConversationRisk,
} from '../service/ports/grooming-state-store.js';
import { invalid } from './check-input.js';

/** The grooming state stores' own guard on what they write; see check-input.ts. */

export function checkGroomingId(field: string, value: unknown): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > groomingIdMaxLength) {
    throw invalid(`${field} must be 1 to ${groomingIdMaxLength} characters.`, { field, value });
  }
  return value;
}

export function checkGroomingState(state: unknown): string {
  if (typeof state !== 'string' || state.length === 0) {
    throw invalid('A conversation state must be non-empty text.', { field: 'state' });
  }
  return state;
}

export function checkExpectedVersion(value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw invalid('expectedVersion must be a whole number (0: nothing stored yet).', {
      field: 'expectedVersion',
      value,
    });
  }
  return value;
}

/** The authors' standings, checked and merged per author (the higher risk, any alert). */
export function checkAuthorRisks(
  authors: readonly AuthorConversationRisk[],
): AuthorConversationRisk[] {
  const merged = new Map<string, AuthorConversationRisk>();
  for (const a of authors) {
    const author = checkGroomingId('author', a.author);
    if (typeof a.risk !== 'number' || !(a.risk >= 0 && a.risk <= 1)) {
      throw invalid('An author risk must be a number from 0 to 1.', { field: 'risk', author });
    }
    if (typeof a.alerted !== 'boolean') {
      throw invalid('alerted must be a boolean.', { field: 'alerted', author });
    }
    const seen = merged.get(author);
    merged.set(author, {
      author,
      risk: Math.max(a.risk, seen?.risk ?? 0),
      alerted: a.alerted || (seen?.alerted ?? false),
    });
  }
  return [...merged.values()];
}
