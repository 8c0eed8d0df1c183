import type { Command } from 'commander';
import { createApp, type App } from '../app.js';
import { loadConfig } from '../config.js';

/** Builds the app from the environment and the global --data flag, runs `fn`, closes it. */
export async function runWithApp<T>(command: Command, fn: (app: App) => Promise<T>): Promise<T> {
  const globals = command.optsWithGlobals<{ data?: string }>();
  const app = await createApp(loadConfig(undefined, { dataDir: globals.data }));
  try {
    return await fn(app);
  } finally {
    await app.close();
  }
}
