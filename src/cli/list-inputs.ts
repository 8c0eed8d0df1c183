import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { SafeguardError } from '../core/errors.js';
import { VIDEO_EXTENSIONS } from './video-files.js';

/** Extensions picked up when walking a folder; a file named explicitly is always tried. */
export const IMAGE_EXTENSIONS = [
  '.jpg',
  '.jpeg',
  '.jpe',
  '.png',
  '.webp',
  '.gif',
  '.avif',
  '.tif',
  '.tiff',
  '.heic',
  '.heif',
] as const;

export type Input =
  { kind: 'file'; path: string } | { kind: 'error'; path: string; error: SafeguardError };

function isImageName(name: string): boolean {
  const lower = name.toLowerCase();
  return [...IMAGE_EXTENSIONS, ...VIDEO_EXTENSIONS].some((ext) => lower.endsWith(ext));
}

/**
 * Expands the paths given on the command line, in order: a file stays itself; a folder becomes
 * its image files, recursively, sorted by name, hidden entries skipped, symlinked folders not
 * followed (no loops). A missing path or a folder without images becomes an error entry, so
 * the caller reports it in place and goes on.
 */
export async function* listInputs(paths: readonly string[]): AsyncGenerator<Input> {
  for (const path of paths) {
    let info;
    try {
      info = await stat(path);
    } catch (cause) {
      const code = (cause as NodeJS.ErrnoException).code;
      yield {
        kind: 'error',
        path,
        error:
          code === 'ENOENT'
            ? new SafeguardError('not_found', 'no such file or folder')
            : new SafeguardError('io_error', `cannot access (${code ?? 'unknown error'})`),
      };
      continue;
    }
    if (!info.isDirectory()) {
      yield { kind: 'file', path };
      continue;
    }
    let found = 0;
    for await (const file of walk(path)) {
      found++;
      yield { kind: 'file', path: file };
    }
    if (found === 0) {
      yield {
        kind: 'error',
        path,
        error: new SafeguardError(
          'not_found',
          `no images in this folder (looked for ${IMAGE_EXTENSIONS.join(' ')})`,
        ),
      };
    }
  }
}

async function* walk(dir: string): AsyncGenerator<string> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return; // an unreadable sub-folder holds no images we can hash
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    if (entry.name.startsWith('.')) continue;
    const full = join(dir, entry.name);
    if (entry.isDirectory()) yield* walk(full);
    else if ((entry.isFile() || entry.isSymbolicLink()) && isImageName(entry.name)) yield full;
  }
}
