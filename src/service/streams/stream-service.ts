import { SafeguardError } from '../../core/errors.js';
import type { HashLimits } from '../hash-image.js';
import { matchHashes, type MatchOutcome, type MatchReport } from '../match-hashes.js';
import type { MatchIndex } from '../match-index.js';
import { newId } from '../new-id.js';
import type { AuditLog } from '../ports/audit-log.js';
import type { BankStore } from '../ports/bank-store.js';
import type { ImageHasher } from '../ports/image-hasher.js';
import {
  isActiveStatus,
  type StreamEndReason,
  type StreamQuery,
  type StreamRecord,
  type StreamStatus,
  type StreamStore,
} from '../ports/stream-store.js';
import type { VideoDecoder } from '../ports/video-decoder.js';
import type { ScanHashes, ScanResult } from '../scan.js';
import type { WebhookSender } from '../webhooks/send-webhook.js';
import { endOrphanedStreams } from './end-orphaned-streams.js';
import { EventDeliveries } from './event-deliveries.js';
import { createLiveStream, currentRecord, type LiveStream } from './live-stream.js';
import { streamEndedEvent, streamMatchEvent } from './stream-events.js';
import { checkStreamInput, type StreamInput } from './stream-input.js';
import { foldFrameMatches, rememberMatches, signalKey } from './stream-matches.js';
import { watchStream } from './watch-stream.js';

export interface StreamServiceDeps {
  readonly streamStore: StreamStore;
  readonly videoDecoder: Pick<VideoDecoder, 'streamFrames'>;
  readonly hasher: Pick<ImageHasher, 'hashPixels' | 'hashBytes'>;
  readonly matchIndex: MatchIndex;
  readonly bankStore: Pick<BankStore, 'getSignals'>;
  /** Records a matching frame's scan and opens its case (the ScanRecorder). */
  readonly recordScan: (
    result: ScanResult,
    keyId: string | undefined,
  ) => Promise<{ caseId?: number }>;
  readonly auditLog: Pick<AuditLog, 'append'>;
  /** Signs and sends events; undefined when no webhook secret is configured. */
  readonly webhooks: WebhookSender | undefined;
  /** Pixels per frame and bytes per pushed image. */
  readonly limits: HashLimits;
  /** URL schemes a stream may be read over (the decoder's). */
  readonly streamProtocols: readonly string[];
  readonly onError: (error: unknown) => void;
  readonly now?: () => number;
}

export interface StreamServiceOptions {
  /** Streams pulled by this process at once. */
  readonly maxStreams: number;
  /** No frame for this long: stalled. */
  readonly stallTimeoutSec: number;
  /** How often a monitored stream's progress is written to the store, ms. */
  readonly progressIntervalMs?: number;
  /** Longest close() waits for events still being delivered, ms. */
  readonly closeGraceMs?: number;
}

export interface PushedFrameResult {
  readonly streamId: string;
  readonly verdict: MatchOutcome['verdict'];
  readonly matches: readonly MatchReport[];
  readonly reasons: readonly string[];
  readonly hashes: ScanHashes;
  readonly timestamp: number;
  /** The case a newly matched signal opened; absent when nothing new matched. */
  readonly caseId?: number;
}

const finalStatus: Record<StreamEndReason, StreamStatus> = {
  ended: 'ended',
  stalled: 'stalled',
  unreachable: 'failed',
  failed: 'failed',
  stopped: 'stopped',
};

/**
 * Live streams: registered by URL (pulled with ffmpeg by a monitor in this process) or fed by
 * pushed frames. Each frame is PDQ-hashed and matched against every bank; the first frame to
 * show a banked signal records a `stream` scan, opens a case and calls the platform with a
 * signed `stream.match` event — once per signal per stream, not per frame. A stream that ends,
 * stalls or cannot be read is recorded as such and reported with `stream.ended`, never retried.
 * Records live in the stream store; monitoring is per process.
 */
export class StreamService {
  private readonly streams = new Map<string, LiveStream>();
  private readonly events: EventDeliveries;
  private readonly now: () => number;
  private closing = false;
  private reserved = 0;

  constructor(
    private readonly deps: StreamServiceDeps,
    private readonly options: StreamServiceOptions,
  ) {
    this.now = deps.now ?? Date.now;
    this.events = new EventDeliveries(deps.webhooks, deps.onError);
  }

  async register(input: StreamInput, keyId: string | undefined): Promise<StreamRecord> {
    if (this.closing) throw new SafeguardError('unavailable', 'the server is shutting down');
    const checked = checkStreamInput(input, {
      streamProtocols: this.deps.streamProtocols,
      canSign: this.events.enabled,
    });
    const pulled = checked.url !== undefined;
    if (pulled && this.monitorCount() + this.reserved >= this.options.maxStreams) {
      throw new SafeguardError(
        'rate_limited',
        `this server already monitors ${this.options.maxStreams} streams (SAFEGUARD_MAX_STREAMS): stop one or try another node`,
        { maxStreams: this.options.maxStreams },
      );
    }
    const at = this.now();
    // Held while the record is written, so concurrent registrations cannot pass the cap.
    if (pulled) this.reserved++;
    const record = await this.deps.streamStore
      .create({
        id: newId('str', at),
        ...checked,
        ...(input.name === undefined ? {} : { name: input.name }),
        ...(input.contentId === undefined ? {} : { contentId: input.contentId }),
        ...(input.uploaderId === undefined ? {} : { uploaderId: input.uploaderId }),
        ...(keyId === undefined ? {} : { keyId }),
        status: pulled ? 'starting' : 'live',
        createdAt: new Date(at).toISOString(),
      })
      .finally(() => {
        if (pulled) this.reserved--;
      });
    const live = this.track(record);
    if (record.url !== undefined) this.startMonitor(live, record.url);
    return record;
  }

  /** The record, with this process's live counts when it monitors the stream. */
  async get(id: string): Promise<(StreamRecord & { monitored: boolean }) | undefined> {
    const record = await this.deps.streamStore.get(id);
    if (record === undefined) return undefined;
    const live = this.streams.get(id);
    if (live === undefined) return { ...record, monitored: false };
    return { ...currentRecord(live, record), monitored: live.monitor !== undefined };
  }

  async list(query: StreamQuery): Promise<{ streams: StreamRecord[]; next?: string }> {
    const page = await this.deps.streamStore.list(query);
    return {
      ...page,
      streams: page.streams.map((r) => {
        const live = this.streams.get(r.id);
        return live ? currentRecord(live, r) : r;
      }),
    };
  }

  /** Stops monitoring (the ffmpeg process is killed before this returns). Idempotent. */
  async stop(id: string): Promise<StreamRecord> {
    const live = this.streams.get(id);
    if (live?.monitor) {
      live.monitor.controller.abort();
      await live.monitor.done;
    } else {
      const changed = await this.deps.streamStore.setStatus(id, {
        status: 'stopped',
        endReason: 'stopped',
        at: new Date(this.now()).toISOString(),
      });
      if (changed === undefined) throw notFound(id);
      this.streams.delete(id);
    }
    const record = await this.deps.streamStore.get(id);
    if (record === undefined) throw notFound(id);
    return record;
  }

  /** Hashes and matches one pushed frame (an image) of an active stream. */
  async pushFrame(
    id: string,
    bytes: Uint8Array,
    options: { readonly timestamp?: number } = {},
  ): Promise<PushedFrameResult> {
    const record = await this.deps.streamStore.get(id);
    if (record === undefined) throw notFound(id);
    if (!isActiveStatus(record.status)) {
      throw new SafeguardError('conflict', `stream ${id} is ${record.status}: it takes no frames`, {
        status: record.status,
      });
    }
    const live = this.track(record);
    live.pushes++;
    try {
      return await this.handlePushed(live, record, bytes, options.timestamp);
    } finally {
      live.pushes--;
      if (live.pushes === 0 && !live.monitor) this.streams.delete(id);
    }
  }

  private async handlePushed(
    live: LiveStream,
    record: StreamRecord,
    bytes: Uint8Array,
    givenTimestamp: number | undefined,
  ): Promise<PushedFrameResult> {
    const id = record.id;
    // Matches found through another node count as seen here too.
    for (const m of record.matches)
      if (!live.seen.has(signalKey(m))) live.seen.set(signalKey(m), m);
    const arrivedAt = this.now();
    const timestamp = givenTimestamp ?? (arrivedAt - Date.parse(record.createdAt)) / 1000;
    const hashes = await this.deps.hasher.hashBytes(bytes, { limits: this.deps.limits });
    const outcome = await matchHashes(this.deps, {
      pdq: { hash: hashes.pdq, quality: hashes.quality },
      md5: hashes.md5,
      sha256: hashes.sha256,
    });
    const scanHashes = {
      pdq: hashes.pdq,
      quality: hashes.quality,
      md5: hashes.md5,
      sha256: hashes.sha256,
    };
    live.frames = Math.max(live.frames, record.framesSampled) + 1;
    const { caseId } = await this.onFrame(live, outcome, {
      frameNumber: live.frames - 1,
      timestamp,
      arrivedAt,
      hashes: scanHashes,
    });
    if (live.record.status === 'starting') await this.setLive(live);
    await this.save(live);
    return {
      streamId: id,
      verdict: outcome.verdict,
      matches: outcome.matches.map((m) => ({ ...m, timestamps: [timestamp] })),
      reasons: outcome.reasons,
      hashes: scanHashes,
      timestamp,
      ...(caseId === undefined ? {} : { caseId }),
    };
  }

  /** Stops every monitor (their ffmpeg processes are killed) and waits for pending events. */
  async close(): Promise<void> {
    this.closing = true;
    const monitors = [...this.streams.values()].flatMap((l) => (l.monitor ? [l.monitor] : []));
    for (const m of monitors) m.controller.abort();
    await Promise.all(monitors.map((m) => m.done));
    await this.events.settle(this.options.closeGraceMs ?? 3000);
  }

  /** Ends the pulled streams whose node stopped monitoring them; see endOrphanedStreams. */
  endOrphans(): Promise<number> {
    return endOrphanedStreams(
      {
        streamStore: this.deps.streamStore,
        auditLog: this.deps.auditLog,
        events: this.events,
        now: this.now,
      },
      {
        stallTimeoutSec: this.options.stallTimeoutSec,
        isMonitoredHere: (id) => this.streams.get(id)?.monitor !== undefined,
      },
    );
  }

  monitorCount(): number {
    let n = 0;
    for (const live of this.streams.values()) if (live.monitor) n++;
    return n;
  }

  private track(record: StreamRecord): LiveStream {
    const known = this.streams.get(record.id);
    if (known) return known;
    const live = createLiveStream(record, this.now());
    this.streams.set(record.id, live);
    return live;
  }

  private startMonitor(live: LiveStream, url: string): void {
    const controller = new AbortController();
    // Registered while close() ran: ends at once as stopped, no ffmpeg is started.
    if (this.closing) controller.abort();
    const monitor = { controller, done: Promise.resolve() };
    live.monitor = monitor;
    monitor.done = this.runMonitor(live, url, controller.signal)
      .catch((error: unknown) => this.deps.onError(error))
      .finally(() => {
        this.streams.delete(live.record.id);
      });
  }

  private async runMonitor(live: LiveStream, url: string, signal: AbortSignal): Promise<void> {
    const outcome = await watchStream(
      this.deps.videoDecoder,
      {
        url,
        fps: live.record.sampleFps,
        maxPixels: this.deps.limits.maxPixels,
        stallTimeoutSec: this.options.stallTimeoutSec,
        signal,
      },
      async (frame, arrivedAt) => {
        const hash = await this.deps.hasher.hashPixels(frame.image);
        const outcome = await matchHashes(this.deps, {
          pdq: { hash: hash.pdq, quality: hash.quality },
        });
        live.frames++;
        await this.onFrame(live, outcome, {
          frameNumber: frame.frameNumber,
          timestamp: frame.timestamp,
          arrivedAt,
          hashes: { pdq: hash.pdq, quality: hash.quality },
        });
        if (live.record.status === 'starting') await this.setLive(live);
        if (this.now() - live.lastSaved >= (this.options.progressIntervalMs ?? 2000)) {
          const saved = await this.save(live);
          // Stopped through another node: stop here too.
          if (saved && !isActiveStatus(saved.status)) live.monitor?.controller.abort();
        }
      },
      { now: this.now, onError: this.deps.onError },
    );
    await this.save(live);
    const reason: StreamEndReason = outcome.reason;
    const error =
      reason === 'stopped' && this.closing
        ? 'monitoring stopped: the server shut down'
        : outcome.error;
    const at = this.now();
    const change = await this.deps.streamStore.setStatus(live.record.id, {
      status: finalStatus[reason],
      endReason: reason,
      ...(error === undefined ? {} : { error }),
      at: new Date(at).toISOString(),
    });
    if (!change?.changed) return;
    live.record = change.record;
    await this.deps.auditLog.append({
      actor: 'system',
      action: 'stream.ended',
      subject: `stream:${live.record.id}`,
      details: {
        reason,
        status: change.record.status,
        framesSampled: change.record.framesSampled,
        framesDropped: outcome.dropped,
        ...(error === undefined ? {} : { error }),
      },
    });
    // A DELETE needs no event: the platform asked for it. A shutdown does.
    if (reason !== 'stopped' || this.closing) {
      this.events.deliver(
        live.record.callbackUrl,
        streamEndedEvent(change.record, reason, at),
        `stream ${live.record.id}`,
      );
    }
  }

  /** Folds a frame's matches in; a newly matched signal records a scan, a case and an event. */
  private onFrame(
    live: LiveStream,
    outcome: MatchOutcome,
    frame: {
      readonly frameNumber: number;
      readonly timestamp: number;
      readonly arrivedAt: number;
      readonly hashes: ScanHashes;
    },
  ): Promise<{ caseId?: number }> {
    const seenAt = new Date(frame.arrivedAt).toISOString();
    live.lastFrameAt = seenAt;
    const run = live.queue.then(async () => {
      const seen = { timestamp: frame.timestamp, seenAt, verdict: outcome.verdict };
      const fresh = foldFrameMatches(live.seen, outcome.matches, seen);
      if (fresh.length === 0 || outcome.verdict === 'allow') return {};
      const record = live.record;
      const result: ScanResult = {
        scanId: newId('stm', frame.arrivedAt),
        kind: 'stream',
        verdict: outcome.verdict,
        matches: outcome.matches.map((m) => ({ ...m, timestamps: [frame.timestamp] })),
        reasons: outcome.reasons,
        hashes: frame.hashes,
        contentId: record.contentId ?? `stream:${record.id}`,
        ...(record.uploaderId === undefined ? {} : { uploaderId: record.uploaderId }),
        durationMs: this.now() - frame.arrivedAt,
        createdAt: seenAt,
      };
      const { caseId } = await this.deps.recordScan(result, record.keyId);
      rememberMatches(live.seen, fresh, seen, caseId);
      this.events.deliver(
        record.callbackUrl,
        streamMatchEvent(
          record,
          {
            ...frame,
            verdict: outcome.verdict,
            matches: fresh,
            seenAt,
            scanId: result.scanId,
            caseId,
          },
          this.now(),
        ),
        `stream ${record.id}`,
      );
      await this.save(live);
      await this.deps.auditLog.append({
        actor: 'system',
        action: 'stream.match',
        subject: `stream:${record.id}`,
        details: {
          scanId: result.scanId,
          caseId,
          verdict: outcome.verdict,
          timestamp: frame.timestamp,
          banks: [...new Set(fresh.map((m) => m.bank))],
        },
      });
      return caseId === undefined ? {} : { caseId };
    });
    live.queue = run.catch(() => undefined);
    return run;
  }

  private async setLive(live: LiveStream): Promise<void> {
    const change = await this.deps.streamStore.setStatus(live.record.id, {
      status: 'live',
      at: new Date(this.now()).toISOString(),
    });
    if (change) live.record = { ...live.record, status: change.record.status };
    else live.record = { ...live.record, status: 'live' };
  }

  private async save(live: LiveStream): Promise<StreamRecord | undefined> {
    live.lastSaved = this.now();
    return this.deps.streamStore.progress(live.record.id, {
      framesSampled: live.frames,
      ...(live.lastFrameAt === undefined ? {} : { lastFrameAt: live.lastFrameAt }),
      matches: [...live.seen.values()].slice(0, 1000),
    });
  }
}

function notFound(id: string): SafeguardError {
  return new SafeguardError('not_found', `no stream ${id}`);
}
