import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createWriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SafeguardError } from '../../../src/core/errors.js';
import type { Signal } from '../../../src/core/signal-formats/signal.js';
import { signalWriteFormats } from '../../../src/core/signal-formats/signal-file-format.js';
import { readSignalFile } from '../../../src/service/signal-files/read-signal-file.js';
import { writeSignalFile } from '../../../src/service/signal-files/write-signal-file.js';

const PDQ = 'f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22';
const MD5 = 'd41d8cd98f00b204e9800998ecf8427e';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'safeguard-write-signal-file-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function md5(i: number): string {
  return i.toString(16).padStart(32, '0');
}

async function* generate(count: number, onPull?: (i: number) => void): AsyncGenerator<Signal> {
  for (let i = 0; i < count; i++) {
    // Like a database cursor: a page at a time.
    if (i % 1000 === 0) await Promise.resolve();
    onPull?.(i);
    yield { type: 'md5', value: md5(i), metadata: { source: 'partner', sourceId: String(i) } };
  }
}

/** A writable that takes its time: each write completes on a later turn of the event loop. */
class SlowSink extends Writable {
  bytes = 0;
  text = '';
  constructor() {
    super({ highWaterMark: 1024 });
  }
  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    setImmediate(() => {
      this.bytes += chunk.length;
      this.text += chunk.toString('utf8');
      callback();
    });
  }
}

describe('writeSignalFile', () => {
  it.each(signalWriteFormats)('writes a file the reader reads back (%s)', async (format) => {
    const path = join(dir, `out.${format}`);
    const signals: Signal[] = [
      { type: 'pdq', value: PDQ, metadata: { category: 'A1', note: 'comma, "quote"' } },
      { type: 'md5', value: MD5 },
      { type: 'url', value: 'https://example.com/a,b?c="d"' },
    ];
    const result = await writeSignalFile(signals, format, createWriteStream(path));
    const written = await readFile(path);
    expect(result).toEqual({ signalsWritten: 3, bytesWritten: written.length });
    const read: Signal[] = [];
    for await (const { batch } of readSignalFile(path, { format }))
      read.push(...batch.map((b) => b.signal));
    expect(read).toEqual(
      format === 'threatexchange' ? signals.map(({ type, value }) => ({ type, value })) : signals,
    );
  });

  it('waits for a slow output instead of buffering the signals', async () => {
    const sink = new SlowSink();
    let pulled = 0;
    let maxAhead = 0;
    const result = await writeSignalFile(
      generate(50_000, (i) => {
        pulled = i + 1;
        // ~60 bytes a line: how far the writer has read ahead of what the sink took.
        maxAhead = Math.max(maxAhead, pulled * 60 - sink.bytes);
      }),
      'csv',
      sink,
    );
    expect(result.signalsWritten).toBe(50_000);
    expect(sink.bytes).toBe(result.bytesWritten);
    expect(result.bytesWritten).toBeGreaterThan(2_500_000);
    expect(maxAhead).toBeLessThan(512 * 1024);
    expect(sink.text.split('\n')[1]).toBe(`md5,${md5(0)},,partner,0,`);
  });

  it('rejects an invalid signal, naming it, and destroys the output', async () => {
    const sink = new SlowSink();
    const signals: Signal[] = [
      { type: 'md5', value: MD5 },
      { type: 'pdq', value: MD5 },
    ];
    const error = await writeSignalFile(signals, 'jsonl', sink).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SafeguardError);
    expect((error as SafeguardError).code).toBe('invalid_argument');
    expect((error as SafeguardError).message).toBe(
      'signal 2: cannot write signal: pdq value has 32 characters, expected 64',
    );
    expect((error as SafeguardError).details).toMatchObject({ index: 2, type: 'pdq' });
    expect(sink.destroyed).toBe(true);
  });

  it('leaves the output open with end: false', async () => {
    const sink = new SlowSink();
    await writeSignalFile([{ type: 'md5', value: MD5 }], 'threatexchange', sink, { end: false });
    expect(sink.writableEnded).toBe(false);
    sink.end('pdq ' + PDQ + '\n');
    await new Promise((resolve) => sink.on('finish', resolve));
    expect(sink.text).toBe(`video_md5 ${MD5}\npdq ${PDQ}\n`);
  });
});
