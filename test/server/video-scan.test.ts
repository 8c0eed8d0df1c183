import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { vpdqSignalValue } from '../../src/core/video/vpdq.js';
import { hashVideoFile } from '../../src/service/hash-video.js';
import { verifyWebhook } from '../../src/sdk/index.js';
import { sharedDir } from '../support/shared.js';
import { bearer, startHarness, type Harness } from './api-harness.js';

const videos = join(sharedDir, 'testdata/vpdq/videos');
const sample = (name: string) => join(videos, `${name}.mp4`);
const SECRET = 'a-webhook-secret-of-at-least-32-characters';
const work = mkdtempSync(join(tmpdir(), 'safeguard-video-test-'));

/** Makes a test video with ffmpeg (a few hundred ms each). */
function ffmpeg(name: string, args: string[]): string {
  const out = join(work, name);
  execFileSync('ffmpeg', ['-v', 'error', '-y', ...args, out]);
  return out;
}

interface Delivery {
  readonly body: string;
  readonly signature: string;
}

let h: Harness;
let token: string;
let hooks: Server;
let hookUrl: string;
const deliveries: Delivery[] = [];

beforeAll(async () => {
  hooks = createServer((req: IncomingMessage, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      deliveries.push({ body, signature: String(req.headers['safeguard-signature']) });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => hooks.listen(0, '127.0.0.1', r));
  hookUrl = `http://127.0.0.1:${(hooks.address() as AddressInfo).port}/hook`;
  h = await startHarness({
    SAFEGUARD_WEBHOOK_SECRET: SECRET,
    SAFEGUARD_VIDEO_SYNC_SECONDS: '20',
  });
  token = await h.token('scan');
  // The bank: the grey-bar pattern video, hashed one frame a second like uploads are.
  const bank = await h.app.bankStore.createBank({ name: 'known-videos', action: 'block' });
  const hashed = await hashVideoFile(
    { videoDecoder: h.app.videoDecoder, hasher: h.app.hasher() },
    sample('pattern-sd-grey-bar'),
    { everySec: 1, limits: { maxPixels: 64e6, maxDurationSec: 3600, maxBytes: 1 << 30 } },
  );
  await h.app.bankStore.addSignals(bank.id, [
    { type: 'vpdq', value: vpdqSignalValue(hashed.frames), metadata: { sourceId: 'vid-1' } },
  ]);
  await (await h.app.matchIndex()).sync();
}, 60_000);

afterAll(async () => {
  await h.close();
  await new Promise((r) => hooks.close(r));
  rmSync(work, { recursive: true, force: true });
});

async function scanRaw(path: string, query = '') {
  return h.api.server.inject({
    method: 'POST',
    url: `/v1/scan${query}`,
    headers: { ...bearer(token), 'content-type': 'video/mp4' },
    payload: readFileSync(path),
  });
}

describe('POST /v1/scan with a video', () => {
  it('blocks another edit of the banked video (raw video/mp4 body)', async () => {
    const res = await scanRaw(sample('pattern-sd-with-small-logo-bar'), '?contentId=v-1');
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({
      verdict: 'block',
      contentId: 'v-1',
      video: { width: 480, height: 720, fps: 30, everyNthFrame: 30, framesHashed: 7 },
    });
    expect(body.matches[0]).toMatchObject({
      bank: 'known-videos',
      signalType: 'vpdq',
      metadata: { sourceId: 'vid-1' },
    });
    expect(body.matches[0].video.queryPct).toBeGreaterThanOrEqual(80);
    expect(body.matches[0].video.targetPct).toBeGreaterThanOrEqual(80);
    expect(body.hashes.md5).toMatch(/^[0-9a-f]{32}$/);
    expect(typeof body.caseId).toBe('number');
  });

  it('blocks a clip cut from the banked video: all of the clip is in the bank', async () => {
    const clip = ffmpeg('clip.mp4', [
      ...['-ss', '2', '-t', '3', '-i', sample('pattern-sd-grey-bar')],
      ...['-c:v', 'libx264', '-preset', 'ultrafast', '-an'],
    ]);
    const body = (await scanRaw(clip)).json();
    expect(body.verdict).toBe('block');
    expect(body.matches[0].video.queryPct).toBe(100);
    expect(body.matches[0].video.targetPct).toBeLessThan(80);
  });

  it('blocks a compilation that contains the banked video, sent as multipart', async () => {
    const scaled = (i: number) => `[${i}:v]scale=480:720,setsar=1,fps=30[v${i}]`;
    const compilation = ffmpeg('compilation.mp4', [
      ...['-i', sample('doorknob-hd-no-bar'), '-i', sample('pattern-sd-grey-bar')],
      ...['-i', sample('test-padded-dimensions'), '-filter_complex'],
      `${scaled(0)};${scaled(1)};${scaled(2)};[v0][v1][v2]concat=n=3:v=1[v]`,
      ...['-map', '[v]', '-c:v', 'libx264', '-preset', 'ultrafast'],
    ]);
    const boundary = '----video-boundary';
    const payload = Buffer.concat([
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="uploaderId"\r\n\r\nu-7\r\n` +
          `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="c.mp4"\r\n` +
          'Content-Type: application/octet-stream\r\n\r\n',
      ),
      readFileSync(compilation),
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]);
    const res = await h.api.server.inject({
      method: 'POST',
      url: '/v1/scan',
      headers: { ...bearer(token), 'content-type': `multipart/form-data; boundary=${boundary}` },
      payload,
    });
    const body = res.json();
    expect(res.statusCode).toBe(200);
    expect(body).toMatchObject({ verdict: 'block', uploaderId: 'u-7' });
    expect(body.matches[0].video.targetPct).toBeGreaterThanOrEqual(80);
    expect(body.matches[0].video.queryPct).toBeLessThan(80);
  });

  it('takes a banked video as a vpdq signal over the API (a value over 2048 bytes)', async () => {
    const admin = await h.token('banks:write');
    const frames = Array.from(
      { length: 60 },
      (_, i) => `${(i + 1).toString(16).padStart(64, 'a')},100,${i}`,
    );
    const value = JSON.stringify(frames);
    expect(value.length).toBeGreaterThan(2048);
    await h.api.server.inject({
      method: 'POST',
      url: '/v1/banks',
      headers: bearer(admin),
      payload: { name: 'api-videos' },
    });
    const added = await h.api.server.inject({
      method: 'POST',
      url: '/v1/banks/api-videos/signals',
      headers: bearer(admin),
      payload: { signals: [{ type: 'vpdq', value }] },
    });
    expect(added.statusCode).toBe(200);
    expect(added.json()).toMatchObject({ added: 1 });
    const tooLong = await h.api.server.inject({
      method: 'POST',
      url: '/v1/banks/api-videos/signals',
      headers: bearer(admin),
      payload: { signals: [{ type: 'md5', value: 'a'.repeat(3000) }] },
    });
    expect(tooLong.statusCode).toBe(400);
  });

  it('allows unrelated videos', async () => {
    for (const name of ['doorknob-hd-no-bar', 'test-padded-dimensions']) {
      const body = (await scanRaw(sample(name))).json();
      expect(body.verdict, name).toBe('allow');
      expect(body.matches).toEqual([]);
    }
  });

  it('scans in the background when asked: 202, a job to poll, a signed callback, a case', async () => {
    deliveries.length = 0;
    const res = await scanRaw(
      sample('pattern-sd-with-small-logo-bar'),
      `?async=true&contentId=bg-1&callbackUrl=${encodeURIComponent(hookUrl)}`,
    );
    expect(res.statusCode).toBe(202);
    const accepted = res.json();
    expect(accepted).toMatchObject({ status: 'queued', statusUrl: `/v1/jobs/${accepted.jobId}` });
    await h.api.videoJobs.idle();
    const polled = await h.api.server.inject({
      method: 'GET',
      url: accepted.statusUrl,
      headers: bearer(token),
    });
    expect(polled.statusCode).toBe(200);
    const job = polled.json();
    expect(job).toMatchObject({
      jobId: accepted.jobId,
      status: 'done',
      contentId: 'bg-1',
      result: { verdict: 'block', contentId: 'bg-1' },
      webhook: { ok: true, attempts: 1, status: 204 },
    });
    expect(deliveries).toHaveLength(1);
    const [delivery] = deliveries;
    expect(verifyWebhook(SECRET, delivery.signature, delivery.body)).toBe(true);
    expect(verifyWebhook('x'.repeat(40), delivery.signature, delivery.body)).toBe(false);
    const event = JSON.parse(delivery.body);
    expect(event).toMatchObject({
      type: 'scan.completed',
      data: { jobId: accepted.jobId, status: 'done', result: { verdict: 'block' } },
    });
    const caseRes = await h.api.server.inject({
      method: 'GET',
      url: `/v1/cases/${job.result.caseId}`,
      headers: bearer(await h.token('cases')),
    });
    expect(caseRes.statusCode).toBe(200);
    // The spooled upload is gone once the job ended.
    expect(readdirSync(join(h.app.config.dataDir, 'spool'))).toEqual([]);
  });

  it('sends a video longer than the synchronous limit to the background', async () => {
    const long = ffmpeg('long.mp4', [
      ...['-f', 'lavfi', '-i', 'testsrc=size=160x120:rate=2:duration=25'],
      ...['-c:v', 'libx264', '-preset', 'ultrafast'],
    ]);
    const res = await scanRaw(long);
    expect(res.statusCode).toBe(202);
    expect(res.json().reason).toMatch(/lasts 25\.0 s, over 20 s/);
    await h.api.videoJobs.idle();
    const job = (
      await h.api.server.inject({
        method: 'GET',
        url: `/v1/jobs/${res.json().jobId}`,
        headers: bearer(token),
      })
    ).json();
    expect(job).toMatchObject({ status: 'done', result: { verdict: 'allow' } });
    expect(job.result.video.framesHashed).toBe(25);
  });

  it('refuses bad videos with clear errors and leaves no spooled file', async () => {
    const audioOnly = ffmpeg('audio.mp4', ['-f', 'lavfi', '-i', 'sine=d=1', '-c:a', 'aac']);
    const noVideo = await scanRaw(audioOnly);
    expect(noVideo.statusCode).toBe(415);
    expect(noVideo.json()).toMatchObject({
      code: 'unsupported_format',
      detail: 'the file has no video stream',
    });

    const good = readFileSync(sample('test-padded-dimensions'));
    const corrupt = Buffer.concat([good.subarray(0, 64), Buffer.alloc(20_000, 0x5a)]);
    const broken = await h.api.server.inject({
      method: 'POST',
      url: '/v1/scan',
      headers: { ...bearer(token), 'content-type': 'video/mp4' },
      payload: corrupt,
    });
    expect([415, 422]).toContain(broken.statusCode);
    expect(['unsupported_format', 'corrupt_video']).toContain(broken.json().code);

    const tenHours = ffmpeg('ten-hours.mp4', [
      ...['-f', 'lavfi', '-i', 'color=c=blue:s=64x64:r=1/36000', '-frames:v', '1'],
      ...['-c:v', 'libx264', '-pix_fmt', 'yuv420p'],
    ]);
    const started = Date.now();
    const long = await scanRaw(tenHours);
    expect(long.statusCode).toBe(413);
    expect(long.json()).toMatchObject({ code: 'video_too_long' });
    expect(long.json().detail).toMatch(/lasts 36000\.0 s, over the limit of 21600 s/);
    expect(Date.now() - started).toBeLessThan(5000);

    const noSecret = await startHarness({ SAFEGUARD_MAX_VIDEO_BYTES: '200000' });
    try {
      const refused = await noSecret.api.server.inject({
        method: 'POST',
        url: `/v1/scan?callbackUrl=${encodeURIComponent(hookUrl)}`,
        headers: { ...bearer(await noSecret.token('scan')), 'content-type': 'video/mp4' },
        payload: good,
      });
      expect(refused.statusCode).toBe(400);
      expect(refused.json().detail).toMatch(/SAFEGUARD_WEBHOOK_SECRET/);
      const url = await noSecret.api.server.listen({ port: 0, host: '127.0.0.1' });
      const big = readFileSync(sample('pattern-sd-grey-bar')); // ~1 MB, over 200,000 bytes
      for (const init of [
        { headers: { 'content-type': 'video/mp4' }, body: big },
        {
          body: (() => {
            const form = new FormData();
            form.append('file', new Blob([big]), 'v.mp4');
            return form;
          })(),
        },
      ]) {
        const res = await fetch(`${url}/v1/scan`, {
          method: 'POST',
          ...init,
          headers: { ...bearer(await noSecret.token('scan')), ...init.headers },
        });
        expect(res.status).toBe(413);
        expect(await res.json()).toMatchObject({ code: 'file_too_large' });
      }
      expect(readdirSync(join(noSecret.app.config.dataDir, 'spool'))).toEqual([]);
    } finally {
      await noSecret.close();
    }
    expect(readdirSync(join(h.app.config.dataDir, 'spool'))).toEqual([]);
  });

  it('jobs: an unknown id is 404, a key without scan is 403', async () => {
    const res = await scanRaw(sample('test-padded-dimensions'), '?async=true');
    expect(res.statusCode).toBe(202);
    await h.api.videoJobs.idle();
    const unknown = await h.api.server.inject({
      method: 'GET',
      url: '/v1/jobs/job_nope',
      headers: bearer(token),
    });
    expect(unknown.statusCode).toBe(404);
    const forbidden = await h.api.server.inject({
      method: 'GET',
      url: `/v1/jobs/${res.json().jobId}`,
      headers: bearer(await h.token('lookup')),
    });
    expect(forbidden.statusCode).toBe(403);
  });
});
