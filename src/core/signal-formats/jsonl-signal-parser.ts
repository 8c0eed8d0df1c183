import { chooseSignalType } from './resolve-signal-type.js';
import { compactMetadata, normalizeMetadataText } from './normalize-signal.js';
import { normalizeSignalValue } from './normalize-signal-value.js';
import type { ParseResult } from './parse-result.js';
import { signalMetadataKeys, type Signal, type SignalMetadataKey } from './signal.js';
import {
  prepareLine,
  skippedLine,
  type SignalLineParser,
  type SignalParserOptions,
} from './signal-line-parser.js';

const topLevelFields: readonly string[] = ['type', 'value', ...signalMetadataKeys, 'metadata'];

/**
 * JSON Lines: one object per line, `{"type", "value", "category"?, "source"?, "sourceId"?,
 * "note"?}`, the metadata also accepted nested as `"metadata": {...}`. A missing `type` falls
 * back to the default type, then to the value's shape. null means absent. Blank lines are
 * skipped; JSON has no comments. Unknown fields are refused, so a misspelt one is not lost.
 */
export function createJsonlSignalParser(options: SignalParserOptions = {}): SignalLineParser {
  return {
    parseLine(text, lineNumber) {
      const prepared = prepareLine(text, lineNumber);
      if (!prepared.ok) return prepared;
      const line = prepared.value.trim();
      if (line === '') return skippedLine;
      const fail = (reason: string): ParseResult<readonly Signal[]> => ({
        ok: false,
        issue: { line: lineNumber, reason },
      });
      let parsed: unknown;
      try {
        parsed = JSON.parse(line);
      } catch (error) {
        return fail(`invalid JSON: ${(error as Error).message}`);
      }
      if (!isPlainObject(parsed))
        return fail(`expected a JSON object, found ${describeJson(parsed)}`);
      for (const key of Object.keys(parsed)) {
        if (!topLevelFields.includes(key)) {
          return fail(`unknown field '${key}' (expected ${topLevelFields.join(', ')})`);
        }
      }
      const nested = parsed.metadata ?? undefined;
      if (nested !== undefined && !isPlainObject(nested)) {
        return fail(`field 'metadata' must be an object, found ${describeJson(nested)}`);
      }
      for (const key of Object.keys(nested ?? {})) {
        if (!(signalMetadataKeys as readonly string[]).includes(key)) {
          return fail(
            `unknown field 'metadata.${key}' (expected ${signalMetadataKeys.join(', ')})`,
          );
        }
      }
      const metaFields: Partial<Record<SignalMetadataKey, string | undefined>> = {};
      for (const key of signalMetadataKeys) {
        const top = parsed[key] ?? undefined;
        const inner = nested?.[key] ?? undefined;
        if (top !== undefined && inner !== undefined) {
          return fail(`field '${key}' is given both at the top level and in 'metadata'`);
        }
        const raw = top ?? inner;
        if (raw === undefined) continue;
        const label = top === undefined ? `metadata.${key}` : key;
        if (typeof raw !== 'string')
          return fail(`field '${label}' must be a string, found ${describeJson(raw)}`);
        const normalized = normalizeMetadataText(label, raw);
        if (!normalized.ok) return fail(normalized.reason);
        metaFields[key] = normalized.value;
      }
      const rawValue = parsed.value ?? undefined;
      if (rawValue === undefined) return fail("field 'value' is missing");
      if (typeof rawValue !== 'string')
        return fail(`field 'value' must be a string, found ${describeJson(rawValue)}`);
      const rawType = parsed.type ?? undefined;
      if (rawType !== undefined && typeof rawType !== 'string') {
        return fail(`field 'type' must be a string, found ${describeJson(rawType)}`);
      }
      const type = chooseSignalType(rawType, options.defaultType, rawValue);
      if (!type.ok) return fail(type.reason);
      const value = normalizeSignalValue(type.value, rawValue, options.maxValueBytes);
      if (!value.ok) return fail(value.reason);
      const metadata = compactMetadata(metaFields);
      const signal: Signal =
        metadata === undefined
          ? { type: type.value, value: value.value }
          : { type: type.value, value: value.value, metadata };
      return { ok: true, value: [signal] };
    },
  };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describeJson(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}
