import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pdqDataDir, readExpected, repoRoot } from '../support/shared.js';

let dataDir: string;
let work: string;

function safeguard(args: string[], input?: string) {
  const env: Record<string, string | undefined> = { ...process.env, SAFEGUARD_DATA_DIR: dataDir };
  delete env.DATABASE_URL; // the embedded SQLite store
  const result = spawnSync(
    process.execPath,
    ['--import', 'tsx', join(repoRoot, 'src/cli/main.ts'), ...args],
    { cwd: repoRoot, encoding: 'utf8', timeout: 120_000, env, input },
  );
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

const jsonLines = (stdout: string) =>
  stdout
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);

const bridge = (name: string) => join(pdqDataDir, 'data/bridge-mods', name);
const expected = new Map(readExpected('data.fullres.txt').map((e) => [e.file, e.hash]));

beforeAll(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'safeguard-cli-data-'));
  work = mkdtempSync(join(tmpdir(), 'safeguard-cli-work-'));
});
afterAll(() => {
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(work, { recursive: true, force: true });
});

describe('safeguard bank and match', () => {
  it('creates banks and lists them', () => {
    expect(safeguard(['bank', 'create', 'known', '--action', 'block']).code).toBe(0);
    expect(
      safeguard(['bank', 'create', 'triage', '--action', 'review', '--threshold', '20']).code,
    ).toBe(0);
    expect(safeguard(['bank', 'create', 'fp', '--allow']).code).toBe(0);
    const dup = safeguard(['bank', 'create', 'known']);
    expect(dup.code).toBe(1);
    expect(dup.stderr).toMatch(/already exists/);
    const banks = jsonLines(safeguard(['bank', 'list', '--json']).stdout);
    expect(banks.map((b) => [b.name, b.kind, b.action, b.pdqThreshold])).toEqual([
      ['known', 'match', 'block', 31],
      ['triage', 'match', 'review', 20],
      ['fp', 'allow', 'block', 31],
    ]);
  });

  it('adds images by path and matches them, near-duplicates included', () => {
    const add = safeguard(['bank', 'add', 'known', bridge('aaa-orig.jpg'), '--category', 'B1']);
    expect(add.code).toBe(0);
    expect(add.stdout).toMatch(/3 added, 0 duplicates/);
    const again = safeguard(['bank', 'add', 'known', bridge('aaa-orig.jpg')]);
    expect(again.stdout).toMatch(/0 added, 3 duplicates/);

    const other = join(pdqDataDir, 'data/reg-test-input/labelme-subset/q0746.jpg');
    const { code, stdout } = safeguard([
      'match',
      '--json',
      bridge('aaa-orig.jpg'),
      bridge('blur-a-lot.jpg'),
      other,
    ]);
    expect(code).toBe(0);
    const [exact, near, unrelated] = jsonLines(stdout);
    expect(exact.verdict).toBe('block');
    const exactMatches = exact.matches as Array<Record<string, unknown>>;
    expect(exactMatches.map((m) => m.signalType).sort()).toEqual(['md5', 'pdq', 'sha256']);
    expect(exactMatches.find((m) => m.signalType === 'pdq')).toEqual({
      bank: 'known',
      signalType: 'pdq',
      value: expected.get('bridge-mods/aaa-orig.jpg'),
      distance: 0,
      metadata: { category: 'B1' },
    });
    expect(near.verdict).toBe('block');
    const nearMatches = near.matches as Array<Record<string, unknown>>;
    expect(nearMatches).toHaveLength(1);
    expect(nearMatches[0].signalType).toBe('pdq');
    expect(nearMatches[0].distance).toBeGreaterThan(0);
    expect((near.hashes as Record<string, unknown>).pdq).toBe(
      expected.get('bridge-mods/blur-a-lot.jpg'),
    );
    expect(unrelated.verdict).toBe('allow');
    expect(unrelated.matches).toEqual([]);
  });

  it('imports a CSV all or nothing, naming the bad line', () => {
    const good = join(work, 'good.csv');
    const lines = ['type,value,category,source'];
    for (let i = 0; i < 5000; i++) lines.push(`md5,${i.toString(16).padStart(32, '0')},A2,test`);
    writeFileSync(good, `${lines.join('\n')}\n`);
    const bad = join(work, 'bad.csv');
    writeFileSync(bad, `${lines.join('\n')}\nmd5,${'z'.repeat(32)},A2,test\n`);

    const failed = safeguard(['bank', 'import', 'triage', bad]);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain('bad.csv: line 5002');
    expect(jsonLines(safeguard(['bank', 'list', '--json']).stdout)[1].signalCount).toBe(0);

    const ok = safeguard(['bank', 'import', 'triage', good]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/5000 added, 0 duplicates/);
    const twice = safeguard(['bank', 'import', 'triage', good]);
    expect(twice.stdout).toMatch(/0 added, 5000 duplicates/);
    expect(jsonLines(safeguard(['bank', 'list', '--json']).stdout)[1].signalCount).toBe(5000);
  });

  it('refuses unknown formats, malformed hex and wrong lengths clearly', () => {
    const file = join(work, 'hashes.txt');
    writeFileSync(file, `${'a'.repeat(63)}\n`);
    const short = safeguard(['bank', 'import', 'triage', file, '--format', 'csv', '--type', 'pdq']);
    expect(short.code).toBe(1);
    expect(short.stderr).toMatch(/line 1: .*63/);
    const unknown = safeguard(['bank', 'import', 'triage', file, '--format', 'xml']);
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toMatch(/xml/);
    const missing = safeguard(['bank', 'import', 'nope', file]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/no bank named 'nope'/);
  });

  it('exports in every format and re-imports to the same signals', () => {
    for (const format of ['csv', 'tsv', 'jsonl']) {
      const exported = safeguard(['bank', 'export', 'known', '--format', format]);
      expect(exported.code).toBe(0);
      const path = join(work, `known.${format}`);
      writeFileSync(path, exported.stdout);
      safeguard(['bank', 'create', `copy-${format}`]);
      const imported = safeguard(['bank', 'import', `copy-${format}`, path]);
      expect(imported.code, imported.stderr).toBe(0);
      expect(imported.stdout).toMatch(/3 added/);
      const back = safeguard(['bank', 'export', `copy-${format}`, '--format', format]).stdout;
      expect(back).toBe(readFileSync(path, 'utf8'));
    }
  });

  it('an allow bank suppresses a perceptual false positive; removal stops a match', () => {
    safeguard(['bank', 'delete', 'copy-csv']);
    safeguard(['bank', 'delete', 'copy-tsv']);
    safeguard(['bank', 'delete', 'copy-jsonl']);
    const pdq = expected.get('bridge-mods/blur-a-lot.jpg') ?? '';
    const fp = join(work, 'fp.csv');
    writeFileSync(fp, `pdq\n${pdq}\n`);
    expect(safeguard(['bank', 'import', 'fp', fp]).code).toBe(0);
    const near = jsonLines(safeguard(['match', '--json', bridge('blur-a-lot.jpg')]).stdout)[0];
    expect(near.verdict).toBe('allow');
    const exact = jsonLines(safeguard(['match', '--json', bridge('aaa-orig.jpg')]).stdout)[0];
    expect(exact.verdict).toBe('block'); // its MD5 and SHA-256 still match exactly
    const original = expected.get('bridge-mods/aaa-orig.jpg') ?? '';
    expect(safeguard(['bank', 'remove', 'known', '--type', 'pdq', original]).stdout).toMatch(
      /removed 1 of 1/,
    );
    const text = safeguard(['match', bridge('shrink-a-lot.jpg')]).stdout;
    expect(text.startsWith('allow\t')).toBe(true);
  });
});
