import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../support/shared.js';

let dataDir: string;

function safeguard(args: string[]) {
  const env: Record<string, string | undefined> = { ...process.env, SAFEGUARD_DATA_DIR: dataDir };
  delete env.DATABASE_URL; // the embedded SQLite store
  const result = spawnSync(
    process.execPath,
    ['--import', 'tsx', join(repoRoot, 'src/cli/main.ts'), ...args],
    { cwd: repoRoot, encoding: 'utf8', timeout: 60_000, env },
  );
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

const jsonLines = (stdout: string) =>
  stdout
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);

/** Every byte Safeguard wrote to its data directory (database, WAL, anything else). */
const dataBytes = () =>
  readdirSync(dataDir)
    .map((name) => readFileSync(join(dataDir, name)).toString('latin1'))
    .join('\n');

beforeAll(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'safeguard-cli-keys-'));
});
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('safeguard keys and audit', () => {
  let token = '';
  let id = '';

  it('creates a key, printing the token once on stdout and a warning on stderr', () => {
    expect(safeguard(['keys', 'list'])).toMatchObject({ code: 0, stdout: '' });
    const created = safeguard(['keys', 'create', '--name', 'uploads', '--scopes', 'scan,lookup']);
    expect(created.code).toBe(0);
    token = created.stdout.trim();
    expect(token).toMatch(/^sg_[a-z2-7]{10}_[A-Za-z0-9_-]{43}$/);
    expect(created.stdout).toBe(`${token}\n`);
    expect(created.stderr).toMatch(/will not be shown again/);
    expect(created.stderr).not.toContain(token);
    id = token.slice(3, 13);
    expect(created.stderr).toContain(id);
  });

  it('never shows or stores the secret again', () => {
    const secret = token.slice(14);
    const listed = safeguard(['keys', 'list', '--json']);
    expect(listed.code).toBe(0);
    expect(jsonLines(listed.stdout)).toEqual([
      { id, name: 'uploads', scopes: ['scan', 'lookup'], createdAt: expect.any(String) as string },
    ]);
    const text = safeguard(['keys', 'list']).stdout;
    expect(text).toMatch(
      new RegExp(`^${id}\\tuploads\\tscan,lookup\\tcreated .*\\tnever used\\tactive\\n$`),
    );
    for (const output of [listed.stdout, text, safeguard(['audit', 'list', '--json']).stdout]) {
      expect(output).not.toContain(secret);
    }
    expect(dataBytes()).not.toContain(secret);
  });

  it('refuses a bad scope list, naming the bad entry', () => {
    const bad = safeguard(['keys', 'create', '--name', 'x', '--scopes', 'scan,banks-write,nope']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/did you mean "banks:write"/);
    expect(bad.stderr).toMatch(/unknown scope "nope"/);
  });

  it('revokes a key by id, once, and refuses a pasted token without echoing it', () => {
    const revoked = safeguard(['keys', 'revoke', id]);
    expect(revoked).toMatchObject({ code: 0 });
    expect(revoked.stdout).toMatch(new RegExp(`^revoked key ${id} 'uploads'`));
    expect(safeguard(['keys', 'revoke', id]).stdout).toMatch(/already revoked/);
    const pasted = safeguard(['keys', 'revoke', token]);
    expect(pasted.code).toBe(1);
    expect(pasted.stderr).toMatch(/looks like a whole token/);
    expect(pasted.stderr + pasted.stdout).not.toContain(token.slice(14));
    expect(safeguard(['keys', 'revoke', 'zzzzzzzzzz'])).toMatchObject({ code: 1 });
    const listed = jsonLines(safeguard(['keys', 'list', '--json']).stdout);
    expect(listed[0].revokedAt).toEqual(expect.any(String));
  });

  it('lists the audit log and verifies it', () => {
    const entries = jsonLines(safeguard(['audit', 'list', '--json']).stdout);
    expect(entries.map((e) => [e.seq, e.actor, e.action, e.subject])).toEqual([
      [1, 'cli', 'key.create', `key:${id}`],
      [2, 'cli', 'key.revoke', `key:${id}`],
    ]);
    expect(jsonLines(safeguard(['audit', 'list', '--json', '--limit', '1']).stdout)).toMatchObject([
      { seq: 2 },
    ]);
    expect(
      jsonLines(safeguard(['audit', 'list', '--json', '--after', '1']).stdout).map((e) => e.seq),
    ).toEqual([2]);
    expect(safeguard(['audit', 'list', '--action', 'key.create']).stdout).toMatch(
      /^1\t\S+\tcli\tkey\.create\tkey:\w+\t\{"name":"uploads","scopes":\["scan","lookup"\]\}\n$/,
    );
    const verified = safeguard(['audit', 'verify']);
    expect(verified.code).toBe(0);
    expect(verified.stdout).toMatch(/^ok: 2 rows, head [0-9a-f]{64}\n$/);
  });

  it('fails verify naming the first bad row once the log is edited behind its back', () => {
    const db = new BetterSqlite3(join(dataDir, 'safeguard.sqlite'));
    try {
      db.prepare('update audit_log set actor = ? where seq = 1').run('someone-else');
    } finally {
      db.close();
    }
    const verified = safeguard(['audit', 'verify']);
    expect(verified.code).toBe(1);
    expect(verified.stdout).toMatch(/^audit log broken at row 1 \(edited\): /);
    const json = safeguard(['audit', 'verify', '--json']);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({
      ok: false,
      firstBad: { seq: 1, reason: 'edited' },
    });
  });
});
