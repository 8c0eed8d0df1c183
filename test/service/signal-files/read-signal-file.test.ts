import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SafeguardError } from '../../../src/core/errors.js';
import type { ParsedSignal } from '../../../src/core/signal-formats/signal-line-parser.js';
import {
  readProgress,
  readSignalFile,
  type ReadSignalFileOptions,
  type SignalFileBatch,
} from '../../../src/service/signal-files/read-signal-file.js';

const PDQ = 'f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22';
const MD5 = 'd41d8cd98f00b204e9800998ecf8427e';
const fixture = (path: string): string =>
  fileURLToPath(new URL(`../../fixtures/threatexchange-hma/${path}`, import.meta.url));

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'safeguard-signal-files-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function readAll(
  source: string | Readable,
  options?: ReadSignalFileOptions,
): Promise<{ batches: SignalFileBatch[]; signals: ParsedSignal[] }> {
  const batches: SignalFileBatch[] = [];
  for await (const batch of readSignalFile(source, options)) batches.push(batch);
  return { batches, signals: batches.flatMap((b) => b.batch) };
}

async function readError(
  source: string | Readable,
  options?: ReadSignalFileOptions,
): Promise<SafeguardError> {
  try {
    await readAll(source, options);
  } catch (error) {
    if (error instanceof SafeguardError) return error;
    throw error;
  }
  throw new Error('expected an error');
}

async function file(name: string, content: string | Buffer): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, content);
  return path;
}

describe('readSignalFile', () => {
  it('reads a file in batches, with progress against its size', async () => {
    const lines = Array.from({ length: 2500 }, (_, i) => i.toString(16).padStart(32, '0'));
    const path = await file('batches.txt', `${lines.join('\n')}\n`);
    const { batches, signals } = await readAll(path, { batchSize: 1000 });
    expect(batches.map((b) => [b.batch.length, b.linesRead])).toEqual([
      [1000, 1000],
      [1000, 2000],
      [500, 2500],
    ]);
    const size = (await stat(path)).size;
    expect(batches.every((b) => b.totalBytes === size)).toBe(true);
    expect(batches.at(-1)?.bytesRead).toBe(size);
    expect(batches.map(readProgress).at(-1)).toBe(1);
    expect(readProgress({ bytesRead: 10, totalBytes: undefined })).toBeUndefined();
    expect(signals[2499]).toEqual({ line: 2500, signal: { type: 'md5', value: lines[2499] } });
  });

  it('always yields a last batch, empty or not, with the totals', async () => {
    const path = await file('comments.csv', '# nothing yet\n\n');
    expect(await readAll(path)).toEqual({
      batches: [{ batch: [], linesRead: 2, bytesRead: 15, totalBytes: 15 }],
      signals: [],
    });
    expect((await readAll(await file('empty.txt', ''))).batches).toEqual([
      { batch: [], linesRead: 0, bytesRead: 0, totalBytes: 0 },
    ]);
  });

  it('reads the threatexchange examples, detecting their formats', async () => {
    const untyped = await readAll(fixture('local-file/signals-untyped-pdq.txt'), {
      defaultType: 'pdq',
    });
    expect(untyped.signals).toHaveLength(4);
    const error = await readError(fixture('dataset-csv/sample-signals.dataset.csv'));
    expect(error.code).toBe('invalid_argument');
    expect(error.message).toBe(
      `${fixture('dataset-csv/sample-signals.dataset.csv')}: line 18: signal type 'raw_text' (python-threatexchange) is not supported: Safeguard banks hold no text signals`,
    );
  });

  it('reads a stream with CRLF, a byte order mark and characters split across chunks, and no final line break', async () => {
    const text = `\uFEFFtype,value,note\r\npdq,${PDQ},café\r\nmd5,${MD5},日本`;
    const bytes = Buffer.from(text, 'utf8');
    // Cut every 2 bytes: the BOM, "é" and the CJK characters all fall across chunks.
    const chunks = Array.from({ length: Math.ceil(bytes.length / 2) }, (_, i) =>
      bytes.subarray(2 * i, 2 * i + 2),
    );
    const { signals, batches } = await readAll(Readable.from(chunks), {
      format: 'csv',
      name: 'upload.csv',
    });
    expect(signals).toEqual([
      { line: 2, signal: { type: 'pdq', value: PDQ, metadata: { note: 'café' } } },
      { line: 3, signal: { type: 'md5', value: MD5, metadata: { note: '日本' } } },
    ]);
    expect(batches.at(-1)).toMatchObject({
      linesRead: 3,
      bytesRead: bytes.length,
      totalBytes: undefined,
    });
  });

  it('detects the format from the first line after comments and blank lines', async () => {
    const path = await file('typed.txt', `# from partner X\n\npdq ${PDQ}\nvideo_md5 ${MD5}\n`);
    expect((await readAll(path)).signals.map((s) => s.signal.type)).toEqual(['pdq', 'md5']);
    // JSON Lines has no comments: the comment line is the first bad record.
    const jsonl = await file('commented.jsonl', `# no\n{"type":"md5","value":"${MD5}"}\n`);
    expect((await readError(jsonl)).message).toMatch(/commented\.jsonl: line 1: invalid JSON: /);
  });

  it('throws at the first bad record, naming the file, line and reason', async () => {
    const path = await file('bad.csv', `type,value\npdq,${PDQ}\npdq,${PDQ.slice(1)}\nfoo,${MD5}\n`);
    const error = await readError(path);
    expect(error).toBeInstanceOf(SafeguardError);
    expect(error.code).toBe('invalid_argument');
    expect(error.message).toBe(`${path}: line 3: pdq value has 63 characters, expected 64`);
    expect(error.details).toEqual({
      file: path,
      line: 3,
      column: 5,
      reason: 'pdq value has 63 characters, expected 64',
    });
  });

  it('refuses bytes that are not UTF-8', async () => {
    const path = await file(
      'latin1.csv',
      Buffer.concat([Buffer.from(`value,note\n${MD5},caf`), Buffer.from([0xe9, 0x0a])]),
    );
    expect((await readError(path)).message).toBe(
      `${path}: line 2: line is not valid UTF-8 (U+FFFD at character 37)`,
    );
  });

  it('classifies files it cannot open or read', async () => {
    expect((await readError(join(dir, 'missing.csv'))).code).toBe('not_found');
    expect((await readError(dir)).code).toBe('not_a_file');
    const error = await readError(await file('bank.json', '{"signals":[]}\n'));
    expect(error.code).toBe('unsupported_format');
    expect(error.message).toContain('is a JSON file: signal files are JSON Lines (.jsonl)');
    const broken = new Readable({
      read() {
        this.destroy(new Error('disk on fire'));
      },
    });
    const io = await readError(broken, { format: 'csv' });
    expect([io.code, io.message]).toEqual(['io_error', 'input: disk on fire']);
  });

  it('refuses bad options', async () => {
    const path = await file('ok.txt', `${MD5}\n`);
    expect((await readError(path, { batchSize: 0 })).message).toBe(
      'batchSize must be a positive integer',
    );
    expect((await readError(path, { maxLineBytes: 1.5 })).message).toBe(
      'maxLineBytes must be a positive integer',
    );
  });

  it('passes the bank limit on value length to the parser', async () => {
    const path = await file('long-url.txt', `url https://example.com/${'a'.repeat(3000)}\n`);
    expect((await readError(path, { maxValueBytes: 2048 })).message).toBe(
      `${path}: line 1: url value has 3020 bytes, more than the 2048 allowed`,
    );
  });
});

describe('readSignalFile line length limit', () => {
  it('refuses a line over the limit, naming it', async () => {
    const long = 'a'.repeat(70_000);
    const path = await file('long-line.txt', `${MD5}\n${MD5}\r\n${long}\n${MD5}\n`);
    expect((await readError(path, { maxLineBytes: 64 * 1024 })).message).toBe(
      `${path}: line 3: line is longer than 64 KiB`,
    );
    // Exactly at the limit (the CR of a CRLF not counted) is fine as far as length goes.
    const edge = await file('edge.txt', `${'b'.repeat(100)}\r\n`);
    expect((await readError(edge, { maxLineBytes: 100 })).message).toContain(
      'line 1: cannot tell the signal type',
    );
  });

  it('reports a bad record before a later overlong line', async () => {
    const path = await file('bad-then-long.txt', `${MD5}\nzz\n${'a'.repeat(200_000)}`);
    expect((await readError(path, { maxLineBytes: 1024 })).message).toMatch(/: line 2: /);
  });

  it('stops reading a stream with no line break instead of buffering it', async () => {
    let bytesPulled = 0;
    const endless = new Readable({
      read() {
        bytesPulled += 16 * 1024;
        this.push(Buffer.alloc(16 * 1024, 0x61));
      },
    });
    const error = await readError(endless, { format: 'csv', maxLineBytes: 64 * 1024 });
    expect(error.message).toBe('input: line 1: line is longer than 64 KiB');
    expect(bytesPulled).toBeLessThan(1024 * 1024);
    expect(endless.destroyed).toBe(true);
  });

  it('closes the source when the consumer stops early', async () => {
    const source = Readable.from([`${MD5}\n`.repeat(5000)]);
    for await (const batch of readSignalFile(source, { format: 'csv', batchSize: 10 })) {
      expect(batch.batch).toHaveLength(10);
      break;
    }
    expect(source.destroyed).toBe(true);
  });
});
