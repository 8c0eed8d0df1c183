import cluster, { type Worker } from 'node:cluster';
import { AggregatorRegistry, type Registry } from 'prom-client';

/**
 * Several server processes on one port (node:cluster). The primary process supervises: it
 * starts the workers, reports when all of them listen, replaces one that dies, stops them all
 * on SIGINT/SIGTERM, and answers /metrics for the whole group (each worker counts its own
 * requests; the primary adds them up). Each worker is a whole server: its own match index
 * (following the store's change log like any other node), hashing threads and recording
 * thread; what must be shared (banks, keys, scans, cases, audit chain, jobs, streams, grooming
 * state) is in the store.
 */

/** What workers and the primary tell each other over the cluster's IPC channel. */
export type ClusterMessage =
  | { readonly type: 'safeguard:listening'; readonly address: string; readonly summary: string }
  | { readonly type: 'safeguard:start-failed'; readonly reason: string }
  | { readonly type: 'safeguard:metrics-request'; readonly id: number }
  | {
      readonly type: 'safeguard:metrics';
      readonly id: number;
      readonly text?: string;
      readonly contentType?: string;
      readonly error?: string;
    };

function isClusterMessage(value: unknown): value is ClusterMessage {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { type?: unknown }).type === 'string' &&
    (value as { type: string }).type.startsWith('safeguard:')
  );
}

export interface SuperviseOptions {
  /** Worker processes to run. */
  readonly workers: number;
  /** Extra environment of worker `index` (0-based; a replacement keeps its index). */
  readonly env: (index: number) => Record<string, string>;
  /** Progress and trouble, one line each (stderr). */
  readonly log: (line: string) => void;
  /** Once, when every worker listens: the address and the first worker's summary. */
  readonly onListening: (address: string, summary: string) => void;
  /** A worker that dies this many times within `restartWindowMs` stops the whole group. */
  readonly maxRestarts?: number;
  readonly restartWindowMs?: number;
  /** How long workers get to finish (flush recorded scans) when stopping, ms. */
  readonly stopTimeoutMs?: number;
}

/**
 * Runs the primary: forks the workers and supervises them until SIGINT/SIGTERM (resolves 0
 * when all stopped) or a failure to start or repeated crashes (resolves 1).
 */
export function superviseWorkers(options: SuperviseOptions): Promise<number> {
  const maxRestarts = options.maxRestarts ?? 5;
  const restartWindowMs = options.restartWindowMs ?? 60_000;
  const stopTimeoutMs = options.stopTimeoutMs ?? 30_000;
  const metrics = new AggregatorRegistry();
  const indexOf = new Map<Worker, number>();
  const listening = new Set<Worker>();
  const restarts: number[] = [];
  let allListening = false;
  let stopping = false;
  let exitCode = 0;

  return new Promise<number>((resolve) => {
    const fork = (index: number) => {
      const worker = cluster.fork(options.env(index));
      indexOf.set(worker, index);
      worker.on('message', (message: unknown) => {
        if (isClusterMessage(message)) onMessage(worker, message);
      });
      worker.on('exit', (code, signal) => {
        onExit(worker, code, signal);
      });
    };

    const onMessage = (worker: Worker, message: ClusterMessage) => {
      switch (message.type) {
        case 'safeguard:listening':
          listening.add(worker);
          if (!allListening && listening.size === options.workers) {
            allListening = true;
            options.onListening(message.address, message.summary);
          }
          break;
        case 'safeguard:start-failed':
          options.log(`worker ${indexOf.get(worker)} could not start: ${message.reason}`);
          stop(1);
          break;
        case 'safeguard:metrics-request':
          metrics.clusterMetrics().then(
            (text) => {
              send(worker, {
                type: 'safeguard:metrics',
                id: message.id,
                text,
                contentType: metrics.contentType,
              });
            },
            (error: unknown) => {
              send(worker, {
                type: 'safeguard:metrics',
                id: message.id,
                error: error instanceof Error ? error.message : String(error),
              });
            },
          );
          break;
        case 'safeguard:metrics':
          break;
      }
    };

    const onExit = (worker: Worker, code: number | null, signal: string | null) => {
      const index = indexOf.get(worker) ?? 0;
      indexOf.delete(worker);
      const wasListening = listening.delete(worker);
      if (stopping) {
        if (indexOf.size === 0) {
          clearTimeout(forceKill);
          process.off('SIGINT', onSignal);
          process.off('SIGTERM', onSignal);
          resolve(exitCode);
        }
        return;
      }
      const how = signal === null ? `exit code ${code}` : `signal ${signal}`;
      if (!allListening && !wasListening) {
        options.log(`worker ${index} stopped before it listened (${how})`);
        stop(1);
        return;
      }
      const now = Date.now();
      restarts.push(now);
      while (restarts.length > 0 && restarts[0] < now - restartWindowMs) restarts.shift();
      if (restarts.length > maxRestarts) {
        options.log(
          `worker ${index} stopped (${how}); ${restarts.length} workers stopped within ${restartWindowMs / 1000} s: giving up`,
        );
        stop(1);
        return;
      }
      options.log(`worker ${index} stopped (${how}); starting another`);
      fork(index);
    };

    let forceKill: NodeJS.Timeout | undefined;
    const stop = (code: number) => {
      exitCode = Math.max(exitCode, code);
      if (stopping) return;
      stopping = true;
      for (const worker of indexOf.keys()) worker.process.kill('SIGTERM');
      forceKill = setTimeout(() => {
        for (const worker of indexOf.keys()) {
          options.log(`worker ${indexOf.get(worker)} did not stop in time: killed`);
          worker.process.kill('SIGKILL');
        }
      }, stopTimeoutMs);
      forceKill.unref();
      if (indexOf.size === 0) resolve(exitCode);
    };
    const onSignal = () => {
      stop(0);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);

    for (let i = 0; i < options.workers; i++) fork(i);
  });
}

function send(worker: Worker, message: ClusterMessage): void {
  if (worker.isConnected()) worker.send(message);
}

/** In a worker: tells the primary. */
export function tellPrimary(message: ClusterMessage): void {
  process.send?.(message);
}

/**
 * In a worker: makes `registry` the one the primary aggregates, and returns what /metrics
 * serves — the whole group's metrics, asked of the primary.
 */
export function clusterMetrics(
  registry: Registry,
  timeoutMs = 10_000,
): () => Promise<{ text: string; contentType: string }> {
  AggregatorRegistry.setRegistries([registry]);
  // prom-client answers the primary's requests once an AggregatorRegistry exists here.
  new AggregatorRegistry();
  let nextId = 1;
  const waiting = new Map<
    number,
    { resolve: (value: { text: string; contentType: string }) => void; reject: (e: Error) => void }
  >();
  process.on('message', (message: unknown) => {
    if (!isClusterMessage(message) || message.type !== 'safeguard:metrics') return;
    const waiter = waiting.get(message.id);
    if (!waiter) return;
    waiting.delete(message.id);
    if (message.text === undefined) {
      waiter.reject(new Error(`metrics of the other workers: ${message.error ?? 'no answer'}`));
    } else {
      waiter.resolve({
        text: message.text,
        contentType: message.contentType ?? registry.contentType,
      });
    }
  });
  return () =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      const timer = setTimeout(() => {
        waiting.delete(id);
        reject(new Error('metrics of the other workers: the primary process did not answer'));
      }, timeoutMs);
      waiting.set(id, {
        resolve: (value) => {
          clearTimeout(timer);
          resolve(value);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
      tellPrimary({ type: 'safeguard:metrics-request', id });
    });
}
