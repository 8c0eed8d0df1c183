import { SafeguardError } from '../errors.js';

/** Decoded 8-bit pixels, interleaved, row-major: 1 (grey) or 3 (RGB) channels. */
export interface RawImage {
  readonly width: number;
  readonly height: number;
  readonly channels: 1 | 3;
  readonly data: Uint8Array;
}

// The reference's coefficients are float constants: float(0.299) and so on.
const R = Math.fround(0.299);
const G = Math.fround(0.587);
const B = Math.fround(0.114);

// float32(R*r + G*g) for every (r, g), and float32(B*b): the same roundings as the reference's
// expression, looked up instead of computed (256 KiB, stays in cache).
const RG = new Float32Array(65536);
const BT = new Float32Array(256);
for (let r = 0; r < 256; r++) {
  for (let g = 0; g < 256; g++) {
    RG[(r << 8) | g] = Math.fround(R * r) + Math.fround(G * g);
  }
  BT[r] = B * r;
}

/**
 * Luma as Meta's reference computes it, in float32 and in its operation order:
 * (0.299*r + 0.587*g) + 0.114*b. A grey image is its own luma (the reference's
 * fillFloatLumaFromGrey). Writes into `out` when given (length width*height).
 */
export function lumaFromImage(image: RawImage, out?: Float32Array): Float32Array {
  checkPixelBuffer(image);
  const { width, height, channels, data } = image;
  const n = width * height;
  const luma = out && out.length >= n ? out : new Float32Array(n);
  if (channels === 1) {
    for (let p = 0; p < n; p++) luma[p] = data[p];
    return luma;
  }
  // A Float32Array store rounds the float64 sum of two float32 values exactly as a float32
  // addition would.
  for (let p = 0, q = 0; p < n; p++, q += 3) {
    luma[p] = RG[(data[q] << 8) | data[q + 1]] + BT[data[q + 2]];
  }
  return luma;
}

/** Throws when the pixel buffer's length does not match the image's dimensions. */
export function checkPixelBuffer(image: RawImage): void {
  const { width, height, channels, data } = image;
  const n = width * height;
  if (data.length !== n * channels) {
    throw new SafeguardError(
      'invalid_argument',
      `pixel buffer has ${data.length} bytes, expected ${n * channels} for ${width}x${height}x${channels}`,
    );
  }
}
