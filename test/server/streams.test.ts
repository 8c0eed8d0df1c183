import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyWebhook } from '../../src/sdk/index.js';
import {
  eventually,
  ffmpegProcessesWith,
  publishTcp,
  receiveHooks,
  type HookReceiver,
} from '../service/streams/live-stream-fixture.js';
import { pdqDataDir } from '../support/shared.js';
import { bearer, startHarness, type Harness } from './api-harness.js';

const SECRET = 'streams-test-secret-0123456789abcdef0123';
const BANKED = join(pdqDataDir, 'data/bridge-mods/aaa-orig.jpg');
const NEAR = readFileSync(join(pdqDataDir, 'data/bridge-mods/blur-a-little.jpg'));
const OTHER = readFileSync(join(pdqDataDir, 'data/misc-images/c.png'));

let h: Harness;
let hooks: HookReceiver;
let token: string;

interface StreamView {
  id: string;
  status: string;
  endReason?: string;
  error?: string;
  framesSampled: number;
  matches: Array<{ bank: string; frames: number; caseId?: number }>;
}

beforeAll(async () => {
  h = await startHarness({ SAFEGUARD_WEBHOOK_SECRET: SECRET, SAFEGUARD_STREAM_STALL_SEC: '2' });
  hooks = await receiveHooks();
  token = await h.token('streams');
  const bank = await h.app.bankStore.createBank({ name: 'stream-bank', action: 'block' });
  const hashed = await h.app.hasher().hashFile(BANKED, { limits: h.app.config.limits });
  await h.app.bankStore.addSignals(bank.id, [{ type: 'pdq', value: hashed.pdq }]);
  await (await h.app.matchIndex()).sync();
});

afterAll(async () => {
  await h?.close();
  await hooks?.close();
});

const register = (payload: Record<string, unknown>, key = token) =>
  h.api.server.inject({ method: 'POST', url: '/v1/streams', headers: bearer(key), payload });

const view = async (id: string) =>
  (
    await h.api.server.inject({ url: `/v1/streams/${id}`, headers: bearer(token) })
  ).json<StreamView>();

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  return typeof address === 'object' && address ? address.port : 1;
}

describe('registering streams', () => {
  it('refuses URLs that would read local files, and a callback that cannot be signed', async () => {
    for (const url of ['file:///etc/passwd', 'concat:a.ts|b.ts', 'subfile,,start,0,end,0,,:/x']) {
      const refused = await register({ url });
      expect(refused.statusCode, url).toBe(400);
      expect(refused.headers['content-type']).toContain('application/problem+json');
      expect(refused.json()).toMatchObject({ code: 'invalid_argument', pointer: '/body/url' });
    }
    const badCallback = await register({
      url: 'https://live.example/x.m3u8',
      callbackUrl: 'ftp://x',
    });
    expect(badCallback.json()).toMatchObject({
      code: 'invalid_argument',
      pointer: '/body/callbackUrl',
    });
    const tooFast = await register({ url: 'https://live.example/x.m3u8', sampleFps: 60 });
    expect(tooFast.statusCode).toBe(400);

    const unsigned = await startHarness();
    try {
      const key = await unsigned.token('streams');
      const response = await unsigned.api.server.inject({
        method: 'POST',
        url: '/v1/streams',
        headers: bearer(key),
        payload: { url: 'https://live.example/x.m3u8', callbackUrl: 'https://platform.example/h' },
      });
      expect(response.statusCode).toBe(400);
      expect(response.json().detail).toContain('SAFEGUARD_WEBHOOK_SECRET');
    } finally {
      await unsigned.close();
    }
  });

  it("needs the 'streams' scope", async () => {
    const scanOnly = await h.token('scan');
    expect((await register({}, scanOnly)).statusCode).toBe(403);
    const anonymous = await h.api.server.inject({ method: 'GET', url: '/v1/streams' });
    expect(anonymous.statusCode).toBe(401);
    const forbidden = await h.api.server.inject({
      method: 'GET',
      url: '/v1/streams',
      headers: bearer(scanOnly),
    });
    expect(forbidden.json()).toMatchObject({ code: 'forbidden' });
    const missing = await h.api.server.inject({
      url: '/v1/streams/str_none',
      headers: bearer(token),
    });
    expect(missing.statusCode).toBe(404);
  });
});

describe('streams that do not play', () => {
  it('reports an unreachable URL quickly, with the ended event, and does not retry', async () => {
    const url = `http://127.0.0.1:${await closedPort()}/x.m3u8`;
    const started = Date.now();
    const created = await register({ url, callbackUrl: hooks.url });
    expect(created.statusCode).toBe(201);
    const { id } = created.json<StreamView>();
    const ended = await hooks.waitFor(
      (hook) => hook.event.type === 'stream.ended' && hook.event.data.streamId === id,
      10_000,
    );
    expect(Date.now() - started).toBeLessThan(5000);
    expect(verifyWebhook(SECRET, String(ended.headers['safeguard-signature']), ended.body)).toBe(
      true,
    );
    expect(ended.event.data).toMatchObject({ reason: 'unreachable', status: 'failed' });
    const state = await view(id);
    expect(state).toMatchObject({ status: 'failed', endReason: 'unreachable', framesSampled: 0 });
    expect(state.error).toMatch(/could not be read|refused/i);
    expect(ffmpegProcessesWith(url)).toEqual([]);
  });

  it('never reads a local file a playlist names', async () => {
    // A real, playable segment on this machine, and a playlist served over HTTP that names it.
    const dir = mkdtempSync(join(tmpdir(), 'safeguard-local-'));
    const segment = join(dir, 'local.ts');
    execFileSync('ffmpeg', [
      ...['-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=s=160x100:r=10', '-t', '2'],
      ...['-c:v', 'libx264', '-preset', 'ultrafast', '-f', 'mpegts', segment],
    ]);
    const playlist = `#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2.0,\nfile://${segment}\n#EXT-X-ENDLIST\n`;
    writeFileSync(join(dir, 'p.m3u8'), playlist);
    const server = createHttpServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/vnd.apple.mpegurl' }).end(playlist);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    try {
      const { id } = (
        await register({ url: `http://127.0.0.1:${port}/p.m3u8`, callbackUrl: hooks.url })
      ).json<StreamView>();
      const ended = await hooks.waitFor(
        (hook) => hook.event.type === 'stream.ended' && hook.event.data.streamId === id,
        10_000,
      );
      expect(ended.event.data).toMatchObject({ status: 'failed', framesSampled: 0 });
    } finally {
      server.closeAllConnections();
      server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reports a stream that stops sending as stalled, within the timeout', async () => {
    const live = await publishTcp({ width: 160, height: 100, fps: 10 });
    try {
      const { id } = (
        await register({ url: live.url, callbackUrl: hooks.url, sampleFps: 4 })
      ).json<StreamView>();
      const playing = await eventually(
        () => view(id),
        (s) => s.framesSampled >= 2,
        10_000,
      );
      expect(playing.status).toBe('live');
      live.pause();
      const pausedAt = Date.now();
      const ended = await hooks.waitFor(
        (hook) => hook.event.type === 'stream.ended' && hook.event.data.streamId === id,
        10_000,
      );
      // Stall timeout 2 s, plus what was already decoded and in flight.
      expect(Date.now() - pausedAt).toBeLessThan(5000);
      expect(ended.event.data).toMatchObject({ reason: 'stalled', status: 'stalled' });
      expect(await view(id)).toMatchObject({ status: 'stalled', endReason: 'stalled' });
      expect(ffmpegProcessesWith(live.url)).toEqual([]);
    } finally {
      await live.close();
    }
  });
});

describe('pushed frames', () => {
  it('matches each pushed frame: a banked image blocks once, opens one case, and corrupt input is refused', async () => {
    const created = await register({ name: 'pushed', callbackUrl: hooks.url });
    expect(created.json()).toMatchObject({ status: 'live' });
    const { id } = created.json<StreamView>();
    const push = (body: Buffer, query = '') =>
      h.api.server.inject({
        method: 'POST',
        url: `/v1/streams/${id}/frames${query}`,
        headers: { ...bearer(token), 'content-type': 'image/jpeg' },
        payload: body,
      });

    const allowed = await push(OTHER, '?timestamp=1');
    expect(allowed.json()).toMatchObject({ verdict: 'allow', matches: [], timestamp: 1 });
    const blocked = await push(NEAR, '?timestamp=2.5');
    expect(blocked.statusCode).toBe(200);
    expect(blocked.json()).toMatchObject({ verdict: 'block', timestamp: 2.5 });
    expect(blocked.json().matches).toEqual([
      expect.objectContaining({ bank: 'stream-bank', timestamps: [2.5] }),
    ]);
    const caseId = blocked.json().caseId as number;
    expect(caseId).toBeGreaterThan(0);
    const again = await push(NEAR, '?timestamp=3');
    expect(again.json()).toMatchObject({ verdict: 'block' });
    expect(again.json()).not.toHaveProperty('caseId');

    const event = await hooks.waitFor(
      (hook) => hook.event.type === 'stream.match' && hook.event.data.streamId === id,
      5000,
    );
    expect(event.event.data).toMatchObject({ caseId, frame: { timestamp: 2.5 } });

    const jpeg = readFileSync(BANKED);
    const corrupt = await push(jpeg.subarray(0, Math.floor(jpeg.length / 3)));
    expect(corrupt.statusCode).toBe(422);
    expect(corrupt.json()).toMatchObject({ code: 'corrupt_image' });
    const text = await push(Buffer.from('this is not a jpeg at all'));
    expect(text.statusCode).toBe(415);

    const state = await view(id);
    expect(state).toMatchObject({ status: 'live', framesSampled: 3 });
    expect(state.matches).toEqual([
      expect.objectContaining({ bank: 'stream-bank', frames: 2, caseId }),
    ]);
    expect(hooks.received.filter((x) => x.event.data.streamId === id)).toHaveLength(1);

    const stopped = await h.api.server.inject({
      method: 'DELETE',
      url: `/v1/streams/${id}`,
      headers: bearer(token),
    });
    expect(stopped.json()).toMatchObject({ status: 'stopped' });
    expect((await push(NEAR)).statusCode).toBe(409);
    const listed = await h.api.server.inject({
      url: '/v1/streams?status=stopped',
      headers: bearer(token),
    });
    expect(listed.json().streams.map((s: StreamView) => s.id)).toContain(id);
    const audit = await h.app.auditLog.list({ afterSeq: 0, limit: 1000 });
    expect(
      audit.filter((e) => e.subject === `stream:${id}`).map((e) => [e.action, e.actor]),
    ).toEqual([
      ['stream.register', expect.stringMatching(/^key:/)],
      ['stream.match', 'system'],
      ['stream.stop', expect.stringMatching(/^key:/)],
    ]);
  });
});

describe('shutting down', () => {
  it('stops every monitor on close (no ffmpeg left) and caps how many run at once', async () => {
    const live = await publishTcp({ width: 160, height: 100, fps: 10 });
    const own = await startHarness({
      SAFEGUARD_WEBHOOK_SECRET: SECRET,
      SAFEGUARD_MAX_STREAMS: '1',
    });
    try {
      const key = await own.token('streams');
      const first = await own.api.server.inject({
        method: 'POST',
        url: '/v1/streams',
        headers: bearer(key),
        payload: { url: live.url, callbackUrl: hooks.url, sampleFps: 2 },
      });
      expect(first.statusCode).toBe(201);
      const second = await own.api.server.inject({
        method: 'POST',
        url: '/v1/streams',
        headers: bearer(key),
        payload: { url: live.url },
      });
      expect(second.statusCode).toBe(429);
      const id = first.json<StreamView>().id;
      await eventually(
        async () =>
          (
            await own.api.server.inject({ url: `/v1/streams/${id}`, headers: bearer(key) })
          ).json<StreamView>(),
        (s) => s.framesSampled >= 1,
        10_000,
      );
      expect(ffmpegProcessesWith(live.url).length).toBeGreaterThan(0);
      await own.api.close();
      expect(ffmpegProcessesWith(live.url)).toEqual([]);
      expect(await own.app.streamStore.get(id)).toMatchObject({
        status: 'stopped',
        endReason: 'stopped',
        error: 'monitoring stopped: the server shut down',
      });
      const ended = await hooks.waitFor(
        (hook) => hook.event.type === 'stream.ended' && hook.event.data.streamId === id,
        5000,
      );
      expect(ended.event.data).toMatchObject({ reason: 'stopped' });
    } finally {
      await own.app.close();
      rmSync(own.app.config.dataDir, { recursive: true, force: true });
      await live.close();
    }
  });
});
