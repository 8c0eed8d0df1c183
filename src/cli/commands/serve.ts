import cluster from 'node:cluster';
import { availableParallelism } from 'node:os';
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { createApp, type App } from '../../app.js';
import { loadConfig, type Config } from '../../config.js';
import { superviseWorkers, tellPrimary } from '../../server/cluster.js';
import { startApi, type Api } from '../../server/start-api.js';
import { ensureBootstrapKey } from '../../service/keys.js';

interface ServeFlags {
  port?: string;
  host?: string;
  workers?: number | 'auto';
}

function workerCount(value: string): number | 'auto' {
  if (value === 'auto') return 'auto';
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 64) {
    throw new InvalidArgumentError('must be a number of processes from 1 to 64, or auto');
  }
  return n;
}

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('run the HTTP API (PORT, HOST; SQLite in the data directory, or DATABASE_URL)')
    .option('--port <n>', 'port (default $PORT or 8080)')
    .option('--host <address>', 'address (default $HOST or 127.0.0.1)')
    .option(
      '--workers <n>',
      'server processes sharing the port, or auto (one per core); default $SAFEGUARD_WORKERS or 1',
      workerCount,
    )
    .action(async (opts: ServeFlags, cmd: Command) => {
      const globals = cmd.optsWithGlobals<{ data?: string }>();
      const config = loadConfig(undefined, { dataDir: globals.data });
      const port = opts.port === undefined ? config.port : Number(opts.port);
      const host = opts.host ?? config.host;
      const asked = opts.workers ?? config.workers;
      const workers = asked === 'auto' ? availableParallelism() : asked;
      if (cluster.isWorker) await serveWorker(config, port, host);
      else if (workers > 1) await servePrimary(config, workers);
      else await serveAlone(config, port, host);
    });
}

/** One process serves: the default. */
async function serveAlone(config: Config, port: number, host: string): Promise<void> {
  const app = await createApp(config);
  const api = await startApiOf(app, config, false);
  let address: string;
  try {
    address = await api.server.listen({ port, host });
  } catch (error) {
    await api.close();
    await app.close();
    process.stderr.write(`safeguard: cannot listen: ${listenFailure(error, port, host)}\n`);
    process.exitCode = 1;
    return;
  }
  await printBootstrapKey(app);
  process.stdout.write(`Safeguard listening on ${address} (${await summary(app, config)})\n`);
  stopOnSignals(api, app);
}

/**
 * Several processes serve one port: this one prepares the store (migrations, the first key),
 * then starts and supervises the workers (cluster.ts). Hashing threads are shared out.
 */
async function servePrimary(config: Config, workers: number): Promise<void> {
  const app = await createApp(config);
  try {
    await printBootstrapKey(app);
  } finally {
    await app.close();
  }
  const threads = Math.max(1, Math.floor((config.threads ?? availableParallelism()) / workers));
  process.exitCode = await superviseWorkers({
    workers,
    env: () => ({ SAFEGUARD_THREADS: String(threads) }),
    log: (line) => process.stderr.write(`safeguard: ${line}\n`),
    onListening: (address, text) => {
      process.stdout.write(
        `Safeguard listening on ${address} (${text}; ${workers} worker processes, ${threads} hashing threads each)\n`,
      );
    },
  });
}

/** A worker process of servePrimary: a whole server that reports to the primary. */
async function serveWorker(config: Config, port: number, host: string): Promise<void> {
  let app: App | undefined;
  let api: Api | undefined;
  try {
    app = await createApp(config);
    api = await startApiOf(app, config, true);
    const address = await api.server.listen({ port, host });
    tellPrimary({ type: 'safeguard:listening', address, summary: await summary(app, config) });
  } catch (error) {
    tellPrimary({ type: 'safeguard:start-failed', reason: listenFailure(error, port, host) });
    await api?.close().catch(() => undefined);
    await app?.close().catch(() => undefined);
    process.exit(1);
  }
  stopOnSignals(api, app);
  // The primary is gone (killed): stop rather than serve unsupervised.
  process.once('disconnect', () => process.kill(process.pid, 'SIGTERM'));
}

function startApiOf(app: App, config: Config, clusterMetrics: boolean): Promise<Api> {
  return startApi(app, {
    syncIntervalMs: config.syncIntervalMs,
    requestTimeoutMs: config.requestTimeoutMs,
    logger: false,
    clusterMetrics,
  });
}

async function printBootstrapKey(app: App): Promise<void> {
  const created = await ensureBootstrapKey({
    keyStore: app.keyStore,
    auditLog: app.auditLog,
    atomically: app.atomically,
  });
  if (created) {
    process.stdout.write(
      `First start: created API key '${created.key.name}' (scope admin). It is shown only this once:\n\n  ${created.token}\n\nStore it now; create narrower keys with \`safeguard keys create\`.\n\n`,
    );
  }
}

async function summary(app: App, config: Config): Promise<string> {
  const index = (await app.matchIndex()).stats();
  return `${config.store.kind}; ${index.signals.pdq} PDQ, ${index.signals.md5} MD5, ${index.signals.sha256} SHA-256 signals in ${index.banks} banks`;
}

function listenFailure(error: unknown, port: number, host: string): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === 'EADDRINUSE'
    ? `port ${port} on ${host} is already in use (set PORT or --port)`
    : code === 'EADDRNOTAVAIL'
      ? `address ${host} is not available on this machine (set HOST or --host)`
      : error instanceof Error
        ? error.message
        : String(error);
}

/** SIGINT/SIGTERM: stop taking requests, write what is buffered, exit. */
function stopOnSignals(api: Api, app: App): void {
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    void api
      .close()
      .then(() => app.close())
      .then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
