import sharp, { type Metadata, type Sharp } from 'sharp';
import { SafeguardError } from '../core/errors.js';
import type { RawImage } from '../core/hash/luma.js';
import type { DecodeLimits, ImageDecoder } from '../service/ports/image-decoder.js';

sharp.cache(false);

const SUPPORTED = new Set(['jpeg', 'png', 'webp', 'gif', 'heif', 'tiff', 'avif']);

/**
 * Decodes with sharp (libvips inside the npm package) the way Meta's reference sees pixels:
 * `ignoreIcc` (the reference ignores embedded profiles), alpha removed rather than composited,
 * no `.rotate()` (the reference ignores EXIF orientation), first frame of animations.
 */
export class SharpImageDecoder implements ImageDecoder {
  async decode(bytes: Uint8Array, limits: DecodeLimits): Promise<RawImage> {
    const input = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    let meta: Metadata;
    try {
      meta = await sharp(input, { limitInputPixels: false }).metadata();
    } catch (cause) {
      throw classifyFailure(cause);
    }
    const format = meta.format ?? 'unknown';
    if (!SUPPORTED.has(format)) {
      throw new SafeguardError('unsupported_format', `unsupported image format: ${format}`, {
        format,
      });
    }
    const width = meta.width ?? 0;
    const height = meta.pageHeight ?? meta.height ?? 0;
    if (width <= 0 || height <= 0) {
      throw new SafeguardError('corrupt_image', 'image has no dimensions');
    }
    if (width * height > limits.maxPixels) {
      throw new SafeguardError(
        'image_too_large',
        `image is ${width}x${height} = ${width * height} pixels, over the limit of ${limits.maxPixels}`,
        { width, height, maxPixels: limits.maxPixels },
      );
    }
    try {
      const pipeline = sharp(input, {
        ignoreIcc: true,
        limitInputPixels: limits.maxPixels,
        failOn: 'error',
        pages: 1,
      }).removeAlpha();
      if (meta.space === 'cmyk') return await decodeCmyk(pipeline);
      const isGrey = meta.channels !== undefined && meta.channels <= 2;
      const { data, info } = await pipeline
        .toColourspace(isGrey ? 'b-w' : 'srgb')
        .raw({ depth: 'uchar' })
        .toBuffer({ resolveWithObject: true });
      if (info.channels !== 1 && info.channels !== 3) {
        throw new SafeguardError('unsupported_format', `decoded to ${info.channels} channels`);
      }
      return {
        width: info.width,
        height: info.height,
        channels: info.channels,
        data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
      };
    } catch (cause) {
      if (cause instanceof SafeguardError) throw cause;
      throw classifyFailure(cause);
    }
  }
}

/**
 * CMYK without a colour profile, converted as the reference's ImageMagick path does:
 * R = (255-C)(255-K)/255, rounded. libvips' own conversion (a built-in profile) lands 6 bits
 * from the reference on the test photo; this lands 2 (the rest is the JPEG decoder).
 */
async function decodeCmyk(pipeline: Sharp): Promise<RawImage> {
  const { data, info } = await pipeline
    .toColourspace('cmyk')
    .raw({ depth: 'uchar' })
    .toBuffer({ resolveWithObject: true });
  if (info.channels !== 4) {
    throw new SafeguardError(
      'unsupported_format',
      `CMYK image decoded to ${info.channels} channels`,
    );
  }
  const n = info.width * info.height;
  const rgb = new Uint8Array(n * 3);
  for (let p = 0, q = 0; p < n; p++, q += 4) {
    const k = 255 - data[q + 3];
    rgb[3 * p] = Math.round(((255 - data[q]) * k) / 255);
    rgb[3 * p + 1] = Math.round(((255 - data[q + 1]) * k) / 255);
    rgb[3 * p + 2] = Math.round(((255 - data[q + 2]) * k) / 255);
  }
  return { width: info.width, height: info.height, channels: 3, data: rgb };
}

function classifyFailure(cause: unknown): SafeguardError {
  const text = cause instanceof Error ? cause.message : String(cause);
  if (/unsupported image format/i.test(text)) {
    return new SafeguardError(
      'unsupported_format',
      'not an image in a supported format',
      undefined,
      {
        cause,
      },
    );
  }
  if (/pixel limit/i.test(text)) {
    return new SafeguardError('image_too_large', 'image exceeds the pixel limit', undefined, {
      cause,
    });
  }
  return new SafeguardError(
    'corrupt_image',
    `image could not be decoded: ${firstLine(text)}`,
    undefined,
    {
      cause,
    },
  );
}

function firstLine(text: string): string {
  return text.split('\n')[0].trim();
}
