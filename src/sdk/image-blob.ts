import type { ScanInput } from './types.js';

/** The media type of common image formats by their first bytes; octet-stream otherwise. */
export function sniffImageType(bytes: Uint8Array): string {
  const at = (i: number, ...values: number[]) => values.every((v, k) => bytes[i + k] === v);
  if (at(0, 0xff, 0xd8, 0xff)) return 'image/jpeg';
  if (at(0, 0x89, 0x50, 0x4e, 0x47)) return 'image/png';
  if (at(0, 0x47, 0x49, 0x46, 0x38)) return 'image/gif';
  if (at(0, 0x52, 0x49, 0x46, 0x46) && at(8, 0x57, 0x45, 0x42, 0x50)) return 'image/webp';
  return 'application/octet-stream';
}

const isReadableStream = (value: unknown): value is ReadableStream<Uint8Array> =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as { getReader?: unknown }).getReader === 'function';

/** Reads a web stream or an async iterable of byte chunks to its end. */
async function readAll(
  source: ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>,
): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  const push = (chunk: unknown) => {
    const bytes =
      typeof chunk === 'string'
        ? new TextEncoder().encode(chunk)
        : chunk instanceof Uint8Array
          ? chunk
          : undefined;
    if (!bytes) throw new TypeError('scan: the image stream must yield Uint8Array chunks');
    chunks.push(bytes);
    total += bytes.byteLength;
  };
  if (isReadableStream(source)) {
    const reader = source.getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        push(value);
      }
    } finally {
      reader.releaseLock();
    }
  } else {
    for await (const chunk of source) push(chunk);
  }
  const out = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}

/** A copy on a plain ArrayBuffer: what Blob accepts whatever backs the view. */
const ownBytes = (bytes: Uint8Array): Uint8Array<ArrayBuffer> => new Uint8Array(bytes);

/** The image as a Blob for a multipart part, with `contentType` or a sniffed type. */
export async function toImageBlob(image: ScanInput, contentType?: string): Promise<Blob> {
  if (image instanceof Blob) {
    if (contentType === undefined || contentType === image.type) return image;
    return new Blob([image], { type: contentType });
  }
  const bytes =
    image instanceof Uint8Array
      ? image
      : image instanceof ArrayBuffer
        ? new Uint8Array(image)
        : await readAll(image);
  return new Blob([ownBytes(bytes)], { type: contentType ?? sniffImageType(bytes) });
}
