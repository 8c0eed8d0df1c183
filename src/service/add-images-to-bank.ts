import { isSafeguardError, SafeguardError } from '../core/errors.js';
import type { SignalMetadata } from '../core/signal-formats/signal.js';
import { requireBank } from './bank-files.js';
import type { HashLimits, ImageHashes } from './hash-image.js';
import { MIN_PDQ_QUALITY } from './match-hashes.js';
import type { BankStore, NewSignal } from './ports/bank-store.js';
import type { ImageHasher } from './ports/image-hasher.js';

export type AddImageResult =
  | {
      readonly file: string;
      readonly added: number;
      readonly duplicates: number;
      readonly hashes: ImageHashes;
      /** Set when the PDQ hash was too low in quality to bank. */
      readonly note?: string;
    }
  | { readonly file: string; readonly error: SafeguardError };

/**
 * Hashes images and adds their MD5, SHA-256 and (quality permitting) PDQ to a bank. Files are
 * hashed in parallel; each file's signals are added in one transaction, and a file that cannot
 * be hashed is reported without stopping the others.
 */
export async function addImagesToBank(
  deps: { bankStore: BankStore; hasher: ImageHasher },
  bankName: string,
  files: readonly string[],
  options: { limits: HashLimits; metadata?: SignalMetadata },
): Promise<AddImageResult[]> {
  const bank = await requireBank(deps.bankStore, bankName);
  const hashed = await Promise.all(
    files.map((file) =>
      deps.hasher.hashFile(file, { limits: options.limits }).then(
        (hashes) => ({ file, hashes }),
        (error: unknown) => ({ file, error: asError(error) }),
      ),
    ),
  );
  const results: AddImageResult[] = [];
  for (const item of hashed) {
    if ('error' in item) {
      results.push(item);
      continue;
    }
    const { hashes } = item;
    const metadata = options.metadata ?? null;
    const signals: NewSignal[] = [
      { type: 'md5', value: hashes.md5, metadata },
      { type: 'sha256', value: hashes.sha256, metadata },
    ];
    const pdqUsable = hashes.quality >= MIN_PDQ_QUALITY;
    if (pdqUsable) signals.unshift({ type: 'pdq', value: hashes.pdq, metadata });
    const { added, duplicates } = await deps.bankStore.addSignals(bank.id, signals);
    results.push({
      file: item.file,
      added,
      duplicates,
      hashes,
      ...(pdqUsable
        ? {}
        : { note: `pdq not banked: quality ${hashes.quality} is below ${MIN_PDQ_QUALITY}` }),
    });
  }
  return results;
}

function asError(error: unknown): SafeguardError {
  return isSafeguardError(error)
    ? error
    : new SafeguardError('internal', error instanceof Error ? error.message : String(error));
}
