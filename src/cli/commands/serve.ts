import type { Command } from 'commander';
import { createApp } from '../../app.js';
import { loadConfig } from '../../config.js';
import { startApi } from '../../server/start-api.js';
import { ensureBootstrapKey } from '../../service/keys.js';

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('run the HTTP API (PORT, HOST; SQLite in the data directory, or DATABASE_URL)')
    .option('--port <n>', 'port (default $PORT or 8080)')
    .option('--host <address>', 'address (default $HOST or 127.0.0.1)')
    .action(async (opts: { port?: string; host?: string }, cmd: Command) => {
      const globals = cmd.optsWithGlobals<{ data?: string }>();
      const config = loadConfig(undefined, { dataDir: globals.data });
      const app = await createApp(config);
      const api = await startApi(app, {
        syncIntervalMs: config.syncIntervalMs,
        requestTimeoutMs: config.requestTimeoutMs,
        logger: false,
      });
      const port = opts.port === undefined ? config.port : Number(opts.port);
      const host = opts.host ?? config.host;
      let address: string;
      try {
        address = await api.server.listen({ port, host });
      } catch (error) {
        await api.close();
        await app.close();
        const code = (error as NodeJS.ErrnoException).code;
        const reason =
          code === 'EADDRINUSE'
            ? `port ${port} on ${host} is already in use (set PORT or --port)`
            : code === 'EADDRNOTAVAIL'
              ? `address ${host} is not available on this machine (set HOST or --host)`
              : error instanceof Error
                ? error.message
                : String(error);
        process.stderr.write(`safeguard: cannot listen: ${reason}\n`);
        process.exitCode = 1;
        return;
      }
      const created = await ensureBootstrapKey({ keyStore: app.keyStore, auditLog: app.auditLog });
      if (created) {
        process.stdout.write(
          `First start: created API key '${created.key.name}' (scope admin). It is shown only this once:\n\n  ${created.token}\n\nStore it now; create narrower keys with \`safeguard keys create\`.\n\n`,
        );
      }
      const index = (await app.matchIndex()).stats();
      process.stdout.write(
        `Safeguard listening on ${address} (${config.store.kind}; ${index.signals.pdq} PDQ, ${index.signals.md5} MD5, ${index.signals.sha256} SHA-256 signals in ${index.banks} banks)\n`,
      );
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
    });
}
