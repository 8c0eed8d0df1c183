import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { looksLikeVideo } from '../../../src/core/video/looks-like-video.js';
import { pdqDataDir, sharedDir } from '../../support/shared.js';

const head = (path: string) => readFileSync(path).subarray(0, 256);
const box = (type: string, brand: string) =>
  Buffer.concat([Buffer.from([0, 0, 0, 24]), Buffer.from(type + brand), Buffer.alloc(12)]);

describe('looksLikeVideo', () => {
  it('knows the sample videos and the containers ffmpeg reads', () => {
    const videos = join(sharedDir, 'testdata/vpdq/videos');
    expect(looksLikeVideo(head(join(videos, 'doorknob-hd-no-bar.mp4')))).toBe(true);
    expect(looksLikeVideo(box('ftyp', 'qt  '))).toBe(true);
    expect(looksLikeVideo(box('moov', '    '))).toBe(true);
    expect(looksLikeVideo(Buffer.from([0x1a, 0x45, 0xdf, 0xa3, ...Buffer.alloc(12)]))).toBe(true);
    expect(looksLikeVideo(Buffer.from('RIFF\0\0\0\0AVI LIST'))).toBe(true);
    expect(looksLikeVideo(Buffer.from('FLV\x01\x05\0\0\0\x09\0\0\0'))).toBe(true);
    const ts = Buffer.alloc(376);
    ts[0] = 0x47;
    ts[188] = 0x47;
    expect(looksLikeVideo(ts)).toBe(true);
  });

  it('does not take images (HEIF/AVIF brands, GIF, JPEG, PNG) or short input for videos', () => {
    expect(looksLikeVideo(box('ftyp', 'heic'))).toBe(false);
    expect(looksLikeVideo(box('ftyp', 'avif'))).toBe(false);
    expect(looksLikeVideo(head(join(pdqDataDir, 'data/misc-images/wee.jpg')))).toBe(false);
    expect(looksLikeVideo(Buffer.from('GIF89a\x01\0\x01\0\x80\0\0'))).toBe(false);
    expect(looksLikeVideo(Buffer.from('\x89PNG\r\n\x1a\n\0\0\0\rIHDR'))).toBe(false);
    expect(looksLikeVideo(Buffer.from('ftyp'))).toBe(false);
    expect(looksLikeVideo(new Uint8Array(0))).toBe(false);
  });
});
