import { describeCharacter } from './describe-character.js';
import { fieldError, fieldOk, type FieldResult } from './parse-result.js';

const PDQ_HEX_RE = /^[0-9a-fA-F]{64}$/;
const QUALITY_RE = /^\d{1,3}$/;
const TIMESTAMP_RE = /^\d+(\.\d+)?([eE][+-]?\d+)?$/;

/**
 * A vPDQ signal in python-threatexchange's form: a JSON array of per-frame features, each the
 * string "<pdq hex>,<quality 0-100>,<timestamp seconds>". The normal form is the same array
 * with lowercase hex, the quality as an integer and the timestamp as the shortest decimal that
 * reads back to the same number, written by JSON.stringify (no spaces).
 */
export function normalizeVpdqValue(text: string): FieldResult<string> {
  if (!text.startsWith('[')) {
    return fieldError(
      'vpdq value must be a JSON array of "pdq,quality,timestamp" strings (python-threatexchange form)',
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    return fieldError(`vpdq value is not valid JSON: ${(error as Error).message}`);
  }
  if (!Array.isArray(parsed)) return fieldError('vpdq value must be a JSON array');
  if (parsed.length === 0) return fieldError('vpdq value has no frames');
  const frames: string[] = [];
  for (let i = 0; i < parsed.length; i++) {
    const frame: unknown = parsed[i];
    const where = `vpdq frame ${i + 1}`;
    if (typeof frame !== 'string') return fieldError(`${where} is not a string`);
    const parts = frame.split(',');
    if (parts.length !== 3) {
      return fieldError(`${where} has ${parts.length} parts, expected 3 ("pdq,quality,timestamp")`);
    }
    const [hex, quality, timestamp] = parts.map((part) => part.trim());
    if (!PDQ_HEX_RE.test(hex)) {
      const bad = [...hex].find((c) => !/[0-9a-fA-F]/.test(c));
      return fieldError(
        bad === undefined
          ? `${where}: pdq has ${hex.length} characters, expected 64`
          : `${where}: pdq has ${describeCharacter(bad)}, which is not a hex digit`,
      );
    }
    if (!QUALITY_RE.test(quality) || Number(quality) > 100) {
      return fieldError(`${where}: quality '${quality}' is not an integer from 0 to 100`);
    }
    const seconds = Number(timestamp);
    if (!TIMESTAMP_RE.test(timestamp) || !Number.isFinite(seconds)) {
      return fieldError(`${where}: timestamp '${timestamp}' is not a number of seconds >= 0`);
    }
    frames.push(`${hex.toLowerCase()},${Number(quality)},${seconds}`);
  }
  return fieldOk(JSON.stringify(frames));
}
