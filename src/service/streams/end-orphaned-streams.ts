import type { AuditLog } from '../ports/audit-log.js';
import type { StreamRecord, StreamStore } from '../ports/stream-store.js';
import type { EventDeliveries } from './event-deliveries.js';
import { streamEndedEvent } from './stream-events.js';

export interface OrphanSweepDeps {
  readonly streamStore: Pick<StreamStore, 'list' | 'setStatus'>;
  readonly auditLog: Pick<AuditLog, 'append'>;
  readonly events: Pick<EventDeliveries, 'deliver'>;
  readonly now: () => number;
}

export interface OrphanSweepOptions {
  /** The stall timeout monitors use, seconds. */
  readonly stallTimeoutSec: number;
  /** Whether this process monitors the stream (its record is then fresh by definition). */
  readonly isMonitoredHere: (id: string) => boolean;
}

/** A monitored stream's record is written at least this often while frames arrive, ms. */
const MIN_SILENCE_MS = 60_000;

/**
 * Ends the pulled streams no node monitors any more: a node that crashed (or was killed)
 * leaves its streams `starting` or `live` in the store, and nobody else would ever report them.
 * A monitor writes its stream's record every couple of seconds while frames arrive and ends it
 * as stalled after `stallTimeoutSec` without one, so a record silent for much longer than both
 * has no monitor. Such a stream is set `failed` (reason `failed`) and reported with
 * `stream.ended`, once: when several nodes sweep at once, the store lets one change it.
 */
export async function endOrphanedStreams(
  deps: OrphanSweepDeps,
  options: OrphanSweepOptions,
): Promise<number> {
  const now = deps.now();
  const orphans: StreamRecord[] = [];
  for (const status of ['starting', 'live'] as const) {
    let before: string | undefined;
    for (;;) {
      const page = await deps.streamStore.list({
        status,
        limit: 1000,
        ...(before ? { before } : {}),
      });
      for (const record of page.streams) {
        if (record.url === undefined || options.isMonitoredHere(record.id)) continue;
        const silentFor = now - Date.parse(record.updatedAt);
        const allowed = Math.max(
          MIN_SILENCE_MS,
          4 * options.stallTimeoutSec * 1000,
          (3 / record.sampleFps) * 1000,
        );
        if (silentFor > allowed) orphans.push(record);
      }
      if (page.next === undefined) break;
      before = page.next;
    }
  }
  let ended = 0;
  for (const record of orphans) {
    const error = 'no node is monitoring this stream any more (the node that monitored it stopped)';
    const change = await deps.streamStore.setStatus(record.id, {
      status: 'failed',
      endReason: 'failed',
      error,
      at: new Date(now).toISOString(),
    });
    if (!change?.changed) continue;
    ended++;
    await deps.auditLog.append({
      actor: 'system',
      action: 'stream.ended',
      subject: `stream:${record.id}`,
      details: { reason: 'failed', status: 'failed', error, orphaned: true },
    });
    deps.events.deliver(
      record.callbackUrl,
      streamEndedEvent(change.record, 'failed', now),
      `stream ${record.id}`,
    );
  }
  return ended;
}
