import { SafeguardError } from '../core/errors.js';

/**
 * The checks every store adapter runs on what it is about to write. Callers validate requests
 * with zod first; these keep the tables sound whoever calls, and name what was wrong.
 */

export function invalid(message: string, details: Record<string, unknown>): SafeguardError {
  return new SafeguardError('invalid_argument', message, details);
}

export function checkOneOf<T extends string>(
  field: string,
  allowed: readonly T[],
  value: unknown,
): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw invalid(`${field} must be one of ${allowed.join(', ')}; got ${JSON.stringify(value)}.`, {
      field,
      value,
    });
  }
  return value as T;
}

/** An integer from `min` to `max` inclusive, or `invalid_argument` naming the field. */
export function checkIntegerInRange(
  field: string,
  value: unknown,
  min: number,
  max: number,
): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw invalid(`${field} must be an integer from ${min} to ${max}.`, { field, value });
  }
  return value;
}
