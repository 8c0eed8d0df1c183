import { fieldError, fieldOk, type FieldResult } from './parse-result.js';
import type { SignalType } from './signal.js';

/**
 * python-threatexchange ("pytx") and HMA signal type names. Names are lower_snake keys in
 * stored data and never change, so they are matched exactly.
 */
const fromThreatexchange: Readonly<Record<string, SignalType>> = {
  pdq: 'pdq',
  video_md5: 'md5',
  // pytx before 1.0 had a separate photo MD5 type.
  photo_md5: 'md5',
  video_sha256: 'sha256',
  vpdq: 'vpdq',
  // The Tech Coalition's PhotoDNA extension.
  photodna: 'photodna',
  url: 'url',
};

/** Known pytx types with no Safeguard equivalent, and why. */
const unsupported: Readonly<Record<string, string>> = {
  url_md5: 'Safeguard stores URLs, not MD5s of URLs',
  raw_text: 'Safeguard banks hold no text signals',
  trend_query: 'Safeguard banks hold no text signals',
  text_tlsh: 'Safeguard banks hold no text signals',
  pdq_ocr: 'Safeguard has no PDQ+OCR matcher',
  clip: 'Safeguard has no CLIP matcher',
};

const toThreatexchange: Readonly<Record<SignalType, string>> = {
  pdq: 'pdq',
  md5: 'video_md5',
  sha256: 'video_sha256',
  vpdq: 'vpdq',
  photodna: 'photodna',
  url: 'url',
};

/** Whether pytx knows the name, whether or not Safeguard supports it. */
export function isThreatexchangeSignalType(name: string): boolean {
  return Object.hasOwn(fromThreatexchange, name) || Object.hasOwn(unsupported, name);
}

export function fromThreatexchangeSignalType(name: string): FieldResult<SignalType> {
  if (Object.hasOwn(fromThreatexchange, name)) return fieldOk(fromThreatexchange[name]);
  if (Object.hasOwn(unsupported, name)) {
    return fieldError(
      `signal type '${name}' (python-threatexchange) is not supported: ${unsupported[name]}`,
    );
  }
  return fieldError(
    `unknown signal type '${name}' (expected ${Object.keys(fromThreatexchange).join(', ')})`,
  );
}

/**
 * The pytx name Safeguard writes for a type. pytx has one MD5 and one SHA-256 type, named for
 * video but used for any file (HMA too), so md5 and sha256 become video_md5 and video_sha256.
 */
export function toThreatexchangeSignalType(type: SignalType): string {
  return toThreatexchange[type];
}
