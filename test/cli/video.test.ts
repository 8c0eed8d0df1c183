import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pdqDataDir, repoRoot, sharedDir } from '../support/shared.js';

const vpdqDir = join(sharedDir, 'testdata/vpdq');
const sample = (name: string) => join(vpdqDir, 'videos', `${name}.mp4`);
const regenerated = (name: string) => join(vpdqDir, 'expected/regenerated-ffmpeg5.1', name);
const ffmpegIs51 = /ffmpeg version 5\.1/.test(
  execFileSync('ffmpeg', ['-version'], { encoding: 'utf8' }),
);

let dataDir: string;
let work: string;

function safeguard(args: string[]) {
  const env: Record<string, string | undefined> = { ...process.env, SAFEGUARD_DATA_DIR: dataDir };
  delete env.DATABASE_URL;
  const result = spawnSync(
    process.execPath,
    ['--import', 'tsx', join(repoRoot, 'src/cli/main.ts'), ...args],
    { cwd: repoRoot, encoding: 'utf8', timeout: 120_000, env },
  );
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

const jsonLines = (stdout: string) =>
  stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown> & { frames: unknown[] });

beforeAll(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'safeguard-cli-video-data-'));
  work = mkdtempSync(join(tmpdir(), 'safeguard-cli-video-'));
});
afterAll(() => {
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(work, { recursive: true, force: true });
});

describe('safeguard hash with videos', () => {
  it.skipIf(!ffmpegIs51)('prints Meta’s vPDQ file, the same bytes as vpdq-hash-video', () => {
    const oneASecond = safeguard(['hash', sample('pattern-sd-grey-bar')]);
    expect(oneASecond.code).toBe(0);
    expect(oneASecond.stdout).toBe(readFileSync(regenerated('pattern-sd-grey-bar.1s.txt'), 'utf8'));
    const everyFrame = safeguard(['hash', '--every', '0', sample('test-padded-dimensions')]);
    expect(everyFrame.stdout).toBe(
      readFileSync(regenerated('test-padded-dimensions.every-frame.txt'), 'utf8'),
    );
  });

  it('gives JSON per file, images and videos together, and names the bad ones', () => {
    const audio = join(work, 'audio.mp4');
    execFileSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'sine=d=1', audio]);
    const image = join(pdqDataDir, 'data/misc-images/wee.jpg');
    const result = safeguard(['hash', '--json', sample('doorknob-hd-no-bar'), image, audio]);
    expect(result.code).toBe(1);
    const [video, still, bad] = jsonLines(result.stdout);
    expect(still).toMatchObject({ file: image, quality: 100 });
    expect(video).toMatchObject({ kind: 'video', width: 1280, height: 720, fps: 30 });
    expect(video.frames).toHaveLength(4);
    expect(video.frames[1]).toMatchObject({ frame: 30, timestamp: 1 });
    expect(bad).toEqual({
      file: audio,
      error: { code: 'unsupported_format', message: 'the file has no video stream' },
    });
  });
});

describe('safeguard bank add and match with videos', () => {
  it('banks a video and a vPDQ hash file, then blocks a clip and another edit', () => {
    expect(safeguard(['bank', 'create', 'videos']).code).toBe(0);
    const added = safeguard([
      'bank',
      'add',
      'videos',
      '--json',
      sample('pattern-sd-grey-bar'),
      regenerated('doorknob-hd-no-bar.1s.txt'),
    ]);
    expect(added.code).toBe(0);
    const lines = jsonLines(added.stdout);
    expect(lines[0]).toMatchObject({ added: 3, kind: 'video', frames: 7 }); // vpdq, md5, sha256
    expect(lines[1]).toMatchObject({ added: 1, kind: 'video', frames: 4 }); // vpdq only

    const clip = join(work, 'clip.mp4');
    execFileSync('ffmpeg', [
      ...['-v', 'error', '-y', '-ss', '1', '-t', '4', '-i', sample('pattern-sd-grey-bar')],
      ...['-c:v', 'libx264', '-preset', 'ultrafast', clip],
    ]);
    const matched = safeguard([
      'match',
      clip,
      sample('pattern-sd-with-small-logo-bar'),
      sample('doorknob-hd-no-bar'),
      sample('test-padded-dimensions'),
    ]);
    expect(matched.code).toBe(0);
    const verdicts = matched.stdout
      .trim()
      .split('\n')
      .map((l) => l.split('\t').slice(0, 2));
    expect(verdicts).toEqual([
      ['block', clip],
      ['block', sample('pattern-sd-with-small-logo-bar')],
      ['block', sample('doorknob-hd-no-bar')],
      ['allow', sample('test-padded-dimensions')],
    ]);
  });

  it('refuses a malformed vPDQ hash file, naming its line, and adds nothing', () => {
    const bad = join(work, 'bad.txt');
    const good = readFileSync(regenerated('test-padded-dimensions.1s.txt'), 'utf8');
    writeFileSync(bad, `${good}5,100,not-a-hash,5.000\n`);
    expect(safeguard(['bank', 'create', 'strict']).code).toBe(0);
    const result = safeguard(['bank', 'add', 'strict', bad]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/bad\.txt: not a vPDQ hash file .*line 6 pdq 'not-a-hash'/);
    expect(safeguard(['bank', 'list', '--json']).stdout).toMatch(
      /"name":"strict".*"signalCount":0/,
    );
  });
});
