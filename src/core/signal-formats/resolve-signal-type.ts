import { fieldError, fieldOk, type FieldResult } from './parse-result.js';
import { isSignalType, signalTypes, type SignalType } from './signal.js';
import {
  fromThreatexchangeSignalType,
  isThreatexchangeSignalType,
} from './threatexchange-signal-type.js';

const HEX_RE = /^[0-9a-f]+$/i;
const URL_SCHEME_RE = /^[a-z][a-z0-9+.-]*:\/\//i;

/**
 * A type named in a type column or field: a Safeguard name (any case), or else a
 * python-threatexchange name (video_md5, video_sha256...), so pytx exports need no editing.
 */
export function resolveSignalType(name: string): FieldResult<SignalType> {
  const text = name.trim();
  const lower = text.toLowerCase();
  if (isSignalType(lower)) return fieldOk(lower);
  if (isThreatexchangeSignalType(lower)) return fromThreatexchangeSignalType(lower);
  return fieldError(`unknown signal type '${text}' (expected ${signalTypes.join(', ')})`);
}

/**
 * The type of a value no column names: 32 hex digits are an MD5, 288 a PhotoDNA hash, a
 * URL has a scheme. 64 hex digits may be PDQ or SHA-256, so they need a name or a default.
 */
export function inferSignalType(value: string): FieldResult<SignalType> {
  const text = value.trim();
  if (HEX_RE.test(text)) {
    if (text.length === 32) return fieldOk('md5');
    if (text.length === 288) return fieldOk('photodna');
    if (text.length === 64) {
      return fieldError(
        '64 hex digits may be a pdq or a sha256 value: name the type (a type or pdq/sha256 column, a type field) or give a default type',
      );
    }
  }
  if (URL_SCHEME_RE.test(text)) return fieldOk('url');
  if (text.startsWith('[')) return fieldOk('vpdq');
  return fieldError(
    `cannot tell the signal type of this value (${text.length} characters): name the type or give a default type`,
  );
}

/** The type a record gives, else the caller's default, else the one the value shows. */
export function chooseSignalType(
  named: string | undefined,
  defaultType: SignalType | undefined,
  value: string,
): FieldResult<SignalType> {
  if (named !== undefined && named.trim() !== '') return resolveSignalType(named);
  if (defaultType !== undefined) return fieldOk(defaultType);
  return inferSignalType(value);
}
