import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../support/shared.js';

let work: string;

function safeguard(args: string[]) {
  const result = spawnSync(
    process.execPath,
    ['--import', 'tsx', join(repoRoot, 'src/cli/main.ts'), ...args],
    {
      cwd: repoRoot,
      encoding: 'utf8',
      timeout: 120_000,
    },
  );
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

const jsonLines = (stdout: string) =>
  stdout
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);

/** Invented, non-explicit conversations in the corpus format. */
const conversations = [
  {
    id: 'g1',
    source: 'synthetic',
    label: 1,
    predators: ['p'],
    meta: { slice: 'synthetic-positive', group: 'g1' },
    messages: [
      'hey',
      'how old r u',
      'ur so mature for ur age',
      'is ur mom home',
      'r u alone rn',
      'dont tell anyone about us',
      'our little secret ok',
      'add me on snap',
      'send me a pic',
      'wanna meet up tomorrow',
    ].flatMap((text, i) => [
      { author: 'p', text, time: null },
      { author: 'k', text: i % 2 ? 'ok' : 'idk', time: null },
    ]),
  },
  {
    id: 'n1',
    source: 'synthetic',
    label: 0,
    predators: [],
    meta: { slice: 'synthetic-negative', group: 'n1' },
    messages: [
      'my router keeps dropping',
      'which model',
      'the old grey one',
      'update the firmware',
    ].map((text, i) => ({
      author: i % 2 ? 'a' : 'b',
      text,
      time: null,
    })),
  },
];

/** Invented author records: an offender and a decoy of one chat, negative authors elsewhere. */
const groomingLines = conversations[0].messages.filter((m) => m.author === 'p').map((m) => m.text);
const authorRecords = [
  {
    id: 'o1',
    label: 1,
    role: 'offender',
    chat: 'c1',
    messages: [...groomingLines, ...groomingLines],
  },
  {
    id: 'd1',
    label: 0,
    role: 'decoy',
    chat: 'c1',
    messages: ['ok', 'idk', 'lol', 'im 13', 'bored'],
  },
  ...['n1', 'n2', 'n3', 'n4'].map((chat, i) => ({
    id: `x${i}`,
    label: 0,
    role: 'other',
    chat,
    messages: ['my router keeps dropping', 'update the firmware', 'thanks that worked'],
  })),
].map((a) => ({
  ...a,
  source: 'synthetic',
  meta: { slice: a.role === 'other' ? 'synthetic-negative' : 'grooming-decoy' },
}));

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'safeguard-grooming-'));
  writeFileSync(
    join(work, 'authors.jsonl'),
    authorRecords.map((a) => JSON.stringify(a)).join('\n'),
  );
  writeFileSync(
    join(work, 'conversations.jsonl'),
    conversations.map((c) => JSON.stringify(c)).join('\n'),
  );
  writeFileSync(
    join(work, 'messages.jsonl'),
    [
      JSON.stringify({ conversation: 'm', author: 'x', text: 'hello', ageBands: { y: 'minor' } }),
      '{"conversation":"m","author":"y","text":"hi \uFFFD"}',
      JSON.stringify({ conversation: 'm', text: '' }),
    ].join('\n'),
  );
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('safeguard grooming', () => {
  it('score prints a line per message, per conversation and per author', () => {
    const r = safeguard(['grooming', 'score', join(work, 'messages.jsonl')]);
    expect(r.code).toBe(0);
    const lines = jsonLines(r.stdout);
    expect(lines.filter((l) => l.type === 'message')).toHaveLength(3);
    expect(lines.filter((l) => l.type === 'conversation')).toHaveLength(1);
    expect(lines.filter((l) => l.type === 'author').map((l) => l.author)).toEqual([
      'x',
      'y',
      'unknown',
    ]);
  });

  it('eval prints exactly one JSON object with the documented keys', () => {
    const r = safeguard([
      'grooming',
      'eval',
      '--conversations',
      join(work, 'conversations.jsonl'),
      '--json',
    ]);
    expect(r.code).toBe(0);
    const lines = jsonLines(r.stdout);
    expect(lines).toHaveLength(1);
    const report = lines[0] as Record<string, Record<string, unknown>>;
    expect(Object.keys(report).sort()).toEqual([
      'authors',
      'conversations',
      'earliness',
      'slices',
      'throughput',
    ]);
    expect(report.conversations?.n).toBe(2);
    expect(report.slices?.['synthetic-negative']).toEqual({ n: 1, falsePositiveRate: 0 });
    expect(report.throughput?.messagesPerSecond).toBeGreaterThan(0);
  });

  it('train --window-scales reports cross-validated author figures per window length', () => {
    const r = safeguard([
      'grooming',
      'train',
      '--conversations',
      join(work, 'conversations.jsonl'),
      '--authors',
      join(work, 'authors.jsonl'),
      '--folds',
      '2',
      '--window-scales',
      '1, 4,all',
      '--out',
      join(work, 'model.json'),
    ]);
    expect(r.stderr).toContain('wrote');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as {
      windowScales: {
        scale: number | null;
        atOwnThreshold: Record<string, number>;
        atOperatingPoint: Record<string, number>;
      }[];
    };
    expect(report.windowScales.map((w) => w.scale)).toEqual([1, 4, null]);
    for (const w of report.windowScales) {
      expect(w.atOwnThreshold).toHaveProperty('threshold');
      expect(w.atOwnThreshold).toHaveProperty('f05');
      expect(w.atOperatingPoint.n).toBe(authorRecords.length);
    }
  });

  it('train refuses a window scale that is not a positive number or all', () => {
    for (const bad of ['0', '2,,4', 'x', '-1']) {
      const r = safeguard(['grooming', 'train', '--window-scales', bad]);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain('is not a window scale');
    }
  });

  it('reports a missing file clearly', () => {
    const r = safeguard(['grooming', 'score', join(work, 'missing.jsonl')]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('cannot read');
  });
});
