import { chooseSignalType } from './resolve-signal-type.js';
import { compactMetadata, normalizeMetadataText } from './normalize-signal.js';
import { normalizeSignalValue } from './normalize-signal-value.js';
import { toIssue, type FieldResult, type ParseIssue, type ParseResult } from './parse-result.js';
import {
  isSignalType,
  signalTypes,
  type Signal,
  type SignalMetadata,
  type SignalMetadataKey,
  type SignalType,
} from './signal.js';
import {
  isBlankOrComment,
  prepareLine,
  skippedLine,
  type SignalLineParser,
  type SignalParserOptions,
} from './signal-line-parser.js';
import { splitCsvLine, splitTsvLine, type DelimitedField } from './split-delimited-line.js';

type Role =
  | { kind: 'type' }
  | { kind: 'value' }
  | { kind: 'typed'; type: SignalType }
  | { kind: 'meta'; key: SignalMetadataKey };

const columnRoles: Readonly<Record<string, Role>> = {
  type: { kind: 'type' },
  signal_type: { kind: 'type' },
  value: { kind: 'value' },
  hash: { kind: 'value' },
  signal: { kind: 'value' },
  category: { kind: 'meta', key: 'category' },
  source: { kind: 'meta', key: 'source' },
  source_id: { kind: 'meta', key: 'sourceId' },
  sourceid: { kind: 'meta', key: 'sourceId' },
  note: { kind: 'meta', key: 'note' },
};

const expectedColumns = `type, value (or hash, signal), category, source, source_id, note, or a signal type (${signalTypes.join(', ')})`;

/** Where each column's data goes, read from the header row. */
interface Layout {
  readonly width: number;
  readonly type?: number;
  readonly value?: number;
  readonly typed: { index: number; type: SignalType }[];
  readonly meta: { index: number; key: SignalMetadataKey; label: string }[];
}

/**
 * CSV (RFC 4180 quoting) or TSV (no quoting) signal files, in one of two shapes decided by the
 * first line that is not blank or a comment:
 * - a header row naming the columns (see `expectedColumns`); a `pdq`, `md5`... column holds
 *   values of that type, a `value` column values of the row's `type` (or the default type);
 *   a row may fill several signal columns, each giving a signal with the row's metadata;
 * - one bare value per line, typed by the caller's default type or by its shape.
 */
export function createDelimitedSignalParser(
  delimiter: 'csv' | 'tsv',
  options: SignalParserOptions = {},
): SignalLineParser {
  let layout: Layout | 'bare' | undefined;
  const split = (line: string): FieldResult<DelimitedField[]> =>
    delimiter === 'csv' ? splitCsvLine(line) : { ok: true, value: splitTsvLine(line) };

  return {
    parseLine(text, lineNumber) {
      const prepared = prepareLine(text, lineNumber);
      if (!prepared.ok) return prepared;
      const line = prepared.value;
      if (isBlankOrComment(line)) return skippedLine;
      const fields = split(line);
      if (!fields.ok) return { ok: false, issue: toIssue(fields, lineNumber, 1) };
      if (layout === undefined) {
        if (fields.value.length === 1 && !isColumnName(fields.value[0].text)) {
          layout = 'bare';
        } else {
          const header = readHeader(fields.value, lineNumber);
          if (!header.ok) return header;
          layout = header.value;
          return skippedLine;
        }
      }
      if (layout === 'bare') return parseBare(fields.value, lineNumber, options);
      return parseRow(layout, fields.value, lineNumber, options);
    },
  };
}

function columnRole(name: string): Role | undefined {
  if (Object.hasOwn(columnRoles, name)) return columnRoles[name];
  return isSignalType(name) ? { kind: 'typed', type: name } : undefined;
}

function isColumnName(text: string): boolean {
  return columnRole(text.trim().toLowerCase()) !== undefined;
}

function readHeader(fields: DelimitedField[], line: number): ParseResult<Layout> {
  const typed: Layout['typed'] = [];
  const meta: Layout['meta'] = [];
  const seen = new Map<string, string>();
  let type: number | undefined;
  let value: number | undefined;
  const fail = (column: number, reason: string): ParseResult<Layout> => ({
    ok: false,
    issue: { line, column, reason },
  });
  for (let index = 0; index < fields.length; index++) {
    const { text, column } = fields[index];
    const name = text.trim().toLowerCase();
    if (name === '') return fail(column, `column ${index + 1} of the header has no name`);
    const role = columnRole(name);
    if (role === undefined) {
      return fail(
        column,
        `unknown column '${text.trim()}' (expected ${expectedColumns}); a file with more than one column needs a header row`,
      );
    }
    const key = role.kind === 'meta' ? role.key : role.kind === 'typed' ? role.type : role.kind;
    const earlier = seen.get(key);
    if (earlier !== undefined) {
      return fail(column, `column '${text.trim()}' repeats column '${earlier}'`);
    }
    seen.set(key, text.trim());
    switch (role.kind) {
      case 'type':
        type = index;
        break;
      case 'value':
        value = index;
        break;
      case 'typed':
        typed.push({ index, type: role.type });
        break;
      case 'meta':
        meta.push({ index, key: role.key, label: text.trim() });
        break;
    }
  }
  if (value === undefined && typed.length === 0) {
    return fail(
      1,
      `the header names no value column (value, hash or signal) and no signal type column (${signalTypes.join(', ')})`,
    );
  }
  if (type !== undefined && value === undefined) {
    return fail(fields[type].column, 'the header has a type column but no value column');
  }
  return { ok: true, value: { width: fields.length, type, value, typed, meta } };
}

function parseBare(
  fields: DelimitedField[],
  line: number,
  options: SignalParserOptions,
): ParseResult<readonly Signal[]> {
  if (fields.length !== 1) {
    return issue({
      line,
      column: fields[1].column - 1,
      reason: `${fields.length} fields, but this file has one value per line and no header row`,
    });
  }
  const { text, column } = fields[0];
  const type = chooseSignalType(undefined, options.defaultType, text);
  if (!type.ok) return issue(toIssue(type, line, column));
  const value = normalizeSignalValue(type.value, text, options.maxValueBytes);
  if (!value.ok) return issue(toIssue(value, line, column));
  return { ok: true, value: [{ type: type.value, value: value.value }] };
}

function parseRow(
  layout: Layout,
  fields: DelimitedField[],
  line: number,
  options: SignalParserOptions,
): ParseResult<readonly Signal[]> {
  if (fields.length !== layout.width) {
    return issue({
      line,
      reason: `${fields.length} fields, expected ${layout.width} as in the header`,
    });
  }
  const metaFields: Partial<Record<SignalMetadataKey, string | undefined>> = {};
  for (const { index, key, label } of layout.meta) {
    const text = normalizeMetadataText(label, fields[index].text);
    if (!text.ok) return issue(toIssue(text, line, fields[index].column));
    metaFields[key] = text.value;
  }
  const metadata = compactMetadata(metaFields);
  const signals: Signal[] = [];
  if (layout.value !== undefined) {
    const field = fields[layout.value];
    const typeField = layout.type === undefined ? undefined : fields[layout.type];
    if (field.text.trim() !== '') {
      const type = chooseSignalType(typeField?.text, options.defaultType, field.text);
      if (!type.ok) {
        const at = typeField !== undefined && typeField.text.trim() !== '' ? typeField : field;
        return issue(toIssue(type, line, at.column));
      }
      const value = normalizeSignalValue(type.value, field.text, options.maxValueBytes);
      if (!value.ok) return issue(toIssue(value, line, field.column));
      signals.push(withMetadata(type.value, value.value, metadata, signals.length));
    } else if (typeField !== undefined && typeField.text.trim() !== '') {
      return issue({
        line,
        column: field.column,
        reason: 'the type is given but the value is empty',
      });
    }
  }
  for (const { index, type } of layout.typed) {
    const field = fields[index];
    if (field.text.trim() === '') continue;
    const value = normalizeSignalValue(type, field.text, options.maxValueBytes);
    if (!value.ok) return issue(toIssue(value, line, field.column));
    signals.push(withMetadata(type, value.value, metadata, signals.length));
  }
  if (signals.length === 0) return issue({ line, reason: 'no signal value on this line' });
  return { ok: true, value: signals };
}

/** Signals of one row share its metadata; each after the first gets its own copy. */
function withMetadata(
  type: SignalType,
  value: string,
  metadata: SignalMetadata | undefined,
  index: number,
): Signal {
  if (metadata === undefined) return { type, value };
  return { type, value, metadata: index === 0 ? metadata : { ...metadata } };
}

function issue(value: ParseIssue): ParseResult<readonly Signal[]> {
  return { ok: false, issue: value };
}
