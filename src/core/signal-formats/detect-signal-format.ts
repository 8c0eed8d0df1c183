import { fieldError, fieldOk, type FieldResult } from './parse-result.js';
import type { SignalFileFormat } from './signal-file-format.js';
import { isSignalType } from './signal.js';
import { isThreatexchangeSignalType } from './threatexchange-signal-type.js';

/**
 * Guesses a file's format from its name and its first line that is not blank or a # comment
 * (pass '' when there is none). The extension decides when it names a format (.csv, .tsv/.tab, .jsonl/.ndjson); a
 * .csv file whose header is pytx's is a threatexchange dataset CSV. Otherwise (.txt, none...)
 * the line decides: `{` is JSON Lines, a tab TSV, `<type> <signal>` the threatexchange local
 * file, and anything else (a bare value, or commas) CSV.
 */
export function detectSignalFormat(
  fileName: string,
  firstLine: string,
): FieldResult<SignalFileFormat> {
  const line = (firstLine.charCodeAt(0) === 0xfeff ? firstLine.slice(1) : firstLine).trim();
  const isDatasetHeader = line.toLowerCase().startsWith('signal_type,signal_str');
  const base = fileName.replace(/^.*[\\/]/, '');
  const dot = base.lastIndexOf('.');
  const extension = dot <= 0 ? '' : base.slice(dot + 1).toLowerCase();
  switch (extension) {
    case 'jsonl':
    case 'ndjson':
      return fieldOk('jsonl');
    case 'tsv':
    case 'tab':
      return fieldOk('tsv');
    case 'csv':
      return fieldOk(isDatasetHeader ? 'threatexchange-dataset-csv' : 'csv');
    case 'json':
      return fieldError(
        `'${base}' is a JSON file: signal files are JSON Lines (.jsonl), one object per line`,
      );
    case 'te':
      return fieldError(
        `'${base}' is a legacy ThreatExchange cache file (.te), which is not supported: export the signals with \`threatexchange dataset -P -S\` instead`,
      );
    default:
      break;
  }
  if (line === '') return fieldError(`cannot tell the format of '${base}': it has no data`);
  if (line.startsWith('{')) return fieldOk('jsonl');
  if (line.includes('\t')) return fieldOk('tsv');
  if (isDatasetHeader) return fieldOk('threatexchange-dataset-csv');
  if (isTypedLine(line)) return fieldOk('threatexchange');
  return fieldOk('csv');
}

/** A pytx local-file line: a signal type name (pytx's or ours), one space, the signal. */
function isTypedLine(line: string): boolean {
  const space = line.indexOf(' ');
  if (space <= 0) return false;
  const name = line.slice(0, space);
  return isThreatexchangeSignalType(name) || isSignalType(name);
}
