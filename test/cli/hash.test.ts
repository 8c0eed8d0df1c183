import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeBadInputs } from '../support/bad-images.js';
import { pdqDataDir, readExpected, readExpectedDihedral, repoRoot } from '../support/shared.js';

function safeguard(args: string[], env: Record<string, string> = {}) {
  const result = spawnSync(
    process.execPath,
    ['--import', 'tsx', join(repoRoot, 'src/cli/main.ts'), ...args],
    { cwd: repoRoot, encoding: 'utf8', timeout: 60_000, env: { ...process.env, ...env } },
  );
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

function jsonLines(stdout: string): Array<Record<string, unknown>> {
  return stdout
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'safeguard-hash-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('safeguard hash', () => {
  const expected = new Map(readExpected('data.fullres.txt').map((e) => [e.file, e]));

  it('hashes a folder recursively in sorted order, in the reference text format', () => {
    const folder = join(pdqDataDir, 'data/bridge-mods');
    const { code, stdout } = safeguard(['hash', folder]);
    expect(code).toBe(0);
    const lines = stdout.trim().split('\n');
    expect(lines).toHaveLength(12);
    for (const line of lines) {
      const [hash, quality, file] = line.split(',');
      const want = expected.get(`bridge-mods/${file.split('/').pop()}`);
      expect(want, file).toBeDefined();
      expect(hash).toBe(want?.hash);
      expect(Number(quality)).toBe(want?.quality);
    }
    expect(lines.map((l) => l.split(',')[2])).toEqual(lines.map((l) => l.split(',')[2]).sort());
  });

  it('--json gives one object per file in input order with MD5 and SHA-256', () => {
    const a = join(pdqDataDir, 'data/misc-images/wee.jpg');
    const b = join(pdqDataDir, 'data/reg-test-input/dih/bridge-1-original.jpg');
    const { code, stdout } = safeguard(['hash', '--json', a, b, a]);
    expect(code).toBe(0);
    const rows = jsonLines(stdout);
    expect(rows.map((r) => r.file)).toEqual([a, b, a]);
    expect(rows[0]).toEqual({
      file: a,
      pdq: expected.get('misc-images/wee.jpg')?.hash,
      quality: 100,
      md5: '8bbbaa9540800e378beadc8bbef7bb32',
      sha256: '05636c50d0c2ffe3a820f964eaba35b404deadd10538fe452ad9fb16fdd823d7',
    });
    expect(rows[1].pdq).toBe(expected.get('reg-test-input/dih/bridge-1-original.jpg')?.hash);
  });

  it('--dihedral adds the 8 hashes, in JSON and in the --pdqdih-across text format', () => {
    const want = readExpectedDihedral('data.fullres.dihedral.txt').find(
      (e) => e.file === 'bridge-mods/aaa-orig.jpg',
    );
    const file = join(pdqDataDir, 'data/bridge-mods/aaa-orig.jpg');
    const json = jsonLines(safeguard(['hash', '--json', '--dihedral', file]).stdout)[0];
    expect(json.pdqDihedral).toEqual(want?.hashes);
    const text = safeguard(['hash', '--dihedral', file]).stdout.trim();
    expect(text).toBe(`${want?.hashes.join(',')},100,${file}`);
  });

  it('reports every bad input clearly, goes on with the rest, and exits non-zero', () => {
    const bad = writeBadInputs(dir);
    const good = join(pdqDataDir, 'data/misc-images/wee.jpg');
    const started = Date.now();
    const { code, stdout } = safeguard([
      'hash',
      '--json',
      bad.empty,
      bad.truncated,
      good,
      bad.text,
      bad.bomb,
      bad.missing,
      bad.noImages,
    ]);
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(code).toBe(1);
    const rows = jsonLines(stdout);
    const byFile = new Map(rows.map((r) => [r.file, r]));
    const errorOf = (path: string) => (byFile.get(path)?.error ?? {}) as Record<string, string>;
    expect(rows.map((r) => r.file)).toEqual([
      bad.empty,
      bad.truncated,
      good,
      bad.text,
      bad.bomb,
      bad.missing,
      bad.noImages,
    ]);
    expect(errorOf(bad.empty).code).toBe('empty_file');
    expect(errorOf(bad.truncated).code).toBe('corrupt_image');
    expect(errorOf(bad.text).code).toBe('unsupported_format');
    expect(errorOf(bad.bomb).code).toBe('image_too_large');
    expect(errorOf(bad.bomb).message).toMatch(/30000x30000/);
    expect(errorOf(bad.missing).code).toBe('not_found');
    expect(errorOf(bad.noImages).code).toBe('not_found');
    expect(errorOf(bad.noImages).message).toMatch(/no images/);
    expect(byFile.get(good)?.pdq).toBe(expected.get('misc-images/wee.jpg')?.hash);
  });

  it('prints text-mode errors on stderr with the file and the reason', () => {
    const { code, stdout, stderr } = safeguard(['hash', join(dir, 'nope.png')]);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/nope\.png: no such file or folder \(not_found\)/);
  });

  it('honours the byte and pixel limits from flags and from the environment', () => {
    const file = join(pdqDataDir, 'data/reg-test-input/dih/bridge-1-original.jpg');
    const bytes = jsonLines(safeguard(['hash', '--json', '--max-bytes', '1000', file]).stdout)[0];
    expect((bytes.error as Record<string, string>).code).toBe('file_too_large');
    const pixels = jsonLines(
      safeguard(['hash', '--json', file], { SAFEGUARD_MAX_PIXELS: '1000' }).stdout,
    )[0];
    expect((pixels.error as Record<string, string>).code).toBe('image_too_large');
    const badEnv = safeguard(['hash', file], { SAFEGUARD_MAX_PIXELS: 'lots' });
    expect(badEnv.code).toBe(2);
    expect(badEnv.stderr).toMatch(/SAFEGUARD_MAX_PIXELS/);
  });

  it('hashes many files on several threads with the same results as one thread', () => {
    const folder = join(dir, 'many');
    mkdirSync(folder);
    const source = join(pdqDataDir, 'data/reg-test-input/labelme-subset');
    for (let i = 0; i < 30; i++) {
      const name = ['q0122.jpg', 'q0291.jpg', 'q0746.jpg'][i % 3];
      copyFileSync(join(source, name), join(folder, `${String(i).padStart(2, '0')}-${name}`));
    }
    const one = safeguard(['hash', '--threads', '1', folder]);
    const two = safeguard(['hash', '--threads', '2', folder]);
    expect(one.code).toBe(0);
    expect(two.stdout).toBe(one.stdout);
    expect(two.stdout.trim().split('\n')).toHaveLength(30);
  });
});
