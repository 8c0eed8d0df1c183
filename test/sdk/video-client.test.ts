import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { vpdqSignalValue } from '../../src/core/video/vpdq.js';
import { createClient, verifyWebhook, type SafeguardClient } from '../../src/sdk/index.js';
import { hashVideoFile } from '../../src/service/hash-video.js';
import { signWebhook } from '../../src/service/webhooks/sign-webhook.js';
import { startHarness, type Harness } from '../server/api-harness.js';
import { pdqDataDir, readExpected, sharedDir } from '../support/shared.js';

const sample = (name: string) => join(sharedDir, 'testdata/vpdq/videos', `${name}.mp4`);
let h: Harness;
let sg: SafeguardClient;
let url: string;

beforeAll(async () => {
  // Every video over 1 s is scanned in the background: the client must wait for the job.
  h = await startHarness({ SAFEGUARD_VIDEO_SYNC_SECONDS: '1' });
  url = await h.api.server.listen({ port: 0, host: '127.0.0.1' });
  sg = createClient({ url, key: await h.token('scan') });
  const bank = await h.app.bankStore.createBank({ name: 'videos' });
  const hashed = await hashVideoFile(
    { videoDecoder: h.app.videoDecoder, hasher: h.app.hasher() },
    sample('pattern-sd-grey-bar'),
    { everySec: 1, limits: { maxPixels: 64e6, maxDurationSec: 600, maxBytes: 1 << 30 } },
  );
  await h.app.bankStore.addSignals(bank.id, [
    { type: 'vpdq', value: vpdqSignalValue(hashed.frames) },
  ]);
  await (await h.app.matchIndex()).sync();
}, 60_000);
afterAll(() => h.close());

describe('SDK with videos', () => {
  it('scan() waits for a background video scan and returns its verdict', async () => {
    const result = await sg.scan(readFileSync(sample('pattern-sd-with-small-logo-bar')), {
      contentId: 'clip-9',
    });
    expect(result).toMatchObject({ verdict: 'block', contentId: 'clip-9' });
    expect(result.matches[0]).toMatchObject({ signalType: 'vpdq', bank: 'videos' });
    expect(result.video).toMatchObject({ width: 480, height: 720 });
  });

  it('submitVideo() gives the job; getJob() follows it to its end', async () => {
    const accepted = await sg.submitVideo(readFileSync(sample('doorknob-hd-no-bar')));
    expect(accepted.status).toBe('queued');
    await h.api.videoJobs.idle();
    const job = await sg.getJob(accepted.jobId);
    expect(job).toMatchObject({ status: 'done', result: { verdict: 'allow' } });
  });

  it('verifyWebhook() accepts what the server signs, and nothing altered', () => {
    const secret = 'w'.repeat(32);
    const body = '{"type":"stream.match"}';
    const header = signWebhook(secret, body, Date.now() / 1000);
    expect(verifyWebhook(secret, header, body)).toBe(true);
    expect(verifyWebhook(secret, header, `${body} `)).toBe(false);
    expect(verifyWebhook('v'.repeat(32), header, body)).toBe(false);
    expect(verifyWebhook(secret, undefined, body)).toBe(false);
    expect(verifyWebhook(secret, header, body, { nowSec: Date.now() / 1000 + 3600 })).toBe(false);
  });

  it('streams: register a push stream, push frames, read it, stop it', async () => {
    const streams = createClient({ url, key: await h.token('streams') });
    const orig = join(pdqDataDir, 'data/bridge-mods/aaa-orig.jpg');
    const pdq = readExpected('data.fullres.txt').find((e) => e.file === 'bridge-mods/aaa-orig.jpg');
    const bank = await h.app.bankStore.createBank({ name: 'images' });
    await h.app.bankStore.addSignals(bank.id, [{ type: 'pdq', value: pdq?.hash ?? '' }]);
    await (await h.app.matchIndex()).sync();

    const stream = await streams.registerStream({ name: 'cam-1', contentId: 'live-1' });
    expect(stream).toMatchObject({ status: 'live', matched: false, framesSampled: 0 });
    const other = readFileSync(join(pdqDataDir, 'data/misc-images/wee.jpg'));
    expect((await streams.pushFrame(stream.id, other, { timestamp: 1 })).verdict).toBe('allow');
    const hit = await streams.pushFrame(stream.id, readFileSync(orig), { timestamp: 2.5 });
    expect(hit).toMatchObject({ verdict: 'block', timestamp: 2.5 });
    expect(hit.caseId).toBeGreaterThan(0);
    const read = await streams.getStream(stream.id);
    expect(read).toMatchObject({ matched: true, framesSampled: 2 });
    expect(read.matches[0]).toMatchObject({ bank: 'images', firstTimestamp: 2.5 });
    expect((await streams.listStreams({ status: 'live' })).streams.map((s) => s.id)).toContain(
      stream.id,
    );
    expect((await streams.stopStream(stream.id)).status).toBe('stopped');
  });
});
