import { createDelimitedSignalParser } from './delimited-signal-parser.js';
import { createJsonlSignalParser } from './jsonl-signal-parser.js';
import type { SignalFileFormat } from './signal-file-format.js';
import type { SignalLineParser, SignalParserOptions } from './signal-line-parser.js';
import { createThreatexchangeDatasetCsvParser } from './threatexchange-dataset-csv-parser.js';
import { createThreatexchangeSignalParser } from './threatexchange-signal-parser.js';

/** A fresh line parser for one file of the given format. */
export function createSignalParser(
  format: SignalFileFormat,
  options: SignalParserOptions = {},
): SignalLineParser {
  switch (format) {
    case 'csv':
    case 'tsv':
      return createDelimitedSignalParser(format, options);
    case 'jsonl':
      return createJsonlSignalParser(options);
    case 'threatexchange':
      return createThreatexchangeSignalParser(options);
    case 'threatexchange-dataset-csv':
      // Every row names its type; there is nothing for a default type to do.
      return createThreatexchangeDatasetCsvParser(options);
  }
}
