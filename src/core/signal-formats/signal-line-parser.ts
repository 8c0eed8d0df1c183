import type { ParseIssue, ParseResult } from './parse-result.js';
import type { Signal, SignalType } from './signal.js';

/** A signal and the line of the file it came from. */
export interface ParsedSignal {
  readonly line: number;
  readonly signal: Signal;
}

export interface SignalParserOptions {
  /**
   * The type of values no column or field names: a bare hash per line in csv/tsv, a jsonl
   * object without `type`, an untyped threatexchange local file (the collaboration's
   * `signal_type`). Without it, 32 hex digits are read as md5 and 64 are refused as ambiguous.
   */
  readonly defaultType?: SignalType;
  /** Longest value accepted, in UTF-8 bytes of its normal form (the bank's limit); no limit by default. */
  readonly maxValueBytes?: number;
}

/**
 * Reads a file one line at a time, so a caller can stream files of any size. A parser may keep
 * state between lines (a CSV header), so feed it every line of one file, in order, from line 1.
 */
export interface SignalLineParser {
  /**
   * The signals on one line (given without its line break): none for a blank, comment or header
   * line, several when a CSV row fills several signal columns.
   */
  parseLine(text: string, lineNumber: number): ParseResult<readonly Signal[]>;
}

const noSignals: readonly Signal[] = Object.freeze([]);

export const skippedLine: ParseResult<readonly Signal[]> = Object.freeze({
  ok: true as const,
  value: noSignals,
});

/**
 * The line's text ready to parse: line 1 loses a UTF-8 byte order mark, and a line holding
 * U+FFFD (what a decoder leaves for bytes that are not UTF-8) is refused.
 */
export function prepareLine(text: string, lineNumber: number): ParseResult<string> {
  const line = lineNumber === 1 && text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const bad = line.indexOf('\uFFFD');
  if (bad !== -1) return { ok: false, issue: notUtf8(lineNumber, bad) };
  return { ok: true, value: line };
}

function notUtf8(line: number, offset: number): ParseIssue {
  return {
    line,
    column: offset + 1,
    reason: `line is not valid UTF-8 (U+FFFD at character ${offset + 1})`,
  };
}

/** Blank lines and lines whose first non-blank character is # carry no signal. */
export function isBlankOrComment(text: string): boolean {
  const trimmed = text.trimStart();
  return trimmed === '' || trimmed.startsWith('#');
}
