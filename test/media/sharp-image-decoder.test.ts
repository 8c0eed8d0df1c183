import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { computePdq } from '../../src/core/hash/pdq.js';
import { hammingDistance, pdqToHex } from '../../src/core/hash/pdq-hash.js';
import { SharpImageDecoder } from '../../src/media/sharp-image-decoder.js';
import { pngBombHeader } from '../support/bad-images.js';
import { pdqDataDir } from '../support/shared.js';

const decoder = new SharpImageDecoder();
const limits = { maxPixels: 50_000_000 };
const sourcePng = readFileSync(join(pdqDataDir, 'pixel-exact/synthetic/synth-640x480-rgb.png'));

async function pdqOf(bytes: Uint8Array) {
  return computePdq(await decoder.decode(bytes, limits));
}

describe('SharpImageDecoder formats', () => {
  it('lossless TIFF and WebP give exactly the PNG hash', async () => {
    const png = await pdqOf(sourcePng);
    const tiff = await sharp(sourcePng).tiff({ compression: 'lzw' }).toBuffer();
    const webp = await sharp(sourcePng).webp({ lossless: true }).toBuffer();
    expect(pdqToHex((await pdqOf(tiff)).hash)).toBe(pdqToHex(png.hash));
    expect(pdqToHex((await pdqOf(webp)).hash)).toBe(pdqToHex(png.hash));
  });

  it("lossy AVIF and JPEG stay within Meta's tolerance of 10 bits", async () => {
    const png = await pdqOf(sourcePng);
    const avif = await sharp(sourcePng).avif({ quality: 80 }).toBuffer();
    const jpeg = await sharp(sourcePng).jpeg({ quality: 90 }).toBuffer();
    expect(hammingDistance((await pdqOf(avif)).hash, png.hash)).toBeLessThanOrEqual(10);
    expect(hammingDistance((await pdqOf(jpeg)).hash, png.hash)).toBeLessThanOrEqual(10);
  });

  it('an animated GIF is hashed on its first frame', async () => {
    const first = await sharp(sourcePng).resize(64, 48).raw().toBuffer();
    const second = Buffer.from(first.map((v) => 255 - v));
    const raw = { width: 64, height: 48, channels: 3 as const };
    const frames = await Promise.all(
      [first, second].map((frame) => sharp(frame, { raw }).png().toBuffer()),
    );
    const gif = await sharp(frames, { join: { animated: true } })
      .gif({ loop: 0, delay: [100, 100] })
      .toBuffer();
    const animated = await sharp(gif, { pages: -1 }).metadata();
    expect(animated.pages).toBe(2);
    const firstGif = await sharp(first, { raw: { width: 64, height: 48, channels: 3 } })
      .gif()
      .toBuffer();
    const decoded = await decoder.decode(gif, limits);
    expect([decoded.width, decoded.height]).toEqual([64, 48]);
    expect(pdqToHex(computePdq(decoded).hash)).toBe(pdqToHex((await pdqOf(firstGif)).hash));
  });

  it('ignores EXIF orientation, as the reference does', async () => {
    const plain = await sharp(sourcePng).jpeg({ quality: 95 }).toBuffer();
    const rotated = await sharp(sourcePng)
      .jpeg({ quality: 95 })
      .withMetadata({ orientation: 6 })
      .toBuffer();
    expect((await sharp(rotated).metadata()).orientation).toBe(6);
    const a = await decoder.decode(plain, limits);
    const b = await decoder.decode(rotated, limits);
    expect([b.width, b.height]).toEqual([a.width, a.height]);
    expect(pdqToHex(computePdq(b).hash)).toBe(pdqToHex(computePdq(a).hash));
  });

  it('drops alpha without compositing it', async () => {
    const rgb = await sharp(sourcePng).raw().toBuffer();
    const rgba = Buffer.alloc((rgb.length / 3) * 4);
    for (let p = 0; p < rgb.length / 3; p++) {
      rgba.set(rgb.subarray(3 * p, 3 * p + 3), 4 * p);
      rgba[4 * p + 3] = p % 7 === 0 ? 255 : 0; // mostly transparent
    }
    const png = await sharp(rgba, { raw: { width: 640, height: 480, channels: 4 } })
      .png()
      .toBuffer();
    expect(pdqToHex((await pdqOf(png)).hash)).toBe(pdqToHex((await pdqOf(sourcePng)).hash));
  });

  it('decodes grey images to one channel', async () => {
    const grey = await sharp(sourcePng).toColourspace('b-w').png().toBuffer();
    expect((await sharp(grey).metadata()).channels).toBe(1);
    const image = await decoder.decode(grey, limits);
    expect(image.channels).toBe(1);
  });
});

describe('SharpImageDecoder refusals', () => {
  it('refuses an image over the pixel limit before decoding it', async () => {
    await expect(decoder.decode(pngBombHeader(30000, 30000), limits)).rejects.toMatchObject({
      code: 'image_too_large',
    });
  });

  it('classifies garbage, truncation and unsupported formats', async () => {
    await expect(decoder.decode(Buffer.from('hello'), limits)).rejects.toMatchObject({
      code: 'unsupported_format',
    });
    const jpeg = await sharp(sourcePng).jpeg().toBuffer();
    await expect(decoder.decode(jpeg.subarray(0, 2000), limits)).rejects.toMatchObject({
      code: 'corrupt_image',
    });
    const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>');
    await expect(decoder.decode(svg, limits)).rejects.toMatchObject({
      code: 'unsupported_format',
    });
  });
});
