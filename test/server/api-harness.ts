import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp, type App } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { startApi, type Api } from '../../src/server/start-api.js';
import type { Scope } from '../../src/service/ports/key-store.js';

export interface Harness {
  readonly app: App;
  readonly api: Api;
  /** A token with exactly these scopes. */
  token(...scopes: Scope[]): Promise<string>;
  close(): Promise<void>;
}

/** A real app on a fresh SQLite data directory (or DATABASE_URL's schema when asked). */
export async function startHarness(env: Record<string, string> = {}): Promise<Harness> {
  const dataDir = mkdtempSync(join(tmpdir(), 'safeguard-api-'));
  const config = loadConfig({ SAFEGUARD_MAX_BYTES: String(8 * 1024 * 1024), ...env }, { dataDir });
  const app = await createApp(config);
  const api = await startApi(app, { syncIntervalMs: 50, requestTimeoutMs: 30_000 });
  return {
    app,
    api,
    async token(...scopes) {
      const created = await app.keyStore.create({
        name: `test-${scopes.join('-') || 'none'}`,
        scopes,
      });
      return created.token;
    },
    async close() {
      await api.close();
      await app.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
