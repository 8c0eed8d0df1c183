import { createHash } from 'node:crypto';

/** Lowercase hex digests of the original bytes, the form NCMEC and the IWF list. */
export function md5Hex(bytes: Uint8Array): string {
  return createHash('md5').update(bytes).digest('hex');
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}
