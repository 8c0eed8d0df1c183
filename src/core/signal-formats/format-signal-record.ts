import { SafeguardError } from '../errors.js';
import { normalizeSignal } from './normalize-signal.js';
import type { SignalToWrite } from './signal.js';
import type { SignalWriteFormat } from './signal-file-format.js';
import { toThreatexchangeSignalType } from './threatexchange-signal-type.js';

const delimitedColumns = ['type', 'value', 'category', 'source', 'source_id', 'note'] as const;

/**
 * The first line of a file in `format`, or undefined when the format has none (jsonl,
 * threatexchange). Lines carry no line break: join them with '\n'.
 */
export function signalFileHeader(format: SignalWriteFormat): string | undefined {
  switch (format) {
    case 'csv':
      return delimitedColumns.join(',');
    case 'tsv':
      return delimitedColumns.join('\t');
    case 'jsonl':
    case 'threatexchange':
      return undefined;
  }
}

/**
 * One signal as one line of `format`, in normal form, so the format's parser reads back the
 * same signal. The threatexchange local file holds no metadata: it is left out (pytx gives
 * every line of that file the same default opinion).
 *
 * A signal that is not valid (bad hex, a newline in a note...) is a bug upstream, not an
 * expected outcome, so it throws SafeguardError('invalid_argument').
 */
export function formatSignalRecord(format: SignalWriteFormat, signal: SignalToWrite): string {
  const normalized = normalizeSignal(signal);
  if (!normalized.ok) {
    throw new SafeguardError('invalid_argument', `cannot write signal: ${normalized.reason}`, {
      type: signal.type,
      reason: normalized.reason,
    });
  }
  const { type, value, metadata } = normalized.value;
  switch (format) {
    case 'csv':
    case 'tsv': {
      const fields = [
        type,
        value,
        metadata?.category ?? '',
        metadata?.source ?? '',
        metadata?.sourceId ?? '',
        metadata?.note ?? '',
      ];
      return format === 'csv' ? fields.map(csvField).join(',') : fields.join('\t');
    }
    case 'jsonl':
      return JSON.stringify({ type, value, ...metadata });
    case 'threatexchange':
      return `${toThreatexchangeSignalType(type)} ${value}`;
  }
}

/** A whole file in memory (small files, tests); the streaming writer is in service/. */
export function formatSignalText(
  signals: Iterable<SignalToWrite>,
  format: SignalWriteFormat,
): string {
  const header = signalFileHeader(format);
  let text = header === undefined ? '' : `${header}\n`;
  for (const signal of signals) text += `${formatSignalRecord(format, signal)}\n`;
  return text;
}

/** RFC 4180: quote a field holding a comma or a quote, doubling its quotes. */
function csvField(text: string): string {
  return /[",]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}
