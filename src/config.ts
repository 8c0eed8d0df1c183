import { z } from 'zod';

/**
 * The only reader of process.env. Parses every setting with zod, reports every bad key at
 * once, returns a frozen typed object.
 */

const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);

const envSchema = z.object({
  SAFEGUARD_DATA_DIR: z.string().min(1).default('./data'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
    .optional(),
  /** PostgreSQL schema for Safeguard's tables (default public): several instances, one database. */
  SAFEGUARD_DB_SCHEMA: z
    .string()
    .regex(/^[a-z_][a-z0-9_]{0,62}$/, 'must be a lowercase SQL identifier')
    .optional(),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'must be a redis:// URL')
    .optional(),
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  /** Address to listen on; 0.0.0.0 to accept connections from other hosts. */
  HOST: z.string().min(1).default('127.0.0.1'),
  /** How often each server applies bank changes made through other nodes, ms. */
  SAFEGUARD_SYNC_INTERVAL_MS: z.coerce.number().int().min(10).max(60_000).default(250),
  /** Longest a request may take, ms. */
  SAFEGUARD_REQUEST_TIMEOUT_MS: z.coerce.number().int().min(100).default(30_000),
  /** Largest image accepted, in decoded pixels (width*height). */
  SAFEGUARD_MAX_PIXELS: positiveInt(64_000_000),
  /** Largest file accepted, in bytes. */
  SAFEGUARD_MAX_BYTES: positiveInt(64 * 1024 * 1024),
  /** Hashing threads; default: one per core. */
  SAFEGUARD_THREADS: z.coerce.number().int().min(1).max(256).optional(),
});

export type StoreConfig =
  { kind: 'sqlite'; path: string } | { kind: 'postgres'; url: string; schema?: string };

export interface Config {
  readonly dataDir: string;
  readonly store: StoreConfig;
  readonly redisUrl: string | undefined;
  readonly port: number;
  readonly host: string;
  readonly syncIntervalMs: number;
  readonly requestTimeoutMs: number;
  readonly limits: { readonly maxPixels: number; readonly maxBytes: number };
  readonly threads: number | undefined;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly issues: string[]) {
    super(`invalid configuration:\n${issues.map((i) => `  - ${i}`).join('\n')}`);
  }
}

export function loadConfig(
  env: Record<string, string | undefined> = process.env,
  overrides: { dataDir?: string } = {},
): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`),
    );
  }
  const e = parsed.data;
  const dataDir = overrides.dataDir ?? e.SAFEGUARD_DATA_DIR;
  const store: StoreConfig = e.DATABASE_URL
    ? { kind: 'postgres', url: e.DATABASE_URL, schema: e.SAFEGUARD_DB_SCHEMA }
    : { kind: 'sqlite', path: `${dataDir.replace(/\/+$/, '')}/safeguard.sqlite` };
  return Object.freeze({
    dataDir,
    store,
    redisUrl: e.REDIS_URL,
    port: e.PORT,
    host: e.HOST,
    syncIntervalMs: e.SAFEGUARD_SYNC_INTERVAL_MS,
    requestTimeoutMs: e.SAFEGUARD_REQUEST_TIMEOUT_MS,
    limits: Object.freeze({ maxPixels: e.SAFEGUARD_MAX_PIXELS, maxBytes: e.SAFEGUARD_MAX_BYTES }),
    threads: e.SAFEGUARD_THREADS,
  });
}
