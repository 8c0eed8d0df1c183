/**
 * The signal file formats Safeguard reads. `threatexchange` is python-threatexchange's
 * local-file exchange; `threatexchange-dataset-csv` its `dataset --csv` export (read only).
 */
export const signalFileFormats = [
  'csv',
  'tsv',
  'jsonl',
  'threatexchange',
  'threatexchange-dataset-csv',
] as const;

export type SignalFileFormat = (typeof signalFileFormats)[number];

/** The formats Safeguard writes; each round-trips through its parser. */
export const signalWriteFormats = ['csv', 'tsv', 'jsonl', 'threatexchange'] as const;

export type SignalWriteFormat = (typeof signalWriteFormats)[number];

export function isSignalFileFormat(name: string): name is SignalFileFormat {
  return (signalFileFormats as readonly string[]).includes(name);
}

export function isSignalWriteFormat(name: string): name is SignalWriteFormat {
  return (signalWriteFormats as readonly string[]).includes(name);
}
