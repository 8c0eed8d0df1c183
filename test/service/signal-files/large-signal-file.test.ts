import { createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SafeguardError } from '../../../src/core/errors.js';
import { readSignalFile } from '../../../src/service/signal-files/read-signal-file.js';

const LINES = 200_000;
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** A deterministic 64-hex value per line (no randomness: the same file every run). */
function pdqHex(i: number): string {
  const word = (Math.imul(i + 1, 0x9e3779b1) >>> 0).toString(16).padStart(8, '0');
  return word.repeat(8);
}

let dir: string;
let path: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'safeguard-large-signal-file-'));
  path = join(dir, 'large.csv');
  const out = createWriteStream(path);
  out.write('type,value,category\n');
  for (let i = 0; i < LINES; i++) {
    if (!out.write(`pdq,${pdqHex(i)},A1\n`)) await once(out, 'drain');
  }
  // The last line is bad: one hex digit short.
  out.end(`pdq,${pdqHex(LINES).slice(1)},A1\n`);
  await once(out, 'finish');
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('readSignalFile on a large file', () => {
  it('streams 200k lines in constant memory and names the bad last line', async () => {
    const size = (await stat(path)).size;
    const heap: number[] = [];
    let signals = 0;
    let batches = 0;
    let error: unknown;
    try {
      for await (const { batch, bytesRead } of readSignalFile(path, { batchSize: 1000 })) {
        signals += batch.length;
        batches++;
        // Backpressure: readline reads only a little ahead of what has been parsed.
        expect(bytesRead).toBeLessThanOrEqual(
          Math.ceil(((signals + 1) * size) / LINES) + 1024 * 1024,
        );
        if (batches === 20 || batches === 190) {
          gc();
          heap.push(process.memoryUsage().heapUsed);
        }
      }
    } catch (caught) {
      error = caught;
    }
    expect(signals).toBe(LINES);
    expect(error).toBeInstanceOf(SafeguardError);
    expect((error as SafeguardError).message).toBe(
      `${path}: line ${LINES + 2}: pdq value has 63 characters, expected 64`,
    );
    // Reading 170k more lines (~9 MB of text) left the heap where it was.
    expect(heap).toHaveLength(2);
    expect(heap[1] - heap[0]).toBeLessThan(4 * 1024 * 1024);
  });
});
