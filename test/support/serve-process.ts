import { spawn, type ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { repoRoot } from './shared.js';

/** A port that was free a moment ago on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address
          ? resolve(address.port)
          : reject(new Error('no port')),
      );
    });
  });
}

export interface ServeProcess {
  readonly child: ChildProcess;
  readonly stdout: () => string;
  readonly stderr: () => string;
  /** Both, in the order they came. */
  readonly output: () => string;
}

/**
 * Runs the CLI from the sources (`node --import tsx src/cli/main.ts ...args`) with `env`, and
 * resolves once it prints that it listens; throws with its output if it exits or takes longer
 * than `timeoutMs`. The caller stops the child.
 */
export async function startServe(
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  timeoutMs = 45_000,
): Promise<ServeProcess> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(repoRoot, 'src/cli/main.ts'), ...args],
    {
      cwd: repoRoot,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  let err = '';
  let both = '';
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
    both += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => {
    err += d.toString();
    both += d.toString();
  });
  const started = Date.now();
  while (!out.includes('listening on')) {
    if (child.exitCode !== null) throw new Error(`serve exited: ${both}`);
    if (Date.now() - started > timeoutMs) {
      child.kill('SIGKILL');
      throw new Error(`serve did not start: ${both}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { child, stdout: () => out, stderr: () => err, output: () => both };
}

/**
 * One request on a connection of its own (`connection: close`, no agent), so that successive
 * requests to a `--workers` server reach different workers.
 */
export function requestOnce(
  port: number,
  method: string,
  path: string,
  token: string | undefined,
  body?: unknown,
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method,
        path,
        agent: false,
        headers: {
          connection: 'close',
          ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}
