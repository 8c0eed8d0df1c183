import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../../src/app.js';
import { loadConfig } from '../../../src/config.js';
import type { RawImage } from '../../../src/core/hash/luma.js';
import type { DecodedFrame, VideoDecoder } from '../../../src/service/ports/video-decoder.js';
import { ScanRecorder } from '../../../src/service/scan-recorder.js';
import { StreamService } from '../../../src/service/streams/stream-service.js';
import type { WebhookEvent, WebhookSender } from '../../../src/service/webhooks/send-webhook.js';
import { pdqDataDir } from '../../support/shared.js';
import { eventually } from './live-stream-fixture.js';

const BANKED = join(pdqDataDir, 'data/bridge-mods/aaa-orig.jpg');

let app: App;
let dataDir: string;
let banked: RawImage;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'safeguard-streams-'));
  app = await createApp(loadConfig({}, { dataDir }));
  const bank = await app.bankStore.createBank({ name: 'svc-bank', action: 'review' });
  const hashed = await app.hasher().hashFile(BANKED, { limits: app.config.limits });
  await app.bankStore.addSignals(bank.id, [{ type: 'pdq', value: hashed.pdq }]);
  await (await app.matchIndex()).sync();
  const { data, info } = await sharp(BANKED)
    .resize(320, 200, { fit: 'fill' })
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  banked = { width: info.width, height: info.height, channels: 3, data: new Uint8Array(data) };
});

afterAll(async () => {
  await app?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

/** Gives a copy of the banked frame every `everyMs` until stopped. */
function endlessDecoder(everyMs: number): Pick<VideoDecoder, 'streamFrames'> & {
  signals: AbortSignal[];
} {
  const signals: AbortSignal[] = [];
  return {
    signals,
    async *streamFrames(_url, options) {
      const signal = options.signal!;
      signals.push(signal);
      for (let n = 0; !signal.aborted; n++) {
        await new Promise((r) => setTimeout(r, everyMs));
        if (signal.aborted) break;
        const frame: DecodedFrame = {
          frameNumber: n,
          timestamp: n / options.fps,
          image: { ...banked, data: banked.data.slice() },
        };
        yield frame;
      }
      signal.throwIfAborted();
    },
  };
}

function recordingSender(): WebhookSender & { sent: Array<{ url: string; event: WebhookEvent }> } {
  const sent: Array<{ url: string; event: WebhookEvent }> = [];
  return {
    sent,
    send(url, event) {
      sent.push({ url, event });
      return Promise.resolve({ ok: true, attempts: 1, status: 204 });
    },
  };
}

async function service(
  decoder: Pick<VideoDecoder, 'streamFrames'>,
  sender: WebhookSender,
  now?: () => number,
) {
  const recorder = new ScanRecorder({
    writer: app.recordWriter(),
    onError: (error) => expect.fail(String(error)),
  });
  return new StreamService(
    {
      streamStore: app.streamStore,
      videoDecoder: decoder,
      hasher: app.hasher(),
      matchIndex: await app.matchIndex(),
      bankStore: app.bankStore,
      recordScan: (result, keyId) => recorder.record(result, keyId),
      auditLog: app.auditLog,
      webhooks: sender,
      limits: app.config.limits,
      streamProtocols: ['tcp'],
      onError: (error) => expect.fail(String(error)),
      ...(now === undefined ? {} : { now }),
    },
    { maxStreams: 4, stallTimeoutSec: 5, progressIntervalMs: 100 },
  );
}

describe('StreamService', () => {
  it('opens one case and sends one event for a signal shown by many frames; a stop through another node ends the monitor', async () => {
    const decoder = endlessDecoder(20);
    const sender = recordingSender();
    const here = await service(decoder, sender);
    const other = await service(endlessDecoder(20), recordingSender());
    const record = await here.register(
      { url: 'tcp://127.0.0.1:9/live', callbackUrl: 'http://platform.test/hooks', sampleFps: 4 },
      'key-1',
    );
    const matched = await eventually(
      () => here.get(record.id),
      (r) => (r?.matches[0]?.frames ?? 0) >= 10,
      10_000,
    );
    expect(matched).toMatchObject({ status: 'live', monitored: true });
    expect(matched?.matches).toHaveLength(1);
    expect(matched?.matches[0]).toMatchObject({ bank: 'svc-bank', verdict: 'review' });

    // Another node sees the stored record (progress is saved as frames arrive) and stops it.
    const seenElsewhere = await other.get(record.id);
    expect(seenElsewhere).toMatchObject({ monitored: false, status: 'live' });
    expect(seenElsewhere?.framesSampled).toBeGreaterThan(0);
    expect((await other.stop(record.id)).status).toBe('stopped');
    await eventually(
      () => Promise.resolve(here.monitorCount()),
      (n) => n === 0,
      3000,
    );
    expect(here.monitorCount()).toBe(0);
    expect(decoder.signals[0].aborted).toBe(true);

    const final = await app.streamStore.get(record.id);
    expect(final).toMatchObject({ status: 'stopped', endReason: 'stopped' });
    const caseId = final?.matches[0].caseId;
    expect(caseId).toBeGreaterThan(0);
    const opened = await app.caseStore.get(caseId!);
    expect(opened).toMatchObject({ verdict: 'review', banks: ['svc-bank'] });
    expect(sender.sent.map((s) => s.event.type)).toEqual(['stream.match']);
    const audit = await app.auditLog.list({ action: 'stream.match', limit: 100 });
    expect(audit.filter((e) => e.subject === `stream:${record.id}`)).toHaveLength(1);

    await here.close();
    await other.close();
  });

  it('ends a pulled stream no node monitors any more (its node died), once, with stream.ended', async () => {
    const created = new Date().toISOString();
    const orphan = await app.streamStore.create({
      id: 'str_orphan_1',
      url: 'tcp://127.0.0.1:9/dead',
      callbackUrl: 'http://platform.test/hooks',
      sampleFps: 1,
      status: 'live',
      createdAt: created,
    });
    const pushed = await app.streamStore.create({
      id: 'str_pushed_1',
      sampleFps: 1,
      status: 'live',
      createdAt: created,
    });
    // Now: both records are fresh, nothing is ended.
    const sender = recordingSender();
    const now = await service(endlessDecoder(20), sender);
    expect(await now.endOrphans()).toBe(0);
    // Ten minutes on, nothing wrote the pulled stream's record: no node monitors it.
    const later = await service(endlessDecoder(20), sender, () => Date.now() + 600_000);
    expect(await later.endOrphans()).toBe(1);
    expect(await later.endOrphans()).toBe(0);
    expect(await app.streamStore.get(orphan.id)).toMatchObject({
      status: 'failed',
      endReason: 'failed',
      error: expect.stringMatching(/no node is monitoring this stream/) as unknown,
    });
    expect((await app.streamStore.get(pushed.id))?.status).toBe('live');
    await eventually(
      () => Promise.resolve(sender.sent.length),
      (n) => n === 1,
      3000,
    );
    expect(sender.sent[0].event).toMatchObject({
      type: 'stream.ended',
      data: { streamId: orphan.id, reason: 'failed' },
    });
    await now.close();
    await later.close();
  });
});
