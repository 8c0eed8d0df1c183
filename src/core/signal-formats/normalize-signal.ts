import { describeCharacter, findForbiddenCharacter } from './describe-character.js';
import { normalizeSignalValue } from './normalize-signal-value.js';
import { fieldError, fieldOk, type FieldResult } from './parse-result.js';
import {
  isSignalType,
  signalMetadataKeys,
  type Signal,
  type SignalToWrite,
  type SignalMetadata,
  type SignalMetadataKey,
} from './signal.js';

/**
 * A metadata text field in normal form: surrounding whitespace dropped, empty meaning absent
 * (undefined), and no control characters (tab and newline included), U+FFFD or lone
 * surrogates, so every field fits on one line of every format and survives UTF-8. `label` names the field in the reason, as the file names it.
 */
export function normalizeMetadataText(label: string, raw: string): FieldResult<string | undefined> {
  const text = raw.trim();
  if (text === '') return fieldOk(undefined);
  const at = findForbiddenCharacter(text);
  if (at !== -1) {
    const offset = raw.indexOf(text[0]) + at;
    return fieldError(
      `${label} has a forbidden character (${describeCharacter(text[at])}) at character ${offset + 1}`,
      offset,
    );
  }
  return fieldOk(text);
}

/** Builds metadata from normalized fields, or undefined when every field is absent. */
export function compactMetadata(
  fields: Partial<Record<SignalMetadataKey, string | undefined>>,
): SignalMetadata | undefined {
  let metadata: SignalMetadata | undefined;
  for (const key of signalMetadataKeys) {
    const value = fields[key];
    if (value !== undefined) (metadata ??= {})[key] = value;
  }
  return metadata;
}

/**
 * Checks a whole signal (say, one about to be written) and returns it in normal form: the
 * normal value, metadata without empty fields, no metadata object when nothing is left.
 */
export function normalizeSignal(signal: SignalToWrite): FieldResult<Signal> {
  const type: string = signal.type;
  if (!isSignalType(type)) return fieldError(`unknown signal type '${type}'`);
  const value = normalizeSignalValue(signal.type, signal.value);
  if (!value.ok) return value;
  const fields: Partial<Record<SignalMetadataKey, string | undefined>> = {};
  for (const key of signalMetadataKeys) {
    const raw = signal.metadata?.[key];
    if (raw === undefined) continue;
    if (typeof raw !== 'string') return fieldError(`${key} is not a string`);
    const text = normalizeMetadataText(key, raw);
    if (!text.ok) return text;
    fields[key] = text.value;
  }
  const metadata = compactMetadata(fields);
  return fieldOk(
    metadata === undefined
      ? { type: signal.type, value: value.value }
      : { type: signal.type, value: value.value, metadata },
  );
}
