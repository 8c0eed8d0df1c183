import type { HashImageOptions, ImageHashes } from '../hash-image.js';

/** Hashes images somewhere (worker threads in production); see worker/hash-pool.ts. */
export interface ImageHasher {
  hashFile(path: string, options: HashImageOptions): Promise<ImageHashes>;
  hashBytes(bytes: Uint8Array, options: HashImageOptions): Promise<ImageHashes>;
}
