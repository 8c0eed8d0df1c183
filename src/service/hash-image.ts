import { md5Hex, sha256Hex } from '../core/hash/digest.js';
import { computePdq, computePdqDihedral, PdqScratch } from '../core/hash/pdq.js';
import { pdqToHex } from '../core/hash/pdq-hash.js';
import { SafeguardError } from '../core/errors.js';
import type { ImageDecoder } from './ports/image-decoder.js';

export interface HashLimits {
  readonly maxPixels: number;
  readonly maxBytes: number;
}

export interface ImageHashes {
  /** 64 lowercase hex digits. */
  readonly pdq: string;
  /** 0..100. */
  readonly quality: number;
  readonly md5: string;
  readonly sha256: string;
  readonly width: number;
  readonly height: number;
  /** orig, rot90, rot180, rot270, flipx, flipy, flipp, flipm — when asked for. */
  readonly pdqDihedral?: readonly string[];
}

export interface HashImageOptions {
  readonly limits: HashLimits;
  readonly dihedral?: boolean;
}

/**
 * Hashes one image: MD5 and SHA-256 of the original bytes, PDQ (fullres, bit-exact with
 * Meta's reference) of the decoded pixels, and optionally the 8 dihedral PDQ hashes.
 */
export async function hashImage(
  deps: { decoder: ImageDecoder; scratch?: PdqScratch },
  bytes: Uint8Array,
  options: HashImageOptions,
): Promise<ImageHashes> {
  if (bytes.byteLength === 0) throw new SafeguardError('empty_file', 'file is empty');
  if (bytes.byteLength > options.limits.maxBytes) {
    throw new SafeguardError(
      'file_too_large',
      `file is ${bytes.byteLength} bytes, over the limit of ${options.limits.maxBytes}`,
      { bytes: bytes.byteLength, maxBytes: options.limits.maxBytes },
    );
  }
  const image = await deps.decoder.decode(bytes, { maxPixels: options.limits.maxPixels });
  const scratch = deps.scratch ?? new PdqScratch();
  const md5 = md5Hex(bytes);
  const sha256 = sha256Hex(bytes);
  const common = { md5, sha256, width: image.width, height: image.height };
  if (options.dihedral) {
    const dihedral = computePdqDihedral(image, scratch);
    // The plain path skips the blur for exactly 64x64 inputs and the dihedral path does not,
    // so there the two can differ in the last float bits; elsewhere they are the same hash.
    const plain =
      image.width === 64 && image.height === 64
        ? computePdq(image, scratch)
        : { hash: dihedral.hashes[0], quality: dihedral.quality };
    return {
      pdq: pdqToHex(plain.hash),
      quality: plain.quality,
      ...common,
      pdqDihedral: dihedral.hashes.map(pdqToHex),
    };
  }
  const { hash, quality } = computePdq(image, scratch);
  return { pdq: pdqToHex(hash), quality, ...common };
}
