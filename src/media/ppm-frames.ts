import { SafeguardError } from '../core/errors.js';
import type { RawImage } from '../core/hash/luma.js';

const HEADER_RE = /^P6\s+(\d+)\s+(\d+)\s+(\d+)\s/;
/** A PPM header is "P6 <w> <h> <max>" and one whitespace: well under this many bytes. */
const MAX_HEADER_BYTES = 64;

/**
 * Splits a stream of binary PPM images (ffmpeg's `-f image2pipe -c:v ppm`) into RGB frames.
 * Each frame says its own size, so a stream that changes resolution is read correctly. A frame
 * over `maxPixels` is refused from its header, before its pixels are buffered.
 */
export async function* readPpmFrames(
  source: AsyncIterable<Buffer>,
  maxPixels: number,
): AsyncGenerator<RawImage, void, undefined> {
  let pending: Buffer = Buffer.alloc(0);
  let frame: Uint8Array | undefined;
  let width = 0;
  let height = 0;
  let filled = 0;
  for await (const chunk of source) {
    let data: Buffer = pending.length > 0 ? Buffer.concat([pending, chunk]) : chunk;
    pending = Buffer.alloc(0);
    while (data.length > 0) {
      if (frame === undefined) {
        const head = data.subarray(0, MAX_HEADER_BYTES).toString('latin1');
        const match = HEADER_RE.exec(head);
        if (!match) {
          if (data.length >= MAX_HEADER_BYTES || !'P6'.startsWith(head.slice(0, 2))) {
            throw new SafeguardError(
              'corrupt_video',
              'the decoder sent a frame with no PPM header',
            );
          }
          pending = Buffer.from(data);
          break;
        }
        width = Number(match[1]);
        height = Number(match[2]);
        if (match[3] !== '255') {
          throw new SafeguardError('corrupt_video', `the decoder sent ${match[3]}-level frames`);
        }
        if (width * height > maxPixels) {
          throw new SafeguardError(
            'image_too_large',
            `video frames are ${width}x${height}, over the limit of ${maxPixels} pixels`,
            { width, height, maxPixels },
          );
        }
        frame = new Uint8Array(width * height * 3);
        filled = 0;
        data = data.subarray(match[0].length);
        continue;
      }
      const take = Math.min(frame.length - filled, data.length);
      frame.set(data.subarray(0, take), filled);
      filled += take;
      data = data.subarray(take);
      if (filled === frame.length) {
        yield { width, height, channels: 3, data: frame };
        frame = undefined;
      }
    }
  }
  if (frame !== undefined) {
    throw new SafeguardError('corrupt_video', 'the decoder stopped in the middle of a frame');
  }
}
