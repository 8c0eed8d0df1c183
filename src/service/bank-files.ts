import type { Readable, Writable } from 'node:stream';
import { SafeguardError } from '../core/errors.js';
import type {
  SignalFileFormat,
  SignalWriteFormat,
} from '../core/signal-formats/signal-file-format.js';
import type { SignalType } from '../core/signal-formats/signal.js';
import type { AddResult, Bank, BankStore, NewSignal, Signal } from './ports/bank-store.js';
import { readSignalFile } from './signal-files/read-signal-file.js';
import { writeSignalFile } from './signal-files/write-signal-file.js';

export interface ImportProgress {
  readonly lines: number;
  readonly bytesRead: number;
  readonly totalBytes: number | undefined;
}

export interface ImportOutcome extends AddResult {
  readonly bank: string;
  readonly lines: number;
}

/** The bank by name or numeric id, or a not_found error naming it. */
export async function requireBank(
  bankStore: Pick<BankStore, 'getBank'>,
  name: string,
): Promise<Bank> {
  const bank =
    (await bankStore.getBank(name)) ??
    (/^\d+$/.test(name) ? await bankStore.getBank(Number(name)) : undefined);
  if (!bank) throw new SafeguardError('not_found', `no bank named '${name}'`, { bank: name });
  return bank;
}

/**
 * Imports a signal file into a bank, streaming, all or nothing: the file is parsed inside the
 * store's import transaction, so a bad line anywhere (reported with file, line and reason)
 * leaves the bank exactly as it was. Duplicates are counted, not doubled.
 */
export async function importBankFile(
  deps: { bankStore: BankStore },
  bankName: string,
  source: string | Readable,
  options: {
    format?: SignalFileFormat;
    defaultType?: SignalType;
    name?: string;
    onProgress?: (progress: ImportProgress) => void;
  } = {},
): Promise<ImportOutcome> {
  const bank = await requireBank(deps.bankStore, bankName);
  let lines = 0;
  async function* batches(): AsyncGenerator<NewSignal[]> {
    for await (const chunk of readSignalFile(source, {
      format: options.format,
      defaultType: options.defaultType,
      name: options.name,
      batchSize: 5000,
    })) {
      lines = chunk.linesRead;
      options.onProgress?.({
        lines: chunk.linesRead,
        bytesRead: chunk.bytesRead,
        totalBytes: chunk.totalBytes,
      });
      if (chunk.batch.length > 0) {
        yield chunk.batch.map(({ signal }) => ({
          type: signal.type,
          value: signal.value,
          metadata: signal.metadata ?? null,
        }));
      }
    }
  }
  const result = await deps.bankStore.importSignals(bank.id, batches());
  return { bank: bank.name, lines, ...result };
}

/** Streams a bank's live signals to `output` in `format`, page by page, with backpressure. */
export async function exportBank(
  deps: { bankStore: BankStore },
  bankName: string,
  format: SignalWriteFormat,
  output: Writable,
  options: { end?: boolean } = {},
): Promise<{ signals: number }> {
  const bank = await requireBank(deps.bankStore, bankName);
  async function* signals(): AsyncGenerator<Signal> {
    let afterId = 0;
    for (;;) {
      const page = await deps.bankStore.listSignals(bank.id, { afterId, limit: 5000 });
      yield* page;
      if (page.length < 5000) return;
      afterId = page[page.length - 1].id;
    }
  }
  const result = await writeSignalFile(signals(), format, output, { end: options.end });
  return { signals: result.signalsWritten };
}
