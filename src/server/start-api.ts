import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { App } from '../app.js';
import { GroomingService } from '../service/grooming/grooming-service.js';
import { loadGroomingModel } from '../service/grooming/model-file.js';
import { STREAM_PROTOCOLS } from '../media/ffmpeg-video-decoder.js';
import { ScanRecorder } from '../service/scan-recorder.js';
import { scanVideoFile } from '../service/scan-video.js';
import { VideoScanJobs } from '../service/video-scan-jobs.js';
import { toResponse } from './routes/scan.js';
import { StreamService } from '../service/streams/stream-service.js';
import { createWebhookSender } from '../service/webhooks/send-webhook.js';
import { createAuditRecorder } from './audit-recorder.js';
import { clusterMetrics } from './cluster.js';
import { createServer } from './create-server.js';
import { createKeyAuthenticator } from './key-authenticator.js';
import { Metrics } from './metrics.js';

export interface ApiOptions {
  /** How often the match index polls the store for bank changes from other nodes, ms. */
  readonly syncIntervalMs: number;
  readonly requestTimeoutMs: number;
  readonly logger?: boolean;
  /** This process is one of several workers (node:cluster): /metrics covers all of them. */
  readonly clusterMetrics?: boolean;
}

export interface Api {
  readonly server: FastifyInstance;
  /** Writes the scans and verdict audit entries still buffered. */
  flush(): Promise<void>;
  /** Background video scans (tests wait for them with `idle()`). */
  readonly videoJobs: VideoScanJobs;
  /** Stops following, flushes recorded scans, closes the server (not the app). */
  close(): Promise<void>;
}

/** Wires the HTTP API onto an app: the match index, hashing threads, stores, audit. */
export async function startApi(app: App, options: ApiOptions): Promise<Api> {
  const matchIndex = await app.matchIndex();
  const metrics = new Metrics();
  metrics.beforeCollect(() => {
    const stats = matchIndex.stats();
    for (const [type, n] of Object.entries(stats.signals)) metrics.indexSignals.set({ type }, n);
    metrics.indexSeq.set(stats.seq);
  });
  const authenticator = createKeyAuthenticator(app.keyStore);
  const audit = createAuditRecorder(app.auditLog, app.atomically);
  const logError = (error: unknown) => {
    process.stderr.write(`safeguard: ${error instanceof Error ? error.message : String(error)}\n`);
  };
  const writer = app.recordWriter();
  const recorder = new ScanRecorder({ writer, onError: logError });
  const stopFollowing = matchIndex.follow(options.syncIntervalMs, logError);
  const streams = new StreamService(
    {
      streamStore: app.streamStore,
      videoDecoder: app.videoDecoder,
      hasher: app.hasher(),
      matchIndex,
      bankStore: app.signalReader,
      recordScan: async (result, keyId) => {
        metrics.verdicts.inc({ kind: result.kind, verdict: result.verdict });
        return recorder.record(result, keyId);
      },
      auditLog: app.auditLog,
      webhooks:
        app.config.webhookSecret === undefined
          ? undefined
          : createWebhookSender({ secret: app.config.webhookSecret }),
      limits: app.config.limits,
      streamProtocols: STREAM_PROTOCOLS,
      onError: logError,
    },
    app.config.streams,
  );
  // Streams whose node died are reported ended (at start, then every minute), not left live.
  const sweepOrphans = () => {
    streams.endOrphans().catch(logError);
  };
  sweepOrphans();
  const orphanSweep = setInterval(sweepOrphans, 60_000);
  orphanSweep.unref();
  const videoDeps = await app.videoScanDeps();
  const videoJobs = new VideoScanJobs({
    jobStore: app.jobStore,
    scan: (path, meta, signal) => scanVideoFile(videoDeps, path, meta, { signal }),
    record: async (result, keyId) => {
      metrics.verdicts.inc({ kind: result.kind, verdict: result.verdict });
      const { caseId } = await recorder.record(result, keyId);
      return toResponse(result, caseId);
    },
    webhooks:
      app.config.webhookSecret === undefined
        ? undefined
        : createWebhookSender({ secret: app.config.webhookSecret }),
    onError: logError,
  });
  await videoJobs.resume();
  const server = await createServer({
    metrics,
    logger: options.logger ?? false,
    limits: { maxBytes: app.config.limits.maxBytes, requestTimeoutMs: options.requestTimeoutMs },
    scan: {
      scan: {
        hasher: app.hasher(),
        matchIndex,
        bankStore: app.signalReader,
        limits: app.config.limits,
      },
      authenticator,
      maxBytes: app.config.limits.maxBytes,
      video: {
        maxBytes: app.config.video.limits.maxBytes,
        spoolDir: join(app.config.dataDir, 'spool'),
        syncMaxSec: app.config.video.syncMaxSec,
        probe: (path) => app.videoDecoder.probe(path, videoDeps.limits),
        // A scan in the request stops with it: a file whose header lies about its length
        // cannot keep decoding after the client was answered.
        scan: (path, meta, info) =>
          scanVideoFile(videoDeps, path, meta, {
            info,
            signal: AbortSignal.timeout(options.requestTimeoutMs),
          }),
        jobs: videoJobs,
        jobStore: app.jobStore,
        webhooks: app.config.webhookSecret !== undefined,
      },
      onScanned: async (request, result) => {
        metrics.verdicts.inc({ kind: result.kind, verdict: result.verdict });
        return recorder.record(result, request.principal?.keyId);
      },
    },
    banks: { bankStore: app.bankStore, authenticator, audit },
    cases: {
      caseStore: app.caseStore,
      scanStore: app.scanStore,
      authenticator,
      audit,
      pendingScan: (id) => recorder.pending(id),
    },
    conversations: {
      grooming: new GroomingService(
        loadGroomingModel(),
        {
          caseStore: app.caseStore,
          auditLog: app.auditLog,
          stateStore: app.groomingStateStore,
          atomically: app.atomically,
        },
        { cacheSize: app.config.grooming.maxConversations },
      ),
      authenticator,
    },
    streams: { streams, authenticator, audit, maxBytes: app.config.limits.maxBytes },
    health: {
      ready: async () => {
        await app.bankStore.currentSeq();
      },
      ...(options.clusterMetrics ? { render: clusterMetrics(metrics.registry) } : {}),
      ...(app.config.metricsPublic ? {} : { metricsAuthenticator: authenticator }),
    },
  });
  return {
    server,
    flush: () => recorder.flush(),
    videoJobs,
    async close() {
      stopFollowing();
      clearInterval(orphanSweep);
      await streams.close();
      await videoJobs.close();
      await server.close();
      await recorder.close();
    },
  };
}
