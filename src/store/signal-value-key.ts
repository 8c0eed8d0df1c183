import { createHash } from 'node:crypto';

/** Values up to this many bytes are their own key (every value before vPDQ was). */
const KEY_MAX_BYTES = 2048;

/**
 * The key the live-signal index holds for a value: the value itself when short, otherwise
 * `sha256:` and its SHA-256 (a vPDQ frame list may be megabytes; no index takes that).
 */
export function signalValueKey(value: string): string {
  if (value.length <= KEY_MAX_BYTES / 4 || Buffer.byteLength(value, 'utf8') <= KEY_MAX_BYTES) {
    return value;
  }
  return `sha256:${createHash('sha256').update(value, 'utf8').digest('hex')}`;
}
