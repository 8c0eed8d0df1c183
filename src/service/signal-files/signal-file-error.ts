import { SafeguardError, isSafeguardError } from '../../core/errors.js';
import type { ParseIssue } from '../../core/signal-formats/parse-result.js';

/** A bad record: `FILE: line N: reason`, with the parts in details for the API to show. */
export function badRecordError(file: string, issue: ParseIssue): SafeguardError {
  return new SafeguardError('invalid_argument', `${file}: line ${issue.line}: ${issue.reason}`, {
    file,
    line: issue.line,
    ...(issue.column === undefined ? {} : { column: issue.column }),
    reason: issue.reason,
  });
}

/** An error from opening or reading the file, classified by its errno code. */
export function readError(file: string, error: unknown): SafeguardError {
  if (isSafeguardError(error)) return error;
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const message = error instanceof Error ? error.message : String(error);
  if (code === 'ENOENT') {
    return new SafeguardError('not_found', `${file}: no such file`, { file }, { cause: error });
  }
  if (code === 'EISDIR') {
    return new SafeguardError('not_a_file', `${file}: is a directory`, { file }, { cause: error });
  }
  return new SafeguardError('io_error', `${file}: ${message}`, { file, code }, { cause: error });
}

/** 1048576 -> "1 MiB", 65536 -> "64 KiB", 1000 -> "1000 bytes". */
export function formatByteCount(bytes: number): string {
  if (bytes >= 1024 * 1024 && bytes % (1024 * 1024) === 0) return `${bytes / (1024 * 1024)} MiB`;
  if (bytes >= 1024 && bytes % 1024 === 0) return `${bytes / 1024} KiB`;
  return `${bytes} bytes`;
}
