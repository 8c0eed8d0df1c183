import type { RawImage } from '../../core/hash/luma.js';

export interface DecodeLimits {
  /** Largest accepted width*height; larger images are refused before decoding. */
  readonly maxPixels: number;
}

/**
 * Turns encoded image bytes into 8-bit grey or RGB pixels, alpha dropped (not composited),
 * embedded colour profiles and EXIF orientation ignored, so the same bytes always give the
 * same pixels. Throws SafeguardError: unsupported_format, corrupt_image, image_too_large.
 */
export interface ImageDecoder {
  decode(bytes: Uint8Array, limits: DecodeLimits): Promise<RawImage>;
}
