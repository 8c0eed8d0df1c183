import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root and the shared/ folder that lies beside it (test data, corpora). */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const sharedDir = resolve(repoRoot, '../shared');
export const pdqDataDir = join(sharedDir, 'testdata/pdq');

if (!existsSync(pdqDataDir)) {
  throw new Error(
    `shared test data not found at ${pdqDataDir}: tests need ../shared beside the repo`,
  );
}

export interface ExpectedHash {
  hash: string;
  quality: number;
  file: string;
}

export interface ExpectedDihedral {
  hashes: string[];
  quality: number;
  file: string;
}

/** `hash,quality,file` lines (the reference tool's output). */
export function readExpected(name: string): ExpectedHash[] {
  return readFileSync(join(pdqDataDir, 'expected', name), 'utf8')
    .trim()
    .split('\n')
    .map((line) => {
      const [hash, quality, file] = line.split(',');
      return { hash, quality: Number(quality), file };
    });
}

/** `orig,rot90,...,flipm,quality,file` lines (the tool's --pdqdih-across output). */
export function readExpectedDihedral(name: string): ExpectedDihedral[] {
  return readFileSync(join(pdqDataDir, 'expected', name), 'utf8')
    .trim()
    .split('\n')
    .map((line) => {
      const parts = line.split(',');
      return { hashes: parts.slice(0, 8), quality: Number(parts[8]), file: parts[9] };
    });
}
