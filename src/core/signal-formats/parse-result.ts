/**
 * Results of parsing. Bad data is an expected outcome: parsers return it, they never throw.
 */

/** What was wrong and where. `line` and `column` count from 1; `column` counts characters. */
export interface ParseIssue {
  readonly line: number;
  readonly column?: number;
  readonly reason: string;
}

export type ParseResult<T> = { ok: true; value: T } | { ok: false; issue: ParseIssue };

/** The result of checking one field, before the parser knows which line it is on. */
export type FieldResult<T> =
  | { ok: true; value: T }
  | { ok: false; reason: string; /** character offset in the field, from 0 */ offset?: number };

export function fieldOk<T>(value: T): FieldResult<T> {
  return { ok: true, value };
}

export function fieldError(
  reason: string,
  offset?: number,
): { ok: false; reason: string; offset?: number } {
  return offset === undefined ? { ok: false, reason } : { ok: false, reason, offset };
}

/** Turns a field's failure into a line issue; `fieldColumn` is where the field starts (from 1). */
export function toIssue(
  failure: { reason: string; offset?: number },
  line: number,
  fieldColumn?: number,
): ParseIssue {
  if (fieldColumn === undefined) return { line, reason: failure.reason };
  return { line, column: fieldColumn + (failure.offset ?? 0), reason: failure.reason };
}
