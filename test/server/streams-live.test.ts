import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyWebhook } from '../../src/sdk/index.js';
import {
  eventually,
  ffmpegProcessesWith,
  publishHls,
  receiveHooks,
  type HlsStream,
  type HookReceiver,
} from '../service/streams/live-stream-fixture.js';
import { pdqDataDir } from '../support/shared.js';
import { bearer, startHarness, type Harness } from './api-harness.js';

const SECRET = 'live-stream-test-secret-0123456789abcdef';
const BANKED = join(pdqDataDir, 'data/bridge-mods/aaa-orig.jpg');
/** Seconds into the stream at which the banked image appears. */
const SWITCH_AT = 4;

let h: Harness;
let hooks: HookReceiver;
const streams: HlsStream[] = [];

beforeAll(async () => {
  h = await startHarness({ SAFEGUARD_WEBHOOK_SECRET: SECRET, SAFEGUARD_STREAM_STALL_SEC: '4' });
  hooks = await receiveHooks();
  const bank = await h.app.bankStore.createBank({ name: 'live-bank', action: 'block' });
  const hashed = await h.app.hasher().hashFile(BANKED, { limits: h.app.config.limits });
  await h.app.bankStore.addSignals(bank.id, [
    { type: 'pdq', value: hashed.pdq, metadata: { category: 'test-image' } },
  ]);
  await (await h.app.matchIndex()).sync();
});

afterAll(async () => {
  await h?.close();
  await hooks?.close();
  await Promise.all(streams.map((s) => s.close()));
});

describe('a live HLS stream on 127.0.0.1', () => {
  it('calls back, signed, when the stream switches to a banked image, and opens a case; unrelated content never matches', async () => {
    // 320x200: the banked photo's aspect ratio. Both streams play at once.
    const banked = await publishHls({
      width: 320,
      height: 200,
      fps: 10,
      durationSec: 12,
      image: BANKED,
      switchAtSec: SWITCH_AT,
    });
    const unrelated = await publishHls({ width: 320, height: 200, fps: 10, durationSec: 8 });
    streams.push(banked, unrelated);
    const token = await h.token('streams', 'cases');
    const register = async (url: string, name: string) => {
      const response = await h.api.server.inject({
        method: 'POST',
        url: '/v1/streams',
        headers: bearer(token),
        payload: { url, callbackUrl: hooks.url, sampleFps: 2, name, contentId: name },
      });
      expect(response.statusCode, response.body).toBe(201);
      return response.json<{ id: string; status: string }>();
    };
    const a = await register(banked.url, 'banked-live');
    const b = await register(unrelated.url, 'unrelated-live');
    expect(a).toMatchObject({ status: 'starting', sampleFps: 2, matched: false });
    const switchedAt = banked.startedAt + SWITCH_AT * 1000;

    const match = await hooks.waitFor(
      (hook) => hook.event.type === 'stream.match' && hook.event.data.streamId === a.id,
      20_000,
    );
    const header = String(match.headers['safeguard-signature']);
    expect(verifyWebhook(SECRET, header, match.body)).toBe(true);
    expect(verifyWebhook('x'.repeat(40), header, match.body)).toBe(false);
    const data = match.event.data as {
      verdict: string;
      matches: Array<{ bank: string; signalType: string; timestamps: number[] }>;
      frame: { number: number; timestamp: number; seenAt: string };
      caseId: number;
      contentId: string;
    };
    expect(data.verdict).toBe('block');
    expect(data.contentId).toBe('banked-live');
    expect(data.matches).toEqual([
      expect.objectContaining({ bank: 'live-bank', signalType: 'pdq', action: 'block' }),
    ]);
    // Stream time counts from the first frame the monitor sampled (ffmpeg drops what it read
    // while probing). Frames before the switch were sampled and did not match; the matching
    // frame came out of the decoder after the banked image was published.
    expect(data.frame.number).toBeGreaterThanOrEqual(1);
    expect(data.frame.timestamp).toBeCloseTo(data.frame.number / 2, 5);
    expect(Date.parse(data.frame.seenAt)).toBeGreaterThanOrEqual(switchedAt);
    expect(data.matches[0].timestamps).toEqual([data.frame.timestamp]);
    expect(data.caseId).toBeGreaterThan(0);

    const cases = await h.api.server.inject({
      method: 'GET',
      url: '/v1/cases',
      headers: bearer(token),
    });
    expect(cases.json().cases).toContainEqual(
      expect.objectContaining({
        id: data.caseId,
        verdict: 'block',
        banks: ['live-bank'],
        contentId: 'banked-live',
      }),
    );

    // The monitor keeps going; the signal is reported once, however many frames show it.
    const state = await eventually(
      async () =>
        (await h.api.server.inject({ url: `/v1/streams/${a.id}`, headers: bearer(token) })).json<{
          framesSampled: number;
          matches: Array<{ frames: number }>;
        }>(),
      (s) => (s.matches[0]?.frames ?? 0) >= 3,
      10_000,
    );
    expect(state).toMatchObject({ status: 'live', matched: true, monitored: true });
    expect(state.matches).toHaveLength(1);
    expect(state.matches[0]).toMatchObject({ bank: 'live-bank', caseId: data.caseId });
    expect(state.framesSampled).toBeGreaterThan(state.matches[0].frames);

    // The platform cuts the stream: DELETE stops monitoring and kills ffmpeg.
    expect(ffmpegProcessesWith(banked.url).length).toBeGreaterThan(0);
    const stopped = await h.api.server.inject({
      method: 'DELETE',
      url: `/v1/streams/${a.id}`,
      headers: bearer(token),
    });
    expect(stopped.json()).toMatchObject({ status: 'stopped', endReason: 'stopped' });
    expect(ffmpegProcessesWith(banked.url)).toEqual([]);

    // The unrelated stream plays to its end: no match, and an ended event.
    const ended = await hooks.waitFor(
      (hook) => hook.event.type === 'stream.ended' && hook.event.data.streamId === b.id,
      15_000,
    );
    expect(verifyWebhook(SECRET, String(ended.headers['safeguard-signature']), ended.body)).toBe(
      true,
    );
    expect(ended.event.data).toMatchObject({ reason: 'ended', status: 'ended', matched: false });
    const bState = (
      await h.api.server.inject({ url: `/v1/streams/${b.id}`, headers: bearer(token) })
    ).json();
    expect(bState).toMatchObject({ status: 'ended', endReason: 'ended', matches: [] });
    expect(bState.framesSampled).toBeGreaterThanOrEqual(5);
    expect(
      hooks.received.filter(
        (x) => x.event.type === 'stream.match' && x.event.data.streamId === b.id,
      ),
    ).toEqual([]);
    expect(hooks.received.filter((x) => x.event.type === 'stream.match')).toHaveLength(1);
  }, 30_000);
});
