import { normalizeSignalValue } from './normalize-signal-value.js';
import { fieldOk, toIssue, type FieldResult } from './parse-result.js';
import { isSignalType, type SignalType } from './signal.js';
import {
  isBlankOrComment,
  prepareLine,
  skippedLine,
  type SignalLineParser,
  type SignalParserOptions,
} from './signal-line-parser.js';
import { fromThreatexchangeSignalType } from './threatexchange-signal-type.js';

/**
 * python-threatexchange's local-file exchange (`local_file`), the format HMA and pytx import
 * hash lists from and `threatexchange hash` / `dataset -P -S` print. Each line is stripped;
 * then it is `<signal_type> <signal>`, split at the first space, with a pytx type name
 * (`pdq`, `video_md5`, `video_sha256`, `vpdq`, `url`...; Safeguard's own names are accepted
 * too). With a default type (the collaboration's `signal_type`), the whole line is the signal.
 *
 * pytx reads a `# note` line as an unknown type `#` and ignores it; it is skipped here too.
 * The format has no metadata.
 */
export function createThreatexchangeSignalParser(
  options: SignalParserOptions = {},
): SignalLineParser {
  return {
    parseLine(text, lineNumber) {
      const prepared = prepareLine(text, lineNumber);
      if (!prepared.ok) return prepared;
      const line = prepared.value;
      if (isBlankOrComment(line)) return skippedLine;
      const start = line.length - line.trimStart().length;
      let type: SignalType;
      let valueStart: number;
      if (options.defaultType !== undefined) {
        type = options.defaultType;
        valueStart = start;
      } else {
        const space = line.indexOf(' ', start);
        if (space === -1) {
          return {
            ok: false,
            issue: {
              line: lineNumber,
              column: start + 1,
              reason:
                "expected '<signal_type> <signal>' but the line has no space (a file of bare signals needs a default type)",
            },
          };
        }
        const named = typeFromName(line.slice(start, space));
        if (!named.ok) return { ok: false, issue: toIssue(named, lineNumber, start + 1) };
        type = named.value;
        valueStart = space + 1;
      }
      const value = normalizeSignalValue(type, line.slice(valueStart), options.maxValueBytes);
      if (!value.ok) return { ok: false, issue: toIssue(value, lineNumber, valueStart + 1) };
      return { ok: true, value: [{ type, value: value.value }] };
    },
  };
}

function typeFromName(name: string): FieldResult<SignalType> {
  return isSignalType(name) ? fieldOk(name) : fromThreatexchangeSignalType(name);
}
