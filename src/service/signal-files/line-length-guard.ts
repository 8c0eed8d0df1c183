/**
 * Watches the bytes of a text stream on their way to node:readline, which buffers a line until
 * its line break: without a limit, a file with no line break would be buffered whole. The guard
 * counts bytes since the last CR or LF; past the limit it passes on the bytes so far and ends
 * the stream, so readline's last line is the overlong one, longer than the limit, and the
 * reader refuses it with the line number readline counted.
 */
export class LineLengthGuard {
  /** Bytes taken from the source so far (readline reads ahead of the parser). */
  bytesRead = 0;
  /** Set once a line went past the limit and the stream was cut. */
  overflowed = false;

  /** A line's text may have `maxLineBytes`; one more byte is allowed for the CR of a CRLF. */
  constructor(readonly maxLineBytes: number) {}

  async *watch(source: AsyncIterable<Buffer | string>): AsyncGenerator<Buffer, void, undefined> {
    const limit = this.maxLineBytes + 1;
    let current = 0;
    for await (const chunk of source) {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
      this.bytesRead += bytes.length;
      if (current + bytes.length <= limit) {
        const lastBreak = Math.max(bytes.lastIndexOf(10), bytes.lastIndexOf(13));
        current = lastBreak === -1 ? current + bytes.length : bytes.length - lastBreak - 1;
        yield bytes;
        continue;
      }
      const overflowAt = findOverflow(bytes, current, limit);
      if (overflowAt === -1) {
        const lastBreak = Math.max(bytes.lastIndexOf(10), bytes.lastIndexOf(13));
        current = lastBreak === -1 ? current + bytes.length : bytes.length - lastBreak - 1;
        yield bytes;
        continue;
      }
      this.overflowed = true;
      yield bytes.subarray(0, overflowAt + 1);
      return;
    }
  }
}

/** The offset of the byte that takes a line past `limit`, or -1. */
function findOverflow(bytes: Buffer, current: number, limit: number): number {
  let start = 0;
  let length = current;
  for (;;) {
    const lf = bytes.indexOf(10, start);
    const cr = bytes.indexOf(13, start);
    const lineBreak = lf === -1 ? cr : cr === -1 ? lf : Math.min(lf, cr);
    const end = lineBreak === -1 ? bytes.length : lineBreak;
    if (length + (end - start) > limit) return start + (limit - length);
    if (lineBreak === -1) return -1;
    start = lineBreak + 1;
    length = 0;
  }
}
