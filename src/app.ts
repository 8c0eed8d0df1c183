import type { Atomically } from './service/ports/atomic-stores.js';
import { cacheSignals, type SignalReader } from './service/cached-signals.js';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Config } from './config.js';
import { FfmpegVideoDecoder } from './media/ffmpeg-video-decoder.js';
import { MatchIndex } from './service/match-index.js';
import type { AuditLog } from './service/ports/audit-log.js';
import type { BankStore } from './service/ports/bank-store.js';
import type { CaseStore } from './service/ports/case-store.js';
import type { GroomingStateStore } from './service/ports/grooming-state-store.js';
import type { JobStore } from './service/ports/job-store.js';
import type { KeyStore } from './service/ports/key-store.js';
import type { RecordWriter } from './service/ports/record-writer.js';
import type { ScanStore } from './service/ports/scan-store.js';
import type { StreamStore } from './service/ports/stream-store.js';
import type { VideoDecoder } from './service/ports/video-decoder.js';
import type { VideoScanDeps } from './service/scan-video.js';
import { openStore, type Store } from './store/open-store.js';
import { HashPool } from './worker/hash-pool.js';
import { ThreadRecordWriter } from './worker/thread-record-writer.js';

/**
 * The one place adapters are wired to services. Everything heavy is created on first use:
 * a `bank list` opens the database and nothing else.
 */
export interface App {
  readonly config: Config;
  readonly bankStore: BankStore;
  /** The signals a match reports, remembered (a signal never changes once added). */
  readonly signalReader: SignalReader;
  readonly scanStore: ScanStore;
  readonly caseStore: CaseStore;
  readonly keyStore: KeyStore;
  readonly auditLog: AuditLog;
  /** A change and its audit entries in one transaction. */
  readonly atomically: Atomically;
  readonly streamStore: StreamStore;
  readonly jobStore: JobStore;
  /** Grooming conversation and author state, shared by every node on the database. */
  readonly groomingStateStore: GroomingStateStore;
  /** Loaded (from the store's snapshot) on first call. */
  matchIndex(): Promise<MatchIndex>;
  hasher(): HashPool;
  /** Where the scan recorder writes: a thread of its own on a SQLite file. */
  recordWriter(): RecordWriter;
  readonly videoDecoder: VideoDecoder;
  /** What a video scan needs: decoder, hashing threads, the match index, the limits. */
  videoScanDeps(): Promise<VideoScanDeps>;
  close(): Promise<void>;
}

export async function createApp(config: Config): Promise<App> {
  if (config.store.kind === 'sqlite') {
    await mkdir(dirname(config.store.path), { recursive: true });
  }
  const store: Store = await openStore(config.store);
  let pool: HashPool | undefined;
  let index: Promise<MatchIndex> | undefined;
  const videoDecoder = new FfmpegVideoDecoder({
    ffmpeg: config.video.ffmpeg,
    ffprobe: config.video.ffprobe,
  });
  const signalReader = cacheSignals(store.banks);
  const matchIndex = () => {
    index ??= (async () => {
      const loaded = new MatchIndex({ bankStore: store.banks });
      await loaded.load();
      return loaded;
    })();
    return index;
  };
  const hasher = () => {
    pool ??= new HashPool(config.threads);
    return pool;
  };
  // On a SQLite file, scan records and grooming state are written by a thread (started at its
  // first use); elsewhere by the store itself.
  const thread =
    config.store.kind === 'sqlite' && config.store.path !== ':memory:'
      ? new ThreadRecordWriter(config.store.path)
      : undefined;
  const writer: RecordWriter = thread ?? {
    write: (batch) => store.writeVerdicts(batch),
    close: () => Promise.resolve(),
  };
  return {
    config,
    bankStore: store.banks,
    signalReader,
    scanStore: store.scans,
    caseStore: store.cases,
    keyStore: store.keys,
    auditLog: store.audit,
    atomically: store.atomically,
    streamStore: store.streams,
    jobStore: store.jobs,
    groomingStateStore: thread?.grooming ?? store.grooming,
    matchIndex,
    hasher,
    recordWriter: () => writer,
    videoDecoder,
    async videoScanDeps() {
      return {
        hasher: hasher(),
        videoDecoder,
        matchIndex: await matchIndex(),
        bankStore: signalReader,
        limits: config.video.limits,
        frameIntervalSec: config.video.frameIntervalSec,
        rule: config.video.match,
      };
    },
    async close() {
      await pool?.close();
      await writer.close();
      await store.close();
    },
  };
}
