/**
 * npm run bench:server — the HTTP API under load, with a 1M-signal bank.
 *
 *   1. a temporary data directory; 1,000,000 random PDQ hashes (seeded) imported with the CLI;
 *      5 of 50 generated 2 MP JPEGs banked with `bank add` (so ~10% of scans match);
 *   2. `safeguard serve` on 127.0.0.1 (a child process; the bootstrap key read from its output);
 *   3. a load generator in another process (bench/server-load.ts) drives, for lookups (mixed
 *      PDQ / MD5 / SHA-256, ~10% matching) and for raw image/jpeg scans:
 *      a. closed-loop steps of 1, 2, 4 … 64 keep-alive connections (warm-up, then 5 s each)
 *         until throughput stops rising by more than 5% (or p99 explodes): the knee;
 *      b. an open-loop run at half the knee throughput for 30 s, latency from each request's
 *         scheduled send time (no coordinated omission). 30 s, not 10: at ~43 scans/s a 10 s
 *         run has ~430 latencies and its p99 is set by 4 of them (seen: 71 ms in one 10 s run,
 *         38–42 ms in four 30 s runs at the same rate);
 *   4. the server is stopped (it flushes buffered scans) and the store is checked: one scan row
 *      and one audit entry per 2xx answer, one case per match, an unbroken audit chain.
 *
 * The machine is shared: every step reports the CPU taken by the server, the generator and
 * everything else; a step starts when other processes are quiet (bounded wait) and is run once
 * more when they were not (the less contended run is kept, the other summarised).
 *
 * Prints ONE JSON line on stdout (progress on stderr; `npm run -s bench:server` keeps npm's
 * banner off stdout too). Options: --only lookup|scan,
 * --cpu-prof (profile the server; summary in the JSON), --keep (keep the data directory),
 * --signals N, --step-seconds S, --open-seconds S, --open-rate R (the open-loop rate, instead of
 * half the knee's), --workers N|auto (serve's processes; default auto, one per core), --threads N
 * (hashing threads in all, shared out among the processes; default SAFEGUARD_THREADS or one per
 * core), --store sqlite|postgres (postgres: a fresh schema of DATABASE_URL,
 * dropped at the end).
 */
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ensureJpegs, lookupBodies, writeBankCsv, type BankedImage } from './load/fixtures.js';
import { serverMetrics } from './load/server-metrics.js';
import { checkStore, chooseStore, dropStore } from './load/store-check.js';
import {
  cpuTimes,
  forkLoadGenerator,
  killChildren,
  memoryMb,
  runCli,
  startServer,
  stopServer,
  summariseProfiles,
  type Server,
} from './load/processes.js';
import type { LoadMessage, RunMessage, RunResult, Workload } from './server-load.js';

const here = dirname(fileURLToPath(import.meta.url));
const CLI = resolve(here, '../dist/cli/main.js');
const LOAD_SCRIPT = join(here, 'server-load.ts');
const JPEG_CACHE = join(here, '.cache/jpeg-2mp');
const JPEGS = 50;
const BANKED_JPEGS = [0, 10, 20, 30, 40];
const LOOKUP_BODIES = 5000;
const MATCH_SHARE = 0.1;
const SEED = 20260717;
const LEVELS = [1, 2, 4, 8, 16, 32, 64];
const WARMUP_MS = 1000;
/** CPU (in cores) other processes may use during a step before it is run again. */
const CONTENDED_CORES = 0.25;
const DEADLINE_MS = 9 * 60_000;
const GOALS = {
  lookup: { rps: 5000, p99Ms: 20 },
  scan: { rps: 150, p99Ms: 50 },
} as const;

const { values: opts } = parseArgs({
  options: {
    only: { type: 'string' },
    'cpu-prof': { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
    signals: { type: 'string', default: '1000000' },
    'step-seconds': { type: 'string', default: '5' },
    'open-seconds': { type: 'string', default: '30' },
    workers: { type: 'string', default: 'auto' },
    store: { type: 'string', default: 'sqlite' },
    'open-rate': { type: 'string' },
    threads: { type: 'string' },
  },
});
const workloads: Workload[] =
  opts.only === 'lookup' || opts.only === 'scan' ? [opts.only] : ['lookup', 'scan'];
const SIGNALS = Number(opts.signals);
const STEP_MS = Number(opts['step-seconds']) * 1000;
const OPEN_MS = Number(opts['open-seconds']) * 1000;
/** `serve --workers`: server processes (auto: one per core, what the README recommends). */
const WORKERS = opts.workers;
const WORKER_COUNT = WORKERS === 'auto' ? availableParallelism() : Number(WORKERS);
const STORE = chooseStore(opts.store);
/** On PostgreSQL the database's processes work for the server: counted apart, not as others. */
const DATABASE_PROCESS = opts.store === 'postgres' ? 'postgres' : undefined;
/** The open-loop rate instead of half the knee's: two builds compared at one load. */
const OPEN_RATE = opts['open-rate'] === undefined ? undefined : Number(opts['open-rate']);
/** SAFEGUARD_THREADS for serve: hashing threads in all, shared out among the processes. */
const THREADS = Number(opts.threads ?? process.env.SAFEGUARD_THREADS ?? availableParallelism());
if (
  !(SIGNALS >= 1000 && STEP_MS >= 500 && OPEN_MS >= 500) ||
  !(Number.isInteger(WORKER_COUNT) && WORKER_COUNT >= 1) ||
  !(OPEN_RATE === undefined || OPEN_RATE > 0) ||
  !(Number.isInteger(THREADS) && THREADS >= 1)
) {
  throw new Error(
    '--signals takes a number >= 1000, --step-seconds and --open-seconds >= 0.5, --workers a number >= 1 or auto, --open-rate a rate > 0, --threads a number >= 1',
  );
}
process.env.SAFEGUARD_THREADS = String(THREADS);

const log = (line: string) => process.stderr.write(`[bench:server] ${line}\n`);
const round = (value: number, digits = 1) => Math.round(value * 10 ** digits) / 10 ** digits;
const load = () => loadavg().map((v) => round(v, 2));
const seconds = (since: number) => round((performance.now() - since) / 1000, 2);
let tempDir: string | undefined;

function cleanUp(): void {
  killChildren();
  if (tempDir === undefined) return;
  if (opts.keep) log(`kept ${tempDir}`);
  else rmSync(tempDir, { recursive: true, force: true });
  tempDir = undefined;
}

/** Sends run messages to the load generator and waits for each answer. */
class LoadGenerator {
  private nextId = 1;
  private readonly waiting = new Map<number, (result: RunResult) => void>();
  private failure: ((error: Error) => void) | undefined;
  /** 2xx answers the generator has received so far, warm-ups and repeated steps included. */
  okResponses = 0;
  matchResponses = 0;

  constructor(private readonly child: ChildProcess) {
    child.on('message', (message: RunResult | { type: 'failed'; id: number; message: string }) => {
      if (message.type === 'failed') this.failure?.(new Error(message.message));
      else if (message.type === 'result') {
        this.okResponses = Math.max(this.okResponses, message.okSinceStart);
        this.matchResponses = Math.max(this.matchResponses, message.matchesSinceStart);
        this.waiting.get(message.id)?.(message);
      }
    });
    child.once('exit', (code) => this.failure?.(new Error(`load generator exited (${code})`)));
  }

  init(message: Extract<LoadMessage, { type: 'init' }>): Promise<void> {
    return new Promise((resolve, reject) => {
      this.failure = reject;
      this.child.once('message', () => resolve());
      this.child.send(message);
    });
  }

  run(message: Omit<RunMessage, 'type' | 'id'>): Promise<RunResult> {
    const id = this.nextId++;
    const limit = message.warmupMs + message.durationMs + 60_000;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`run ${id} took over ${limit} ms`)), limit);
      this.failure = reject;
      this.waiting.set(id, (result) => {
        clearTimeout(timer);
        this.waiting.delete(id);
        resolve(result);
      });
      this.child.send({ type: 'run', id, ...message });
    });
  }
}

const QUIET_WAIT_MS = 8000;
const QUIET_BUDGET_MS = 60_000;
let quietWaitedMs = 0;

/**
 * Waits (at most QUIET_WAIT_MS, QUIET_BUDGET_MS in all) until other processes use no more
 * than CONTENDED_CORES over half a second: the machine is shared, and a step measured while
 * a neighbour compiles measures the neighbour.
 */
async function waitForQuiet(pid: number): Promise<void> {
  const started = performance.now();
  for (;;) {
    const a = cpuTimes(pid, DATABASE_PROCESS);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const b = cpuTimes(pid, DATABASE_PROCESS);
    const wall = (b.total - a.total) / availableParallelism();
    const server = b.process - a.process + (b.database - a.database);
    const others = (b.busy - a.busy - server) / Math.max(wall, 0.01);
    const waited = performance.now() - started;
    if (
      others <= CONTENDED_CORES ||
      waited >= QUIET_WAIT_MS ||
      quietWaitedMs + waited >= QUIET_BUDGET_MS
    ) {
      quietWaitedMs += waited;
      return;
    }
  }
}

/**
 * One run, with the CPU the server, the generator and everything else on the machine (the
 * other engineers' jobs) used meanwhile, and the server's event-loop lag and GC time.
 */
async function measured(
  gen: LoadGenerator,
  server: Server,
  message: Omit<RunMessage, 'type' | 'id'>,
) {
  await waitForQuiet(server.pid);
  const metricsBefore = await serverMetrics(server.port, server.token); // also resets the lag histogram
  const before = cpuTimes(server.pid, DATABASE_PROCESS);
  const result = await gen.run(message);
  const after = cpuTimes(server.pid, DATABASE_PROCESS);
  const metricsAfter = await serverMetrics(server.port, server.token);
  const wall = (after.total - before.total) / availableParallelism();
  const serverCores = (after.process - before.process) / wall;
  const generatorCores = result.generator.cpuMs / 1000 / wall;
  const databaseCores = (after.database - before.database) / wall;
  const machineCores = (after.busy - before.busy) / wall;
  return {
    result,
    cpuCores: {
      server: round(serverCores, 2),
      ...(DATABASE_PROCESS === undefined ? {} : { database: round(databaseCores, 2) }),
      generator: round(generatorCores, 2),
      others: round(Math.max(0, machineCores - serverCores - databaseCores - generatorCores), 2),
    },
    server: {
      eventLoopLagMaxMs: metricsAfter.lagMaxMs,
      gcMs: round((metricsAfter.gcSeconds - metricsBefore.gcSeconds) * 1000),
    },
  };
}

type Measured = Awaited<ReturnType<typeof measured>>;

const databaseNote = (cores: { database?: number }) =>
  cores.database === undefined ? '' : `database ${cores.database}, `;

/**
 * A run; when other processes took more than CONTENDED_CORES meanwhile, once more, keeping
 * the less contended of the two (the other is summarised in `discarded`; its errors count).
 */
async function measuredRetrying(
  gen: LoadGenerator,
  server: Server,
  message: Omit<RunMessage, 'type' | 'id'>,
): Promise<Measured & { discarded?: object; failures: { non2xx: number; errors: number } }> {
  const first = await measured(gen, server, message);
  const failures = { non2xx: first.result.non2xx, errors: first.result.errors };
  if (first.cpuCores.others <= CONTENDED_CORES) return { ...first, failures };
  log(`  other processes used ${first.cpuCores.others} cores: running this step again`);
  const second = await measured(gen, server, message);
  failures.non2xx += second.result.non2xx;
  failures.errors += second.result.errors;
  const [kept, dropped] =
    second.cpuCores.others < first.cpuCores.others ? [second, first] : [first, second];
  const d = dropped.result;
  return {
    ...kept,
    failures,
    discarded: {
      rps: d.rps,
      p50Ms: d.latencyMs.p50,
      p99Ms: d.latencyMs.p99,
      othersCores: dropped.cpuCores.others,
    },
  };
}

function matchShare(verdicts: Record<string, number>): number {
  const total = Object.values(verdicts).reduce((a, b) => a + b, 0);
  return round(((verdicts.block ?? 0) + (verdicts.review ?? 0)) / Math.max(1, total), 3);
}

const p99ByVerdict = (r: RunResult) =>
  Object.fromEntries(Object.entries(r.latencyByVerdictMs).map(([v, l]) => [v, l.p99]));

async function benchWorkload(gen: LoadGenerator, server: Server, workload: Workload) {
  const ladder = [];
  let knee: Measured | undefined;
  let flat = 0;
  let non2xx = 0;
  let errors = 0;
  for (const connections of LEVELS) {
    const step = await measuredRetrying(gen, server, {
      workload,
      mode: 'closed',
      connections,
      warmupMs: WARMUP_MS,
      durationMs: STEP_MS,
    });
    const r = step.result;
    non2xx += step.failures.non2xx;
    errors += step.failures.errors;
    log(
      `${workload} closed c=${connections}: ${r.rps}/s p50 ${r.latencyMs.p50} ms p99 ${r.latencyMs.p99} ms` +
        ` (server ${step.cpuCores.server} cores, ${databaseNote(step.cpuCores)}generator ${step.cpuCores.generator}, others ${step.cpuCores.others}; load ${load().join(' ')})`,
    );
    ladder.push({
      connections,
      rps: r.rps,
      p50Ms: r.latencyMs.p50,
      p99Ms: r.latencyMs.p99,
      maxMs: r.latencyMs.max,
      p99ByVerdictMs: p99ByVerdict(r),
      non2xx: r.non2xx,
      errors: r.errors,
      matchShare: matchShare(r.verdicts),
      cpuCores: step.cpuCores,
      server: step.server,
      generatorEventLoop: r.generator.eventLoopUtilization,
      ...(step.discarded ? { discarded: step.discarded } : {}),
      ...(r.sample === undefined ? {} : { sample: r.sample }),
    });
    const best = knee?.result;
    const rises = !best || r.rps > best.rps * 1.05;
    const explodes = best !== undefined && r.latencyMs.p99 > 5 * Math.max(best.latencyMs.p99, 1);
    if (rises && !explodes) {
      knee = step;
      flat = 0;
    } else if (++flat >= 2 || explodes) {
      break;
    }
  }
  if (!knee) throw new Error('no closed-loop step ran');
  const rate = OPEN_RATE ?? Math.max(1, Math.round(knee.result.rps / 2));
  const open = await measuredRetrying(gen, server, {
    workload,
    mode: 'open',
    rate,
    connections: Math.max(4, knee.result.connections),
    maxConnections: 256,
    warmupMs: WARMUP_MS,
    durationMs: OPEN_MS,
  });
  const o = open.result;
  non2xx += open.failures.non2xx;
  errors += open.failures.errors;
  log(
    `${workload} open ${rate}/s: ${o.rps}/s p50 ${o.latencyMs.p50} ms p99 ${o.latencyMs.p99} ms p99.9 ${o.latencyMs.p999} ms` +
      ` (send lag p99 ${o.sendLagMs?.p99} ms; server ${open.cpuCores.server} cores, ${databaseNote(open.cpuCores)}others ${open.cpuCores.others};` +
      ` server event-loop lag max ${open.server.eventLoopLagMaxMs} ms, GC ${open.server.gcMs} ms)`,
  );
  const maxStep = ladder.reduce((a, b) => (b.rps > a.rps ? b : a));
  const goal = GOALS[workload];
  return {
    knee: {
      connections: knee.result.connections,
      rps: knee.result.rps,
      p50Ms: knee.result.latencyMs.p50,
      p99Ms: knee.result.latencyMs.p99,
    },
    max: { connections: maxStep.connections, rps: maxStep.rps },
    halfLoad: {
      targetRate: rate,
      achievedRps: o.rps,
      requests: o.measured,
      latencyMs: {
        p50: o.latencyMs.p50,
        p99: o.latencyMs.p99,
        p999: o.latencyMs.p999,
        max: o.latencyMs.max,
      },
      p99ByVerdictMs: p99ByVerdict(o),
      sendLagP99Ms: o.sendLagMs?.p99,
      non2xx: o.non2xx,
      errors: o.errors,
      matchShare: matchShare(o.verdicts),
      cpuCores: open.cpuCores,
      server: open.server,
      ...(open.discarded ? { discarded: open.discarded } : {}),
      ...(o.sample === undefined ? {} : { sample: o.sample }),
    },
    goal,
    met: { throughput: knee.result.rps >= goal.rps, p99: o.latencyMs.p99 <= goal.p99Ms },
    non2xx,
    errors,
    ladder,
  };
}

/**
 * After the server stopped: one scan row and one audit entry per 2xx answer, one case per
 * block or review answer, an intact audit chain.
 */
async function main() {
  const started = performance.now();
  const loadBefore = load();
  log(`load average ${loadBefore.join(' ')} on ${availableParallelism()} cores`);
  const dir = mkdtempSync(join(tmpdir(), 'safeguard-bench-server-'));
  tempDir = dir;
  const dataDir = join(dir, 'data');
  const profDir = join(dir, 'prof');
  let server: Server | undefined;
  try {
    const jpegs = await ensureJpegs(JPEG_CACHE, JPEGS);
    log(`${jpegs.length} JPEGs (${JPEG_CACHE})`);
    const csv = join(dir, 'bank.csv');
    let t = performance.now();
    const bankedPdq = writeBankCsv(csv, SIGNALS, SEED);
    const csvSeconds = seconds(t);
    await runCli(CLI, ['--data', dataDir, 'bank', 'create', 'bench'], 60_000);
    log(`importing ${SIGNALS} PDQ hashes…`);
    t = performance.now();
    await runCli(
      CLI,
      ['--data', dataDir, 'bank', 'import', 'bench', csv, '--type', 'pdq'],
      240_000,
    );
    const importSeconds = seconds(t);
    rmSync(csv);
    const addOut = await runCli(
      CLI,
      ['--data', dataDir, 'bank', 'add', 'bench', ...BANKED_JPEGS.map((i) => jpegs[i]), '--json'],
      120_000,
    );
    const banked = addOut
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as BankedImage);
    log(`imported in ${importSeconds} s; banked ${banked.length} JPEGs`);

    mkdirSync(profDir, { recursive: true });
    const flags = opts['cpu-prof'] ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : [];
    t = performance.now();
    server = await startServer(CLI, dataDir, flags, 180_000, ['--workers', WORKERS]);
    const startSeconds = seconds(t);
    const memory = memoryMb(server.pid);
    log(
      `server pid ${server.pid} on port ${server.port} in ${startSeconds} s, RSS ${memory.rss} MB`,
    );

    const gen = new LoadGenerator(forkLoadGenerator(LOAD_SCRIPT));
    await gen.init({
      type: 'init',
      port: server.port,
      token: server.token,
      lookupBodies: lookupBodies(LOOKUP_BODIES, SEED + 1, bankedPdq, banked, MATCH_SHARE),
      jpegPaths: jpegs,
    });
    const loadBeforeMeasuring = load();
    const results: Partial<Record<Workload, Awaited<ReturnType<typeof benchWorkload>>>> = {};
    for (const workload of workloads)
      results[workload] = await benchWorkload(gen, server, workload);
    const loadAfter = load();
    const peak = memoryMb(server.pid);
    const exitCode = await stopServer(server, 30_000);
    const store = await checkStore(CLI, STORE, dataDir, {
      ok: gen.okResponses,
      matches: gen.matchResponses,
    });
    const output = {
      bench: 'server',
      at: new Date().toISOString(),
      node: process.version,
      cores: availableParallelism(),
      loadAverage: { before: loadBefore, beforeMeasuring: loadBeforeMeasuring, after: loadAfter },
      setup: {
        signals: SIGNALS + banked.length * 3,
        pdqSignals: SIGNALS + banked.length,
        csvSeconds,
        importSeconds,
        serverStartSeconds: startSeconds,
        serverRssMbAfterLoad: memory.rss,
        serverRssMbPeak: peak.peak,
        serverProcesses: WORKER_COUNT,
        hashingThreadsPerProcess: Math.max(1, Math.floor(THREADS / WORKER_COUNT)),
        store: STORE.kind,
        jpegs: { count: jpegs.length, banked: banked.length, size: '1732x1155', quality: 90 },
        lookupBodies: { count: LOOKUP_BODIES, matchShare: MATCH_SHARE },
      },
      goals: {
        lookupsPerSecond: GOALS.lookup.rps,
        scansPerSecond: GOALS.scan.rps,
        lookupP99MsAtHalfLoad: GOALS.lookup.p99Ms,
        scanP99MsAtHalfLoad: GOALS.scan.p99Ms,
      },
      lookup: results.lookup,
      scan: results.scan,
      allGoalsMet: Object.values(results).every((r) => r.met.throughput && r.met.p99),
      totalNon2xx: Object.values(results).reduce((n, r) => n + r.non2xx, 0),
      totalErrors: Object.values(results).reduce((n, r) => n + r.errors, 0),
      waitedForQuietSeconds: round(quietWaitedMs / 1000),
      store,
      server: { exitCode, stderr: server.stderr.slice(0, 10) },
      ...(opts['cpu-prof'] ? { profile: summariseProfiles(profDir, 15) } : {}),
      seconds: seconds(started),
    };
    process.stdout.write(`${JSON.stringify(output)}\n`);
  } finally {
    cleanUp();
    await dropStore(STORE).catch((error: unknown) => {
      log(`could not drop the bench schema: ${String(error)}`);
    });
  }
}

process.on('exit', killChildren);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    cleanUp();
    process.exit(130);
  });
}
setTimeout(() => {
  log(`over ${DEADLINE_MS / 60_000} minutes: aborting`);
  cleanUp();
  process.exit(1);
}, DEADLINE_MS).unref();

main().catch((error: unknown) => {
  log(`failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  cleanUp();
  process.exitCode = 1;
});
