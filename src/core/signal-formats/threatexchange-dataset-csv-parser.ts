import { normalizeMetadataText } from './normalize-signal.js';
import { normalizeSignalValue } from './normalize-signal-value.js';
import { toIssue, type ParseResult } from './parse-result.js';
import type { Signal, SignalMetadata } from './signal.js';
import {
  isBlankOrComment,
  prepareLine,
  skippedLine,
  type SignalLineParser,
  type SignalParserOptions,
} from './signal-line-parser.js';
import { splitCsvLine, type DelimitedField } from './split-delimited-line.js';
import { fromThreatexchangeSignalType } from './threatexchange-signal-type.js';

const datasetColumns = ['signal_type', 'signal_str', 'collab', 'category', 'tags'] as const;
type DatasetColumn = (typeof datasetColumns)[number];

/**
 * The CSV export of python-threatexchange (`threatexchange dataset -P --csv`): a header
 * `signal_type,signal_str,collab,category,tags`, then one row per (signal, collaboration),
 * written by Python's csv module (minimal quoting, CRLF).
 *
 * Mapping: `signal_type` is a pytx type name; `collab` becomes the source; pytx's `category`
 * (its aggregate opinion: POSITIVE_CLASS, INVESTIGATION_SEED, DISPUTED, NEGATIVE_CLASS) and
 * the space-joined `tags` become the note ("INVESTIGATION_SEED; tags: a b"), because neither is
 * an abuse category. NEGATIVE_CLASS rows (false positives, test data) are read like the others:
 * the importer decides what to do with them.
 */
export function createThreatexchangeDatasetCsvParser(
  options: Pick<SignalParserOptions, 'maxValueBytes'> = {},
): SignalLineParser {
  let columns: Map<DatasetColumn, number> | undefined;
  let width = 0;
  return {
    parseLine(text, lineNumber) {
      const prepared = prepareLine(text, lineNumber);
      if (!prepared.ok) return prepared;
      if (isBlankOrComment(prepared.value)) return skippedLine;
      const split = splitCsvLine(prepared.value);
      if (!split.ok) return { ok: false, issue: toIssue(split, lineNumber, 1) };
      const fields = split.value;
      if (columns === undefined) {
        const header = readHeader(fields, lineNumber);
        if (!header.ok) return header;
        columns = header.value;
        width = fields.length;
        return skippedLine;
      }
      if (fields.length !== width) {
        return {
          ok: false,
          issue: {
            line: lineNumber,
            reason: `${fields.length} fields, expected ${width} as in the header`,
          },
        };
      }
      return parseRow(columns, fields, lineNumber, options.maxValueBytes);
    },
  };
}

function readHeader(
  fields: DelimitedField[],
  line: number,
): ParseResult<Map<DatasetColumn, number>> {
  const columns = new Map<DatasetColumn, number>();
  for (let index = 0; index < fields.length; index++) {
    const name = fields[index].text.trim();
    const known = datasetColumns.find((column) => column === name);
    if (known === undefined || columns.has(known)) {
      const reason =
        known === undefined
          ? `unknown column '${name}' in a threatexchange dataset CSV (expected ${datasetColumns.join(', ')})`
          : `column '${name}' appears twice`;
      return { ok: false, issue: { line, column: fields[index].column, reason } };
    }
    columns.set(known, index);
  }
  for (const required of ['signal_type', 'signal_str'] as const) {
    if (!columns.has(required)) {
      return { ok: false, issue: { line, reason: `the header has no '${required}' column` } };
    }
  }
  return { ok: true, value: columns };
}

function parseRow(
  columns: Map<DatasetColumn, number>,
  fields: DelimitedField[],
  line: number,
  maxValueBytes: number | undefined,
): ParseResult<readonly Signal[]> {
  const field = (name: DatasetColumn): DelimitedField | undefined => {
    const index = columns.get(name);
    return index === undefined ? undefined : fields[index];
  };
  const typeField = field('signal_type') as DelimitedField;
  const valueField = field('signal_str') as DelimitedField;
  const type = fromThreatexchangeSignalType(typeField.text.trim());
  if (!type.ok) return { ok: false, issue: toIssue(type, line, typeField.column) };
  const value = normalizeSignalValue(type.value, valueField.text, maxValueBytes);
  if (!value.ok) return { ok: false, issue: toIssue(value, line, valueField.column) };
  const texts: Partial<Record<'collab' | 'category' | 'tags', string>> = {};
  for (const name of ['collab', 'category', 'tags'] as const) {
    const at = field(name);
    if (at === undefined) continue;
    const normalized = normalizeMetadataText(name, at.text);
    if (!normalized.ok) return { ok: false, issue: toIssue(normalized, line, at.column) };
    if (normalized.value !== undefined) texts[name] = normalized.value;
  }
  const metadata: SignalMetadata = {};
  if (texts.collab !== undefined) metadata.source = texts.collab;
  const note = [texts.category, texts.tags === undefined ? undefined : `tags: ${texts.tags}`]
    .filter((part) => part !== undefined)
    .join('; ');
  if (note !== '') metadata.note = note;
  const signal: Signal =
    Object.keys(metadata).length === 0
      ? { type: type.value, value: value.value }
      : { type: type.value, value: value.value, metadata };
  return { ok: true, value: [signal] };
}
