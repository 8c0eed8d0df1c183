import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32, deflateSync } from 'node:zlib';
import { pdqDataDir } from './shared.js';

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/**
 * A PNG that claims width x height RGB pixels with a tiny, valid-looking start of image data:
 * the header of a decompression bomb. A decoder that trusts it allocates width*height*3 bytes.
 */
export function pngBombHeader(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  const rows = deflateSync(Buffer.alloc((1 + width * 3) * 4)); // the first 4 rows, all zero
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', rows),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** Writes the hostile inputs the hash command must survive; returns their paths. */
export function writeBadInputs(dir: string) {
  const jpeg = readFileSync(join(pdqDataDir, 'data/reg-test-input/dih/bridge-1-original.jpg'));
  const paths = {
    empty: join(dir, 'empty.jpg'),
    truncated: join(dir, 'truncated.jpg'),
    text: join(dir, 'text.jpg'),
    bomb: join(dir, 'bomb.png'),
    missing: join(dir, 'missing.jpg'),
    noImages: join(dir, 'no-images'),
  };
  writeFileSync(paths.empty, Buffer.alloc(0));
  writeFileSync(paths.truncated, jpeg.subarray(0, Math.floor(jpeg.length / 3)));
  writeFileSync(paths.text, 'this is a text file, not a JPEG\n');
  writeFileSync(paths.bomb, pngBombHeader(30000, 30000));
  mkdirSync(paths.noImages);
  writeFileSync(join(paths.noImages, 'notes.txt'), 'no images here\n');
  return paths;
}
