/**
 * Runs the upload app:
 *
 *     SAFEGUARD_URL=http://127.0.0.1:8080 SAFEGUARD_KEY=sg_... PORT=3000 \
 *       node --import tsx examples/upload-app/server.ts
 */
import type { AddressInfo } from 'node:net';
import { createClient } from '../../src/sdk/index.js';
import { createUploadApp } from './app.js';

const url = process.env.SAFEGUARD_URL;
const key = process.env.SAFEGUARD_KEY;
const port = Number(process.env.PORT ?? 3000);
const host = process.env.HOST ?? '127.0.0.1';
if (!url || !key || !Number.isInteger(port) || port < 0) {
  console.error('upload-app: set SAFEGUARD_URL, SAFEGUARD_KEY (scope scan) and PORT');
  process.exit(2);
}

const client = createClient({ url, key, timeoutMs: 15_000 });
const { app } = createUploadApp({ client });
const server = app.listen(port, host, (error?: Error) => {
  if (error) {
    console.error(`upload-app: ${error.message}`);
    process.exit(1);
  }
  const address = server.address() as AddressInfo;
  console.log(`upload-app listening on http://${host}:${address.port} (Safeguard at ${url})`);
});

const stop = () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
