/**
 * Child processes of `npm run bench:server` (the CLI, the server, the load generator), killed
 * by pid whatever happens; /proc readings (RSS, CPU time); a summary of --cpu-prof profiles.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const children = new Set<ChildProcess>();

function track<T extends ChildProcess>(child: T): T {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

/** Kills every child still running, by its pid (SIGKILL: used on errors and at exit). */
export function killChildren(): void {
  for (const child of children) {
    if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
  children.clear();
}

function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

/** Runs `node dist/cli/main.js ARGS`; resolves its stdout, rejects on failure or timeout. */
export async function runCli(cli: string, args: readonly string[], timeoutMs: number) {
  const child = track(
    spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'pipe', 'pipe'] }),
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const code = await exited(child);
  clearTimeout(timer);
  if (code !== 0) {
    throw new Error(`safeguard ${args.join(' ')} failed (exit ${code}): ${stderr.trim()}`);
  }
  return stdout;
}

export interface Server {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly port: number;
  readonly token: string;
  /** Lines the server wrote on stderr (its own error reports). */
  readonly stderr: string[];
}

/** Starts `safeguard serve` on 127.0.0.1 and an ephemeral port; waits for "listening". */
export function startServer(
  cli: string,
  dataDir: string,
  nodeFlags: readonly string[],
  timeoutMs: number,
  serveFlags: readonly string[] = [],
): Promise<Server> {
  const child = track(
    spawn(
      process.execPath,
      [
        ...nodeFlags,
        cli,
        '--data',
        dataDir,
        'serve',
        '--host',
        '127.0.0.1',
        '--port',
        '0',
        ...serveFlags,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    ),
  );
  const stderr: string[] = [];
  createInterface({ input: child.stderr }).on('line', (line) => {
    if (stderr.length < 50) stderr.push(line);
  });
  return new Promise((resolve, reject) => {
    let token: string | undefined;
    const timer = setTimeout(
      () => reject(new Error('the server did not start in time')),
      timeoutMs,
    );
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the server exited (${code}) before listening: ${stderr.join(' | ')}`));
    });
    createInterface({ input: child.stdout }).on('line', (line) => {
      token ??= /\b(sg_[A-Za-z0-9_-]+)/.exec(line)?.[1];
      const listening = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(line);
      if (!listening) return;
      clearTimeout(timer);
      if (token === undefined || child.pid === undefined) {
        reject(new Error('the server printed no bootstrap key'));
        return;
      }
      resolve({ child, pid: child.pid, port: Number(listening[1]), token, stderr });
    });
  });
}

/** SIGTERM (the server flushes its buffered scans and exits), SIGKILL after `graceMs`. */
export async function stopServer(server: Server, graceMs: number): Promise<number | null> {
  if (server.child.exitCode !== null) return server.child.exitCode;
  server.child.kill('SIGTERM');
  const timer = setTimeout(() => server.child.kill('SIGKILL'), graceMs);
  const code = await exited(server.child);
  clearTimeout(timer);
  return code;
}

/** The load generator: bench/server-load.ts in its own process, under tsx. */
export function forkLoadGenerator(script: string): ChildProcess {
  return track(
    fork(script, [], {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    }),
  );
}

/**
 * A process and its descendants (a server with worker processes counts as all of them):
 * read from /proc, so processes started since the last call are included.
 */
export function processTree(pid: number): number[] {
  const parentOf = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      parentOf.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // exited meanwhile
    }
  }
  const tree = [pid];
  for (let i = 0; i < tree.length; i++) {
    for (const [child, parent] of parentOf) if (parent === tree[i]) tree.push(child);
  }
  return tree;
}

/** Resident memory of a process and its descendants, MB: now (VmRSS) and peaks (VmHWM). */
export function memoryMb(pid: number): { rss: number; peak: number } {
  let rss = 0;
  let peak = 0;
  for (const p of processTree(pid)) {
    try {
      const status = readFileSync(`/proc/${p}/status`, 'utf8');
      const kb = (key: string) =>
        Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? 0);
      rss += kb('VmRSS');
      peak += kb('VmHWM');
    } catch {
      // exited meanwhile
    }
  }
  return { rss: Math.round(rss / 1024), peak: Math.round(peak / 1024) };
}

/**
 * CPU seconds: of the whole machine (busy, total), of a process tree (all their threads), and
 * of the processes named `database` (`postgres`: the server's database, not a neighbour's job).
 */
export function cpuTimes(
  pid: number,
  database?: string,
): { busy: number; total: number; process: number; database: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0];
  const ticks = line.trim().split(/\s+/).slice(1, 9).map(Number);
  const total = ticks.reduce((a, b) => a + b, 0);
  const idle = ticks[3] + ticks[4];
  let own = 0;
  for (const p of processTree(pid)) own += processTicks(p);
  let db = 0;
  if (database !== undefined) {
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === database) {
          db += processTicks(Number(entry));
        }
      } catch {
        // process gone
      }
    }
  }
  return { busy: (total - idle) / 100, total: total / 100, process: own / 100, database: db / 100 };
}

/** utime + stime of one process (all its threads), in clock ticks; 0 once it is gone. */
function processTicks(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return 0;
  }
}

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Top functions by self time in each .cpuprofile of `dir` (one per thread). */
export function summariseProfiles(dir: string, top: number) {
  return readdirSync(dir)
    .filter((name) => name.endsWith('.cpuprofile'))
    .map((name) => {
      const profile = JSON.parse(readFileSync(join(dir, name), 'utf8')) as CpuProfile;
      const byId = new Map(profile.nodes.map((n) => [n.id, n]));
      const self = new Map<string, number>();
      let totalUs = 0;
      profile.samples.forEach((id, i) => {
        const frame = byId.get(id)?.callFrame;
        const dt = profile.timeDeltas[i] ?? 0;
        totalUs += dt;
        if (!frame) return;
        const where = frame.url
          ? ` ${frame.url.replace(/^.*\/(dist|node_modules)\//, '$1/')}:${frame.lineNumber + 1}`
          : '';
        const key = `${frame.functionName || '(anonymous)'}${where}`;
        self.set(key, (self.get(key) ?? 0) + dt);
      });
      const idleUs = self.get('(idle)') ?? 0;
      self.delete('(idle)');
      const busyUs = totalUs - idleUs;
      const ranked = [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, top);
      return {
        file: name,
        totalMs: Math.round(totalUs / 1000),
        busyMs: Math.round(busyUs / 1000),
        top: ranked.map(([fn, us]) => ({
          fn,
          selfMs: Math.round(us / 1000),
          pctOfBusy: Math.round((us / Math.max(1, busyUs)) * 1000) / 10,
        })),
      };
    });
}
