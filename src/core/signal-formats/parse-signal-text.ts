import { createSignalParser } from './create-signal-parser.js';
import type { ParseResult } from './parse-result.js';
import type { SignalFileFormat } from './signal-file-format.js';
import type { ParsedSignal, SignalParserOptions } from './signal-line-parser.js';

/** Line breaks as node:readline splits them, so line numbers agree with the streaming reader. */
const LINE_BREAK_RE = /\r\n|\n|\r/;

/**
 * Parses a whole file held in memory (small files, tests). It stops at the first bad record.
 * Large files go through the streaming reader in service/signal-files, which uses the same
 * line parsers.
 */
export function parseSignalText(
  text: string,
  format: SignalFileFormat,
  options: SignalParserOptions = {},
): ParseResult<ParsedSignal[]> {
  const parser = createSignalParser(format, options);
  const lines = text.split(LINE_BREAK_RE);
  // A final line break ends the last line; it does not start an empty one.
  if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
  const parsed: ParsedSignal[] = [];
  for (let i = 0; i < lines.length; i++) {
    const result = parser.parseLine(lines[i], i + 1);
    if (!result.ok) return result;
    for (const signal of result.value) parsed.push({ line: i + 1, signal });
  }
  return { ok: true, value: parsed };
}
