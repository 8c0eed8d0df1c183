import type { RawImage } from '../../core/hash/luma.js';
import type { HashImageOptions, ImageHashes } from '../hash-image.js';

/** Hashes images somewhere (worker threads in production); see worker/hash-pool.ts. */
export interface ImageHasher {
  hashFile(path: string, options: HashImageOptions): Promise<ImageHashes>;
  hashBytes(bytes: Uint8Array, options: HashImageOptions): Promise<ImageHashes>;
  /** PDQ of decoded pixels (a video frame); the pixel buffer is handed over, not copied. */
  hashPixels(image: RawImage): Promise<FrameHash>;
}

export interface FrameHash {
  /** 64 lowercase hex digits. */
  readonly pdq: string;
  readonly quality: number;
}
