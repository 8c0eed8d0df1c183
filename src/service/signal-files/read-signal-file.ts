import { open } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { SafeguardError } from '../../core/errors.js';
import { createSignalParser } from '../../core/signal-formats/create-signal-parser.js';
import { detectSignalFormat } from '../../core/signal-formats/detect-signal-format.js';
import type { SignalFileFormat } from '../../core/signal-formats/signal-file-format.js';
import {
  isBlankOrComment,
  prepareLine,
  type ParsedSignal,
  type SignalLineParser,
  type SignalParserOptions,
} from '../../core/signal-formats/signal-line-parser.js';
import { LineLengthGuard } from './line-length-guard.js';
import { badRecordError, formatByteCount, readError } from './signal-file-error.js';

export interface ReadSignalFileOptions extends SignalParserOptions {
  /** Detected from the file name and first data line when absent. */
  readonly format?: SignalFileFormat;
  /** Signals per yielded batch; default 1000. */
  readonly batchSize?: number;
  /**
   * The longest line accepted, in bytes without its line break; default 5 MiB: room for the
   * longest vPDQ value a bank keeps (4 MiB, ~75 bytes per frame) and its metadata.
   */
  readonly maxLineBytes?: number;
  /** Names the input in messages and for format detection; default the path, or 'input'. */
  readonly name?: string;
}

export interface SignalFileBatch {
  readonly batch: ParsedSignal[];
  /** Lines parsed so far (blank, comment and header lines included). */
  readonly linesRead: number;
  /** Bytes read from the source so far, read-ahead included; equal to the size at the end. */
  readonly bytesRead: number;
  /** The file's size when reading a path, for progress as bytesRead / totalBytes. */
  readonly totalBytes: number | undefined;
}

export const DEFAULT_BATCH_SIZE = 1000;
export const DEFAULT_MAX_LINE_BYTES = 5 * 1024 * 1024;

/**
 * Streams the signals of a file (a path or a Readable of UTF-8 text) in batches, in constant
 * memory: node:readline splits lines (LF, CRLF or CR; a missing final line break is fine), the
 * format's line parser reads them, and a slow consumer pauses the file. A UTF-8 byte order mark
 * is dropped. The last batch is always yielded, empty or not, so its counts are the totals.
 *
 * The first bad record throws SafeguardError('invalid_argument', 'FILE: line N: reason',
 * { file, line, column?, reason }): an importer runs inside a transaction, so one bad line
 * rolls back the whole file. A line over `maxLineBytes` is bad too, refused without being
 * buffered. Opening or reading fails with not_found, not_a_file or io_error; a format that
 * cannot be detected with unsupported_format.
 */
export async function* readSignalFile(
  source: string | Readable,
  options: ReadSignalFileOptions = {},
): AsyncGenerator<SignalFileBatch, void, undefined> {
  const name = options.name ?? (typeof source === 'string' ? source : 'input');
  const batchSize = positiveInteger('batchSize', options.batchSize ?? DEFAULT_BATCH_SIZE);
  const maxLineBytes = positiveInteger(
    'maxLineBytes',
    options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES,
  );
  const { stream, totalBytes } =
    typeof source === 'string'
      ? await openFile(source, name)
      : { stream: source, totalBytes: undefined };
  const guard = new LineLengthGuard(maxLineBytes);
  const input = Readable.from(guard.watch(sourceChunks(stream, name)), { objectMode: false });
  const lines = createInterface({ input, crlfDelay: Infinity });
  let parser: SignalLineParser | undefined =
    options.format === undefined ? undefined : createSignalParser(options.format, options);
  // Before detection: the first comment line, which only the jsonl parser would refuse.
  let firstComment: { text: string; line: number } | undefined;
  let lineNumber = 0;
  let batch: ParsedSignal[] = [];

  const parse = (text: string, line: number): void => {
    const result = (parser as SignalLineParser).parseLine(text, line);
    if (!result.ok) throw badRecordError(name, result.issue);
    for (const signal of result.value) batch.push({ line, signal });
  };

  try {
    for await (const text of lines) {
      lineNumber++;
      if (text.length * 3 > maxLineBytes && Buffer.byteLength(text) > maxLineBytes) {
        throw badRecordError(name, {
          line: lineNumber,
          reason: `line is longer than ${formatByteCount(maxLineBytes)}`,
        });
      }
      if (parser === undefined) {
        const prepared = prepareLine(text, lineNumber);
        if (!prepared.ok) throw badRecordError(name, prepared.issue);
        if (isBlankOrComment(prepared.value)) {
          if (prepared.value.trim() !== '') firstComment ??= { text, line: lineNumber };
          continue;
        }
        const format = detectSignalFormat(name, prepared.value);
        if (!format.ok) {
          throw new SafeguardError('unsupported_format', `${name}: ${format.reason}`, {
            file: name,
            reason: format.reason,
          });
        }
        parser = createSignalParser(format.value, options);
        if (firstComment !== undefined) parse(firstComment.text, firstComment.line);
        firstComment = undefined;
      }
      parse(text, lineNumber);
      if (batch.length >= batchSize) {
        const full = batch;
        batch = [];
        yield { batch: full, linesRead: lineNumber, bytesRead: guard.bytesRead, totalBytes };
      }
    }
  } finally {
    lines.close();
    input.destroy();
    stream.destroy();
  }
  if (guard.overflowed) {
    // Not reached while readline hands over the cut line; kept so a cut is never silent.
    throw badRecordError(name, {
      line: lineNumber,
      reason: `line is longer than ${formatByteCount(maxLineBytes)}`,
    });
  }
  yield { batch, linesRead: lineNumber, bytesRead: guard.bytesRead, totalBytes };
}

/** Fraction of the file read so far (0 to 1), or undefined for a stream of unknown size. */
export function readProgress(
  batch: Pick<SignalFileBatch, 'bytesRead' | 'totalBytes'>,
): number | undefined {
  if (batch.totalBytes === undefined) return undefined;
  return batch.totalBytes === 0 ? 1 : Math.min(1, batch.bytesRead / batch.totalBytes);
}

/** The source's chunks; a failure to read becomes io_error (or not_found...), named. */
async function* sourceChunks(
  stream: Readable,
  name: string,
): AsyncGenerator<Buffer | string, void, undefined> {
  try {
    for await (const chunk of stream) yield chunk as Buffer | string;
  } catch (error) {
    throw readError(name, error);
  }
}

async function openFile(
  path: string,
  name: string,
): Promise<{ stream: Readable; totalBytes: number }> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    throw readError(name, error);
  }
  try {
    const info = await handle.stat();
    if (!info.isFile()) {
      throw new SafeguardError('not_a_file', `${name}: not a regular file`, { file: name });
    }
    return { stream: handle.createReadStream({ highWaterMark: 64 * 1024 }), totalBytes: info.size };
  } catch (error) {
    await handle.close();
    throw readError(name, error);
  }
}

function positiveInteger(option: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new SafeguardError('invalid_argument', `${option} must be a positive integer`, {
      [option]: value,
    });
  }
  return value;
}
