import { readFile, stat } from 'node:fs/promises';
import { isSafeguardError, SafeguardError } from '../core/errors.js';
import { parseVpdqFile, vpdqSignalValue } from '../core/video/vpdq.js';
import type { SignalMetadata } from '../core/signal-formats/signal.js';
import { requireBank } from './bank-files.js';
import type { HashLimits, ImageHashes } from './hash-image.js';
import type { VideoHashes } from './hash-video.js';
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
  | {
      readonly file: string;
      readonly added: number;
      readonly duplicates: number;
      /** A video (hashed here) or a vPDQ hash file: its frames, and the file's digests. */
      readonly video: { readonly frames: number; readonly md5?: string; readonly sha256?: string };
      readonly note?: string;
    }
  | { readonly file: string; readonly error: SafeguardError };

/** How videos and vPDQ hash files are recognised and read; without it, every file is an image. */
export interface VideoInputs {
  isVideo(file: string): Promise<boolean>;
  hash(file: string): Promise<Pick<VideoHashes, 'frames' | 'md5' | 'sha256'>>;
}

/** Meta's vPDQ hash files (vpdq-hash-video output) are added as they are, not hashed. */
const VPDQ_FILE_RE = /\.(txt|vpdq)$/i;
const VPDQ_FILE_MAX_BYTES = 8 * 1024 * 1024;

/**
 * Hashes images and adds their MD5, SHA-256 and (quality permitting) PDQ to a bank. Files are
 * hashed in parallel; each file's signals are added in one transaction, and a file that cannot
 * be hashed is reported without stopping the others.
 */
export async function addImagesToBank(
  deps: { bankStore: BankStore; hasher: ImageHasher },
  bankName: string,
  files: readonly string[],
  options: { limits: HashLimits; metadata?: SignalMetadata; videos?: VideoInputs },
): Promise<AddImageResult[]> {
  const bank = await requireBank(deps.bankStore, bankName);
  const videos = options.videos;
  const videoFiles = new Set<string>();
  if (videos) {
    for (const file of files) {
      if (VPDQ_FILE_RE.test(file) || (await videos.isVideo(file))) videoFiles.add(file);
    }
  }
  let videoChain: Promise<unknown> = Promise.resolve();
  const hashed = await Promise.all(
    files.map((file): Promise<HashedFile> =>
      videos && videoFiles.has(file)
        ? // Videos one at a time: each keeps every hashing thread busy.
          ((videoChain = videoChain.then(() =>
            readVideo(videos, file).then(
              (video) => ({ file, video }),
              (error: unknown) => ({ file, error: asError(error) }),
            ),
          )) as Promise<HashedFile>)
        : deps.hasher.hashFile(file, { limits: options.limits }).then(
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
    if ('video' in item) {
      results.push(
        await addVideo(deps.bankStore, bank.id, item.file, item.video, options.metadata),
      );
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

type HashedFile =
  | { file: string; hashes: ImageHashes }
  | { file: string; video: Pick<VideoHashes, 'frames' | 'md5' | 'sha256'> }
  | { file: string; error: SafeguardError };

async function readVideo(
  videos: VideoInputs,
  file: string,
): Promise<Pick<VideoHashes, 'frames'> & Partial<Pick<VideoHashes, 'md5' | 'sha256'>>> {
  if (!VPDQ_FILE_RE.test(file)) return videos.hash(file);
  const info = await stat(file).catch(() => {
    throw new SafeguardError('not_found', 'no such file');
  });
  if (info.size > VPDQ_FILE_MAX_BYTES) {
    throw new SafeguardError(
      'file_too_large',
      `a vPDQ hash file may have ${VPDQ_FILE_MAX_BYTES} bytes`,
    );
  }
  const parsed = parseVpdqFile(await readFile(file, 'utf8'));
  if (!parsed.ok) {
    throw new SafeguardError(
      'invalid_argument',
      `not a vPDQ hash file (frame,quality,pdq,timestamp): line ${parsed.issue.line} ${parsed.issue.reason}`,
      { line: parsed.issue.line },
    );
  }
  return { frames: parsed.value };
}

async function addVideo(
  bankStore: BankStore,
  bankId: number,
  file: string,
  video: Pick<VideoHashes, 'frames'> & Partial<Pick<VideoHashes, 'md5' | 'sha256'>>,
  metadata: SignalMetadata | undefined,
): Promise<AddImageResult> {
  const meta = metadata ?? null;
  const signals: NewSignal[] = [];
  if (video.md5) signals.push({ type: 'md5', value: video.md5, metadata: meta });
  if (video.sha256) signals.push({ type: 'sha256', value: video.sha256, metadata: meta });
  const usable = video.frames.some((f) => f.quality >= MIN_PDQ_QUALITY);
  if (usable)
    signals.unshift({ type: 'vpdq', value: vpdqSignalValue(video.frames), metadata: meta });
  const { added, duplicates } =
    signals.length > 0 ? await bankStore.addSignals(bankId, signals) : { added: 0, duplicates: 0 };
  return {
    file,
    added,
    duplicates,
    video: {
      frames: video.frames.length,
      ...(video.md5 === undefined ? {} : { md5: video.md5 }),
      ...(video.sha256 === undefined ? {} : { sha256: video.sha256 }),
    },
    ...(usable ? {} : { note: `vpdq not banked: no frame has quality ${MIN_PDQ_QUALITY} or more` }),
  };
}

function asError(error: unknown): SafeguardError {
  return isSafeguardError(error)
    ? error
    : new SafeguardError('internal', error instanceof Error ? error.message : String(error));
}
