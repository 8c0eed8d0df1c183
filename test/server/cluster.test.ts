import { spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { freePort, requestOnce, startServe, type ServeProcess } from '../support/serve-process.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../support/shared.js';

const children: ChildProcess[] = [];
const dirs: string[] = [];

afterAll(() => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** `safeguard serve --workers 2` on SQLite in `dataDir`; resolves once it says it listens. */
async function serve(dataDir: string, port: number): Promise<ServeProcess> {
  const env: NodeJS.ProcessEnv = { ...process.env, SAFEGUARD_SYNC_INTERVAL_MS: '100' };
  delete env.DATABASE_URL;
  delete env.SAFEGUARD_WORKERS;
  const server = await startServe(['--data', dataDir, 'serve', '--workers', '2'], {
    ...env,
    PORT: String(port),
    HOST: '127.0.0.1',
  });
  children.push(server.child);
  return server;
}

/** Each request on a new connection, so that successive requests reach different workers. */
const call = requestOnce;

function workerPids(primary: number): number[] {
  const ps = spawnSync('pgrep', ['-P', String(primary)]).stdout.toString();
  return ps
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map(Number)
    .filter((pid) => {
      // tsx may start helper processes (esbuild); workers run main.ts.
      const cmd = spawnSync('ps', ['-o', 'args=', '-p', String(pid)]).stdout.toString();
      return cmd.includes('main.ts');
    });
}

function metric(text: string, line: string): number {
  const found = text.split('\n').find((l) => l.startsWith(line + ' '));
  return found === undefined ? 0 : Number(found.slice(line.length + 1));
}

describe('safeguard serve --workers 2 (node:cluster, SQLite)', () => {
  it('serves from both workers, shares banks, keys and metrics, replaces a dead worker, stops cleanly', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'safeguard-cluster-'));
    dirs.push(dataDir);
    const port = await freePort();
    const server = await serve(dataDir, port);
    const out = server.stdout();
    expect(out.match(/First start/g)).toHaveLength(1); // one key for the group, printed once
    expect(out).toMatch(/listening on http:\/\/127\.0\.0\.1:\d+ .*2 worker processes/);
    const token = /sg_[A-Za-z0-9_-]+/.exec(out)?.[0];
    expect(token, out).toBeDefined();
    const pid = server.child.pid ?? 0;
    expect(workerPids(pid)).toHaveLength(2);

    // A bank and a signal added through one worker are matched by every worker soon after.
    const md5 = 'feedface'.repeat(4);
    expect((await call(port, 'POST', '/v1/banks', token, { name: 'shared' })).status).toBe(201);
    expect(
      (
        await call(port, 'POST', '/v1/banks/shared/signals', token, {
          signals: [{ type: 'md5', value: md5 }],
        })
      ).status,
    ).toBe(200);
    await new Promise((r) => setTimeout(r, 1000));
    const verdicts: string[] = [];
    for (let i = 0; i < 10; i++) {
      const res = await call(port, 'POST', '/v1/lookup', token, { md5: [md5] });
      expect(res.status, res.text).toBe(200);
      verdicts.push((JSON.parse(res.text) as { verdict: string }).verdict);
    }
    expect(verdicts).toEqual(Array(10).fill('block'));
    for (let i = 0; i < 10; i++) {
      expect(
        (await call(port, 'POST', '/v1/lookup', token, { md5: ['0'.repeat(32)] })).status,
      ).toBe(200);
    }
    expect((await call(port, 'GET', '/v1/banks', 'sg_wrong')).status).toBe(401);

    // /metrics on any worker counts the requests of both.
    expect((await call(port, 'GET', '/metrics', undefined)).status).toBe(401);
    const metrics = (await call(port, 'GET', '/metrics', token)).text;
    expect(metric(metrics, 'safeguard_verdicts_total{kind="lookup",verdict="block"}')).toBe(10);
    expect(metric(metrics, 'safeguard_verdicts_total{kind="lookup",verdict="allow"}')).toBe(10);
    expect(metric(metrics, 'safeguard_index_signals{type="md5"}')).toBe(1); // not summed

    // Allows are written within the recorder's flush interval (50 ms): wait until all 20 are, so the
    // kill below loses none (a SIGKILL may lose the allows of the last 50 ms, by design).
    const recorded = () => {
      const db = new Database(join(dataDir, 'safeguard.sqlite'), { readonly: true });
      try {
        const row = db.prepare("select count(*) as n from scans where kind = 'lookup'").get();
        return (row as { n: number }).n;
      } finally {
        db.close();
      }
    };
    const flushing = Date.now();
    while (recorded() < 20 && Date.now() - flushing < 10_000) {
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(recorded()).toBe(20);

    // A worker that dies is replaced; the other serves meanwhile.
    const [victim] = workerPids(pid);
    process.kill(victim, 'SIGKILL');
    const killed = Date.now();
    while (!server.stderr().includes('starting another') && Date.now() - killed < 10_000) {
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(server.stderr()).toMatch(/worker \d stopped \(signal SIGKILL\); starting another/);
    expect((await call(port, 'POST', '/v1/lookup', token, { md5: [md5] })).status).toBe(200);
    while (workerPids(pid).length < 2 && Date.now() - killed < 30_000) {
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(workerPids(pid)).toHaveLength(2);
    expect(workerPids(pid)).not.toContain(victim);

    // SIGTERM: every worker writes what it holds and exits, then the primary exits 0.
    const pids = workerPids(pid);
    server.child.kill('SIGTERM');
    const code = await new Promise<number | null>((r) => server.child.once('exit', r));
    expect(code).toBe(0);
    for (const worker of pids) expect(() => process.kill(worker, 0)).toThrow();
    expect(recorded()).toBe(21);
  }, 120_000);

  it('a port in use: the primary says so and exits 1', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'safeguard-cluster-'));
    dirs.push(dataDir);
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as { port: number }).port;
    const env: NodeJS.ProcessEnv = { ...process.env, SAFEGUARD_WORKERS: '2' };
    delete env.DATABASE_URL;
    const result = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        join(repoRoot, 'src/cli/main.ts'),
        '--data',
        dataDir,
        'serve',
        '--port',
        String(port),
      ],
      { cwd: repoRoot, env, encoding: 'utf8', timeout: 60_000 },
    );
    blocker.close();
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`port ${port} on 127.0.0.1 is already in use`);
  }, 90_000);
});
