import { Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { SafeguardError, isSafeguardError } from '../../core/errors.js';
import {
  formatSignalRecord,
  signalFileHeader,
} from '../../core/signal-formats/format-signal-record.js';
import type { SignalToWrite } from '../../core/signal-formats/signal.js';
import type { SignalWriteFormat } from '../../core/signal-formats/signal-file-format.js';

export interface WriteSignalFileOptions {
  /** End `output` when done (default true); false to keep writing to it afterwards. */
  readonly end?: boolean;
}

export interface WriteSignalFileResult {
  readonly signalsWritten: number;
  readonly bytesWritten: number;
}

/** Lines are gathered into chunks of about this many characters, not written one by one. */
const CHUNK_CHARS = 64 * 1024;

/**
 * Writes signals to `output` in `format`, one per line (LF), after the format's header. It
 * waits while `output` is full (backpressure), so signals may come lazily from a database
 * cursor. An invalid signal rejects with SafeguardError('invalid_argument', 'signal N: ...'),
 * N counting from 1; `output` is then destroyed, as on any error.
 */
export async function writeSignalFile(
  signals: AsyncIterable<SignalToWrite> | Iterable<SignalToWrite>,
  format: SignalWriteFormat,
  output: Writable,
  options: WriteSignalFileOptions = {},
): Promise<WriteSignalFileResult> {
  let signalsWritten = 0;
  let bytesWritten = 0;

  async function* chunks(): AsyncGenerator<string, void, undefined> {
    const header = signalFileHeader(format);
    let chunk = header === undefined ? '' : `${header}\n`;
    for await (const signal of signals) {
      chunk += `${formatRecord(format, signal, signalsWritten + 1)}\n`;
      signalsWritten++;
      if (chunk.length >= CHUNK_CHARS) {
        bytesWritten += Buffer.byteLength(chunk);
        yield chunk;
        chunk = '';
      }
    }
    if (chunk !== '') {
      bytesWritten += Buffer.byteLength(chunk);
      yield chunk;
    }
  }

  await pipeline(Readable.from(chunks(), { objectMode: false }), output, {
    end: options.end ?? true,
  });
  return { signalsWritten, bytesWritten };
}

function formatRecord(format: SignalWriteFormat, signal: SignalToWrite, index: number): string {
  try {
    return formatSignalRecord(format, signal);
  } catch (error) {
    if (!isSafeguardError(error)) throw error;
    throw new SafeguardError(
      error.code,
      `signal ${index}: ${error.message}`,
      { ...error.details, index },
      { cause: error },
    );
  }
}
