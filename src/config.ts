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
  /** `safeguard serve` processes sharing the port (node:cluster): a number, or auto (one per core). */
  SAFEGUARD_WORKERS: z
    .string()
    .default('1')
    .transform((value, ctx): number | 'auto' => {
      if (value === 'auto') return 'auto';
      const n = Number(value);
      if (/^\d+$/.test(value) && n >= 1 && n <= 64) return n;
      ctx.addIssue({
        code: 'custom',
        message: 'must be a number of processes from 1 to 64, or auto',
      });
      return z.NEVER;
    }),
  /** Hashing threads; default: one per core (shared out among serve's worker processes). */
  SAFEGUARD_THREADS: z.coerce.number().int().min(1).max(256).optional(),
  /**
   * Grooming: conversations whose state each server process caches in memory (the state itself
   * is in the database; the ones idle longest leave the cache first).
   */
  SAFEGUARD_GROOMING_MAX_CONVERSATIONS: positiveInt(100_000),
  /** The ffmpeg and ffprobe executables (names on PATH or paths). */
  SAFEGUARD_FFMPEG: z.string().min(1).default('ffmpeg'),
  SAFEGUARD_FFPROBE: z.string().min(1).default('ffprobe'),
  /** Largest video accepted, in bytes. */
  SAFEGUARD_MAX_VIDEO_BYTES: positiveInt(1024 * 1024 * 1024),
  /** Longest video accepted, in seconds. */
  SAFEGUARD_MAX_VIDEO_SECONDS: positiveInt(6 * 3600),
  /** Seconds between hashed video frames (vPDQ); 0 hashes every frame. */
  SAFEGUARD_VIDEO_FRAME_INTERVAL_SEC: z.coerce.number().min(0).max(60).default(1),
  /** Videos up to this long are scanned in the request; longer ones become background jobs. */
  SAFEGUARD_VIDEO_SYNC_SECONDS: z.coerce.number().min(0).default(60),
  /** vPDQ match rule: share of the upload (query) or of the banked video (target), percent. */
  SAFEGUARD_VPDQ_QUERY_PCT: z.coerce.number().min(0).max(100).default(80),
  SAFEGUARD_VPDQ_TARGET_PCT: z.coerce.number().min(0).max(100).default(80),
  /** Fewest matched frames for a vPDQ match. */
  SAFEGUARD_VPDQ_MIN_FRAMES: positiveInt(2),
  /**
   * Key that signs webhooks (HMAC-SHA256): job results and live-stream events. At least 32
   * characters. Without it, requests that ask for a callback are refused.
   */
  SAFEGUARD_WEBHOOK_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  /**
   * Serve /metrics without a key (a Prometheus on a private network that cannot send one).
   * Default: a key with scope `metrics` (or admin) is needed.
   */
  SAFEGUARD_METRICS_PUBLIC: z
    .enum(['true', 'false', '1', '0'], { error: 'must be true, false, 1 or 0' })
    .default('false')
    .transform((v) => v === 'true' || v === '1'),
  /** Live streams one server monitors at once (pulled by URL; pushed frames do not count). */
  SAFEGUARD_MAX_STREAMS: positiveInt(16),
  /** A monitored stream that gives no frame for this long is reported stalled, seconds. */
  SAFEGUARD_STREAM_STALL_SEC: z.coerce.number().min(0.5).max(600).default(15),
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
  /** Server processes of `safeguard serve`. */
  readonly workers: number | 'auto';
  /** /metrics without a key. */
  readonly metricsPublic: boolean;
  readonly video: VideoConfig;
  readonly grooming: { readonly maxConversations: number };
  /** Never logged. */
  readonly webhookSecret: string | undefined;
  readonly streams: StreamsConfig;
}

export interface StreamsConfig {
  readonly maxStreams: number;
  readonly stallTimeoutSec: number;
}

export interface VideoConfig {
  readonly ffmpeg: string;
  readonly ffprobe: string;
  /** The three limits a video is held to: frame pixels, file bytes, duration. */
  readonly limits: {
    readonly maxPixels: number;
    readonly maxBytes: number;
    readonly maxDurationSec: number;
  };
  readonly frameIntervalSec: number;
  readonly syncMaxSec: number;
  readonly match: {
    readonly queryPct: number;
    readonly targetPct: number;
    readonly minFrames: number;
  };
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
    workers: e.SAFEGUARD_WORKERS,
    video: Object.freeze({
      ffmpeg: e.SAFEGUARD_FFMPEG,
      ffprobe: e.SAFEGUARD_FFPROBE,
      limits: Object.freeze({
        maxPixels: e.SAFEGUARD_MAX_PIXELS,
        maxBytes: e.SAFEGUARD_MAX_VIDEO_BYTES,
        maxDurationSec: e.SAFEGUARD_MAX_VIDEO_SECONDS,
      }),
      frameIntervalSec: e.SAFEGUARD_VIDEO_FRAME_INTERVAL_SEC,
      syncMaxSec: e.SAFEGUARD_VIDEO_SYNC_SECONDS,
      match: Object.freeze({
        queryPct: e.SAFEGUARD_VPDQ_QUERY_PCT,
        targetPct: e.SAFEGUARD_VPDQ_TARGET_PCT,
        minFrames: e.SAFEGUARD_VPDQ_MIN_FRAMES,
      }),
    }),
    webhookSecret: e.SAFEGUARD_WEBHOOK_SECRET,
    metricsPublic: e.SAFEGUARD_METRICS_PUBLIC,
    grooming: Object.freeze({
      maxConversations: e.SAFEGUARD_GROOMING_MAX_CONVERSATIONS,
    }),
    streams: Object.freeze({
      maxStreams: e.SAFEGUARD_MAX_STREAMS,
      stallTimeoutSec: e.SAFEGUARD_STREAM_STALL_SEC,
    }),
  });
}
