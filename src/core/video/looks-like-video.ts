const IMAGE_BRANDS = new Set(['heic', 'heix', 'hevc', 'mif1', 'msf1', 'avif', 'avis']);

/**
 * Whether the first bytes of a file are a video container ffmpeg reads: ISO BMFF/QuickTime
 * (not the HEIF/AVIF image brands), Matroska/WebM, AVI, FLV, MPEG-TS/PS, Ogg, ASF.
 */
export function looksLikeVideo(head: Uint8Array): boolean {
  const ascii = (from: number, to: number) => String.fromCharCode(...head.subarray(from, to));
  if (head.length < 12) return false;
  const box = ascii(4, 8);
  if (box === 'ftyp') return !IMAGE_BRANDS.has(ascii(8, 12));
  if (['moov', 'mdat', 'wide', 'free', 'skip'].includes(box)) return true;
  if (head[0] === 0x1a && head[1] === 0x45 && head[2] === 0xdf && head[3] === 0xa3) return true;
  if (ascii(0, 4) === 'RIFF' && ascii(8, 12) === 'AVI ') return true;
  if (ascii(0, 3) === 'FLV' || ascii(0, 4) === 'OggS') return true;
  // MPEG-TS: a sync byte every 188 bytes (a GIF also starts with 0x47, "G").
  if (head.length > 188 && head[0] === 0x47 && head[188] === 0x47) return true;
  if (head[0] === 0 && head[1] === 0 && head[2] === 1 && (head[3] === 0xba || head[3] === 0xb3)) {
    return true;
  }
  return head[0] === 0x30 && head[1] === 0x26 && head[2] === 0xb2 && head[3] === 0x75;
}
