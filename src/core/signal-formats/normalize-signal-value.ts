import { describeCharacter, findForbiddenCharacter } from './describe-character.js';
import { normalizeVpdqValue } from './normalize-vpdq-value.js';
import { fieldError, fieldOk, type FieldResult } from './parse-result.js';
import type { SignalType } from './signal.js';

const hexLengths = { pdq: 64, md5: 32, sha256: 64 } as const;
const PHOTODNA_BYTES = 144;
const WHITESPACE_RE = /\s/;

/**
 * Checks a signal value strictly and returns its normal form, or why it is not one. Surrounding
 * whitespace is dropped; offsets in failures count from the start of `raw`.
 *
 * - pdq, sha256: 64 hex digits; md5: 32. Case is folded to lower.
 * - photodna: 144 bytes, as 288 hex digits or as 144 comma-separated numbers 0-255 (both
 *   written out as 288 lowercase hex digits).
 * - vpdq: python-threatexchange's JSON array of "pdq,quality,timestamp" frames.
 * - url: any text without whitespace or control characters, kept exactly (URLs are
 *   case-sensitive; canonicalising is the URL matcher's business, not a file format's).
 *
 * `maxBytes` bounds the normal form's UTF-8 length (a store's column limit), so a value too
 * long for the bank is refused with its line number rather than at insert time.
 */
export function normalizeSignalValue(
  type: SignalType,
  raw: string,
  maxBytes = Number.POSITIVE_INFINITY,
): FieldResult<string> {
  const text = raw.trim();
  if (text === '') return fieldError(`${type} value is empty`);
  const result = normalizeTrimmed(type, text);
  if (result.ok) {
    // UTF-8 takes at most 3 bytes per UTF-16 unit: short values need no count.
    if (result.value.length * 3 <= maxBytes) return result;
    const bytes = utf8Length(result.value);
    if (bytes <= maxBytes) return result;
    return fieldError(`${type} value has ${bytes} bytes, more than the ${maxBytes} allowed`);
  }
  if (result.offset === undefined || text.length === raw.length) return result;
  return { ...result, offset: result.offset + raw.indexOf(text[0]) };
}

function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code <= 0xdbff) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

function normalizeTrimmed(type: SignalType, text: string): FieldResult<string> {
  switch (type) {
    case 'pdq':
    case 'md5':
    case 'sha256':
      return normalizeHex(type, text, hexLengths[type]);
    case 'photodna':
      return normalizePhotodna(text);
    case 'vpdq':
      return normalizeVpdqValue(text);
    case 'url':
      return checkUrl(text);
  }
}

/** 1 for the ASCII codes of hex digits: a table lookup is twice as fast as a RegExp here. */
const hexDigit = new Uint8Array(128);
for (const char of '0123456789abcdefABCDEF') hexDigit[char.charCodeAt(0)] = 1;

function isHex(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code > 127 || hexDigit[code] === 0) return false;
  }
  return true;
}

function normalizeHex(label: string, text: string, length: number): FieldResult<string> {
  if (text.length === length && isHex(text)) return fieldOk(text.toLowerCase());
  if (!isHex(text)) {
    const at = [...text].findIndex((char) => !isHex(char));
    const char = [...text][at];
    const offset = text.indexOf(char);
    return fieldError(
      `${label} value has ${describeCharacter(char)} at character ${offset + 1}, which is not a hex digit`,
      offset,
    );
  }
  return fieldError(`${label} value has ${text.length} characters, expected ${length}`);
}

function normalizePhotodna(text: string): FieldResult<string> {
  if (!text.includes(',')) return normalizeHex('photodna', text, PHOTODNA_BYTES * 2);
  const numbers = text.split(',');
  if (numbers.length !== PHOTODNA_BYTES) {
    return fieldError(`photodna value has ${numbers.length} numbers, expected ${PHOTODNA_BYTES}`);
  }
  let hex = '';
  for (let i = 0; i < numbers.length; i++) {
    const part = numbers[i].trim();
    if (!/^\d{1,3}$/.test(part) || Number(part) > 255) {
      return fieldError(`photodna value has '${part}' as number ${i + 1}, expected 0 to 255`);
    }
    hex += Number(part).toString(16).padStart(2, '0');
  }
  return fieldOk(hex);
}

function checkUrl(text: string): FieldResult<string> {
  const space = WHITESPACE_RE.exec(text)?.index ?? -1;
  const forbidden = findForbiddenCharacter(text);
  const at = space === -1 || (forbidden !== -1 && forbidden < space) ? forbidden : space;
  if (at !== -1) {
    const what = at === forbidden ? 'a forbidden character' : 'whitespace';
    return fieldError(
      `url value has ${what} (${describeCharacter(text[at])}) at character ${at + 1}`,
      at,
    );
  }
  return fieldOk(text);
}
