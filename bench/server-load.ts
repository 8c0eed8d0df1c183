/**
 * The load generator of `npm run bench:server`, run as a separate process (child_process.fork)
 * so that its CPU is not the server's. The parent sends one `init` message (port, key, request
 * bodies) and then `run` messages; each run answers with a `result`.
 *
 *   closed loop: N keep-alive connections, each sending its next request as soon as the last
 *     one answered; throughput and latency (send to response) after a warm-up.
 *   open loop: requests scheduled at a fixed rate; a request waits for a free connection (more
 *     are opened up to a cap) and its latency runs from its SCHEDULED time, so a slow server
 *     cannot hide its stalls by slowing the generator down (no coordinated omission).
 *
 * Only 127.0.0.1 is ever targeted.
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { HttpConnection } from './load/http-connection.js';

export type Workload = 'lookup' | 'scan';

export interface InitMessage {
  readonly type: 'init';
  readonly port: number;
  readonly token: string;
  /** JSON bodies for POST /v1/lookup, used round-robin. */
  readonly lookupBodies: readonly string[];
  /** JPEG files sent raw (image/jpeg) to POST /v1/scan, round-robin. */
  readonly jpegPaths: readonly string[];
}

export interface RunMessage {
  readonly type: 'run';
  readonly id: number;
  readonly workload: Workload;
  readonly mode: 'closed' | 'open';
  /** Closed loop: connections. Open loop: connections opened up front. */
  readonly connections: number;
  /** Open loop: requests per second. */
  readonly rate?: number;
  /** Open loop: most connections it may open. */
  readonly maxConnections?: number;
  readonly warmupMs: number;
  readonly durationMs: number;
}

export interface LatencySummary {
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly p999: number;
  readonly max: number;
  readonly mean: number;
}

export interface RunResult {
  readonly type: 'result';
  readonly id: number;
  readonly workload: Workload;
  readonly mode: 'closed' | 'open';
  readonly connections: number;
  readonly targetRate?: number;
  /** Responses completed inside the measured window, per second. */
  readonly rps: number;
  readonly measured: number;
  /** Milliseconds; closed loop from send, open loop from the scheduled send time. */
  readonly latencyMs: LatencySummary;
  /** The same, per verdict of the answer (a match writes its scan, case and audit entry at once). */
  readonly latencyByVerdictMs: Record<string, LatencySummary>;
  /** Open loop: how late requests left the generator (queueing for a connection, timers). */
  readonly sendLagMs?: LatencySummary;
  readonly status: Record<string, number>;
  /** Non-2xx answers, warm-up included. */
  readonly non2xx: number;
  readonly errors: number;
  /** Open loop: requests still unanswered when the drain timeout ran out (also in errors). */
  readonly unfinished: number;
  readonly sample?: string;
  readonly verdicts: Record<string, number>;
  /** 2xx responses since the generator started, warm-ups included (for the store check). */
  readonly okSinceStart: number;
  /** Of those, answers with a block or review verdict (each must have opened a case). */
  readonly matchesSinceStart: number;
  readonly generator: { readonly cpuMs: number; readonly eventLoopUtilization: number };
}

export type LoadMessage = InitMessage | RunMessage;

const VERDICTS = ['allow', 'review', 'block'].map(
  (v) => [v, Buffer.from(`"verdict":"${v}"`)] as const,
);
const DRAIN_MS = 15_000;

let port = 0;
let pools: Record<Workload, Buffer[][]> = { lookup: [], scan: [] };
let okSinceStart = 0;
let matchesSinceStart = 0;

function init(message: InitMessage): void {
  port = message.port;
  const head = (path: string, type: string, length: number) =>
    Buffer.from(
      `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAuthorization: Bearer ${message.token}\r\n` +
        `Content-Type: ${type}\r\nContent-Length: ${length}\r\n\r\n`,
      'latin1',
    );
  pools = {
    lookup: message.lookupBodies.map((body) => {
      const bytes = Buffer.from(body);
      return [Buffer.concat([head('/v1/lookup', 'application/json', bytes.length), bytes])];
    }),
    scan: message.jpegPaths.map((path) => {
      const bytes = readFileSync(path);
      return [head('/v1/scan', 'image/jpeg', bytes.length), bytes];
    }),
  };
}

class Samples {
  private values = new Float64Array(1 << 14);
  count = 0;

  add(value: number): void {
    if (this.count === this.values.length) {
      const grown = new Float64Array(this.values.length * 2);
      grown.set(this.values);
      this.values = grown;
    }
    this.values[this.count++] = value;
  }

  summary(): LatencySummary {
    const sorted = this.values.slice(0, this.count).sort();
    const at = (q: number) =>
      sorted.length === 0
        ? 0
        : sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
    const mean = sorted.reduce((a, b) => a + b, 0) / Math.max(1, sorted.length);
    const r = (v: number) => Math.round(v * 1000) / 1000;
    return {
      p50: r(at(0.5)),
      p90: r(at(0.9)),
      p99: r(at(0.99)),
      p999: r(at(0.999)),
      max: r(at(1)),
      mean: r(mean),
    };
  }
}

/** Counts of one run: statuses, verdicts, errors, and a sample of the first failure. */
class Tally {
  readonly latency = new Samples();
  readonly lag = new Samples();
  readonly status: Record<string, number> = {};
  readonly verdicts: Record<string, number> = {};
  readonly byVerdict = new Map<string, Samples>();
  measured = 0;
  non2xx = 0;
  errors = 0;
  sample: string | undefined;

  response(
    error: Error | undefined,
    status: number,
    body: Buffer,
    inWindow: boolean,
    latencyMs: number,
  ): void {
    if (error) {
      this.errors++;
      this.sample ??= `error: ${error.message}`;
      return;
    }
    const ok = status >= 200 && status < 300;
    let verdict: string | undefined;
    if (ok) {
      verdict = VERDICTS.find(([, needle]) => body.includes(needle))?.[0] ?? 'none';
      okSinceStart++;
      if (verdict === 'block' || verdict === 'review') matchesSinceStart++;
    } else {
      this.non2xx++; // warm-ups included
      this.sample ??= `${status}: ${body.toString('utf8', 0, 300)}`;
    }
    if (!inWindow) return;
    this.measured++;
    this.latency.add(latencyMs);
    this.status[status] = (this.status[status] ?? 0) + 1;
    if (verdict === undefined) return;
    this.verdicts[verdict] = (this.verdicts[verdict] ?? 0) + 1;
    let samples = this.byVerdict.get(verdict);
    if (!samples) this.byVerdict.set(verdict, (samples = new Samples()));
    samples.add(latencyMs);
  }
}

const nowMs = () => performance.now();

function closedLoop(message: RunMessage, pool: Buffer[][], tally: Tally): Promise<number> {
  const start = nowMs();
  const measureFrom = start + message.warmupMs;
  const end = measureFrom + message.durationMs;
  let next = 0;
  return new Promise((resolve) => {
    let active = message.connections;
    const loop = (connection: HttpConnection) => {
      const sent = nowMs();
      if (sent >= end) {
        connection.close();
        if (--active === 0) resolve(message.durationMs);
        return;
      }
      connection.send(pool[next++ % pool.length], (error, status, body) => {
        const done = nowMs();
        const inWindow = done >= measureFrom && done <= end; // completions inside the window
        tally.response(error, status, body, inWindow, done - sent);
        if (error) setTimeout(() => loop(connection), 10);
        else loop(connection);
      });
    };
    for (let i = 0; i < message.connections; i++) loop(new HttpConnection(port));
  });
}

function openLoop(message: RunMessage, pool: Buffer[][], tally: Tally): Promise<number> {
  const rate = message.rate ?? 1;
  const interval = 1000 / rate;
  const total = Math.floor(((message.warmupMs + message.durationMs) / 1000) * rate);
  const start = nowMs() + 5;
  const measureFrom = start + message.warmupMs;
  const maxConnections = Math.max(message.connections, message.maxConnections ?? 256);
  const idle: HttpConnection[] = [];
  const all: HttpConnection[] = [];
  for (let i = 0; i < message.connections; i++) all.push(new HttpConnection(port));
  idle.push(...all);
  const queue: number[] = [];
  let queueHead = 0;
  let dispatched = 0;
  let settled = 0;
  return new Promise((resolve) => {
    let finished = false;
    const finish = () => {
      if (finished) return;
      finished = true;
      clearTimeout(drainTimer);
      const unfinished = total - settled;
      tally.errors += unfinished;
      if (unfinished > 0) tally.sample ??= `${unfinished} requests unanswered after the drain`;
      for (const connection of all) connection.close();
      resolve(unfinished);
    };
    let drainTimer: NodeJS.Timeout | undefined;
    const fire = (connection: HttpConnection, i: number) => {
      const scheduled = start + i * interval;
      const inWindow = scheduled >= measureFrom;
      if (inWindow) tally.lag.add(nowMs() - scheduled);
      connection.send(pool[i % pool.length], (error, status, body) => {
        if (finished) return;
        const done = nowMs();
        settled++;
        tally.response(error, status, body, inWindow, done - scheduled);
        if (error) connection.close(); // reconnects on its next request
        if (queueHead < queue.length) fire(connection, queue[queueHead++]);
        else idle.push(connection);
        if (settled === total) finish();
      });
    };
    const tick = () => {
      const now = nowMs();
      while (dispatched < total && start + dispatched * interval <= now) {
        const i = dispatched++;
        let connection = idle.pop();
        if (!connection && all.length < maxConnections) {
          connection = new HttpConnection(port);
          all.push(connection);
        }
        if (connection) fire(connection, i);
        else queue.push(i);
      }
      if (dispatched < total) setTimeout(tick, 1);
      else drainTimer = setTimeout(finish, DRAIN_MS);
    };
    setTimeout(tick, 5);
  });
}

async function run(message: RunMessage): Promise<RunResult> {
  const pool = pools[message.workload];
  if (pool.length === 0) throw new Error(`no requests for ${message.workload}`);
  const tally = new Tally();
  const cpu = process.cpuUsage();
  const elu = performance.eventLoopUtilization();
  const unfinished =
    message.mode === 'closed'
      ? (await closedLoop(message, pool, tally), 0)
      : await openLoop(message, pool, tally);
  const used = process.cpuUsage(cpu);
  return {
    type: 'result',
    id: message.id,
    workload: message.workload,
    mode: message.mode,
    connections: message.connections,
    ...(message.rate === undefined ? {} : { targetRate: message.rate }),
    rps: Math.round((tally.measured / message.durationMs) * 1000 * 10) / 10,
    measured: tally.measured,
    latencyMs: tally.latency.summary(),
    latencyByVerdictMs: Object.fromEntries(
      [...tally.byVerdict].map(([verdict, samples]) => [verdict, samples.summary()]),
    ),
    ...(message.mode === 'open' ? { sendLagMs: tally.lag.summary() } : {}),
    status: tally.status,
    non2xx: tally.non2xx,
    errors: tally.errors,
    unfinished,
    ...(tally.sample === undefined ? {} : { sample: tally.sample }),
    verdicts: tally.verdicts,
    okSinceStart,
    matchesSinceStart,
    generator: {
      cpuMs: Math.round((used.user + used.system) / 1000),
      eventLoopUtilization:
        Math.round(performance.eventLoopUtilization(elu).utilization * 1000) / 1000,
    },
  };
}

process.on('message', (message: LoadMessage) => {
  if (message.type === 'init') {
    init(message);
    process.send?.({ type: 'ready' });
    return;
  }
  run(message).then(
    (result) => process.send?.(result),
    (error: unknown) => process.send?.({ type: 'failed', id: message.id, message: String(error) }),
  );
});
process.on('disconnect', () => process.exit(0));
