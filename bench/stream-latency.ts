/**
 * Live-stream detection latency: seconds from the moment a banked image first appears in a
 * live stream (as published: its first frame handed to the publisher's encoder) to the moment
 * the platform's webhook receives the signed `stream.match` event.
 *
 * A real API (startApi on a temporary SQLite data directory, a bank holding one image's PDQ)
 * monitors an MPEG-TS stream over TCP on 127.0.0.1. The publisher is ffmpeg (libx264,
 * ultrafast, zerolatency, a keyframe a second) fed raw frames by this process at the stream's
 * frame rate: a moving pattern, then the banked photo from a known wall-clock moment. Several
 * trials, one stream each; the figure is the median, with every trial listed.
 *
 *   npx tsx bench/stream-latency.ts            # one JSON line
 *   STREAM_TRIALS=5 STREAM_SAMPLE_FPS=4 npx tsx bench/stream-latency.ts
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import sharp from 'sharp';
import { createApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { startApi } from '../src/server/start-api.js';
import { receiveHooks } from '../test/service/streams/live-stream-fixture.js';
import { pdqDataDir } from '../test/support/shared.js';

export interface StreamLatencyOptions {
  readonly trials?: number;
  /** Frames per second the monitor samples. */
  readonly sampleFps?: number;
  /** Frames per second the stream plays at. */
  readonly streamFps?: number;
  /** Seconds after the reader connects at which the banked image appears. */
  readonly switchAtSec?: number;
}

export interface StreamLatencyResult {
  /** Median over the trials, seconds. */
  readonly latencySec: number;
  readonly latenciesSec: number[];
  readonly maxLatencySec: number;
  /** Of which: from the switch to the frame leaving the decoder (encode, transport, decode,
   * waiting for the next sample), median seconds. */
  readonly toFrameSec: number;
  /** Of which: from the frame leaving the decoder to the webhook's arrival (hash, match, case,
   * signed POST), median seconds. */
  readonly frameToHookSec: number;
  /** Seconds from registering the stream to the monitor's first frame (median): ffmpeg's
   * probing of the stream. */
  readonly firstFrameSec: number;
  /** Frames sampled before the matching one, per trial (at least 1: the monitor was already
   * sampling when the image appeared, so startup is not in the latency). */
  readonly framesBeforeMatch: number[];
  readonly transport: string;
  readonly sampleFps: number;
  readonly streamFps: number;
  readonly frameSize: string;
  readonly trials: number;
}

const IMAGE = join(pdqDataDir, 'data/bridge-mods/aaa-orig.jpg');
const WIDTH = 640;
const HEIGHT = 400;
const SECRET = 'stream-latency-bench-secret-0123456789abcdef';

/** A raw RGB frame of the moving test pattern (unrelated to any banked image). */
function patternFrame(n: number): Buffer {
  const frame = Buffer.alloc(WIDTH * HEIGHT * 3);
  for (let y = 0; y < HEIGHT; y++) {
    for (let x = 0; x < WIDTH; x++) {
      const i = (y * WIDTH + x) * 3;
      frame[i] = (x + n * 4) & 0xff;
      frame[i + 1] = (y * 2 + ((x >> 5) & 1) * 128) & 0xff;
      frame[i + 2] = ((x ^ y) + n * 8) & 0xff;
    }
  }
  return frame;
}

interface Publisher {
  readonly url: string;
  /** Wall-clock ms when the first banked frame was handed to the encoder (NaN before). */
  switchedAt(): number;
  close(): Promise<void>;
}

/**
 * MPEG-TS over TCP: when the reader connects, an ffmpeg encoder starts and this process feeds it
 * frames at `fps`, switching to the banked image at `switchAtSec`.
 */
async function publish(banked: Buffer, fps: number, switchAtSec: number): Promise<Publisher> {
  let switchedAt = Number.NaN;
  const children: ChildProcess[] = [];
  const sockets: Socket[] = [];
  const timers: NodeJS.Timeout[] = [];
  const patterns = Array.from({ length: 16 }, (_, n) => patternFrame(n));
  const server = createServer((socket) => {
    sockets.push(socket);
    socket.on('error', () => undefined);
    const encoder = spawn(
      'ffmpeg',
      [
        ...['-hide_banner', '-v', 'error', '-f', 'rawvideo', '-pix_fmt', 'rgb24'],
        ...['-s', `${WIDTH}x${HEIGHT}`, '-framerate', String(fps), '-i', 'pipe:0'],
        ...['-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency'],
        ...['-g', String(fps), '-pix_fmt', 'yuv420p', '-flush_packets', '1', '-muxdelay', '0'],
        ...['-f', 'mpegts', 'pipe:1'],
      ],
      { stdio: ['pipe', 'pipe', 'ignore'] },
    );
    children.push(encoder);
    encoder.stdin.on('error', () => undefined);
    encoder.stdout.pipe(socket);
    socket.once('close', () => encoder.kill('SIGKILL'));
    const started = Date.now();
    let n = 0;
    const next = () => {
      if (encoder.stdin.destroyed) return;
      const showBanked = n >= switchAtSec * fps;
      if (showBanked && Number.isNaN(switchedAt)) switchedAt = Date.now();
      encoder.stdin.write(showBanked ? banked : patterns[n % patterns.length]);
      n++;
      timers.push(setTimeout(next, Math.max(0, started + (n * 1000) / fps - Date.now())));
    };
    next();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `tcp://127.0.0.1:${port}`,
    switchedAt: () => switchedAt,
    async close() {
      for (const timer of timers) clearTimeout(timer);
      for (const child of children) child.kill('SIGKILL');
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

const round = (x: number) => Math.round(x * 1000) / 1000;

export async function measureStreamLatency(
  options: StreamLatencyOptions = {},
): Promise<StreamLatencyResult> {
  const trials = options.trials ?? 3;
  const sampleFps = options.sampleFps ?? 4;
  const streamFps = options.streamFps ?? 10;
  const switchAtSec = options.switchAtSec ?? 9;
  const dataDir = mkdtempSync(join(tmpdir(), 'safeguard-stream-bench-'));
  const app = await createApp(
    loadConfig({ SAFEGUARD_WEBHOOK_SECRET: SECRET, SAFEGUARD_STREAM_STALL_SEC: '10' }, { dataDir }),
  );
  const api = await startApi(app, { syncIntervalMs: 100, requestTimeoutMs: 30_000 });
  const hooks = await receiveHooks();
  try {
    const bank = await app.bankStore.createBank({ name: 'bench-bank', action: 'block' });
    const hashed = await app.hasher().hashFile(IMAGE, { limits: app.config.limits });
    await app.bankStore.addSignals(bank.id, [{ type: 'pdq', value: hashed.pdq }]);
    await (await app.matchIndex()).sync();
    const banked = await sharp(IMAGE)
      .resize(WIDTH, HEIGHT, { fit: 'fill' })
      .removeAlpha()
      .raw()
      .toBuffer();
    const { token } = await app.keyStore.create({ name: 'bench', scopes: ['streams'] });

    const latencies: number[] = [];
    const toFrame: number[] = [];
    const frameToHook: number[] = [];
    const firstFrames: number[] = [];
    const framesBefore: number[] = [];
    for (let trial = 0; trial < trials; trial++) {
      const publisher = await publish(banked, streamFps, switchAtSec);
      try {
        const registeredAt = Date.now();
        const response = await api.server.inject({
          method: 'POST',
          url: '/v1/streams',
          headers: { authorization: `Bearer ${token}` },
          payload: { url: publisher.url, callbackUrl: hooks.url, sampleFps },
        });
        if (response.statusCode !== 201) throw new Error(`register: ${response.body}`);
        const id = response.json<{ id: string }>().id;
        const hook = await hooks.waitFor(
          (h) => h.event.type === 'stream.match' && h.event.data.streamId === id,
          switchAtSec * 1000 + 20_000,
        );
        const switchedAt = publisher.switchedAt();
        latencies.push((hook.receivedAt - switchedAt) / 1000);
        const frame = (hook.event.data as { frame: { number: number; seenAt: string } }).frame;
        // The first sampled frame came frame.number frames before the match, at sampleFps.
        const firstFrameAt = Date.parse(frame.seenAt) - (frame.number / sampleFps) * 1000;
        firstFrames.push((firstFrameAt - registeredAt) / 1000);
        framesBefore.push(frame.number);
        toFrame.push((Date.parse(frame.seenAt) - switchedAt) / 1000);
        frameToHook.push((hook.receivedAt - Date.parse(frame.seenAt)) / 1000);
        await api.server.inject({
          method: 'DELETE',
          url: `/v1/streams/${id}`,
          headers: { authorization: `Bearer ${token}` },
        });
      } finally {
        await publisher.close();
      }
    }
    return {
      latencySec: round(median(latencies)),
      latenciesSec: latencies.map(round),
      maxLatencySec: round(Math.max(...latencies)),
      toFrameSec: round(median(toFrame)),
      frameToHookSec: round(median(frameToHook)),
      firstFrameSec: round(median(firstFrames)),
      framesBeforeMatch: framesBefore,
      transport: 'mpegts over tcp (libx264 zerolatency, 1 s GOP)',
      sampleFps,
      streamFps,
      frameSize: `${WIDTH}x${HEIGHT}`,
      trials,
    };
  } finally {
    await api.close();
    await app.close();
    await hooks.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const figures = await measureStreamLatency({
    trials: Number(process.env.STREAM_TRIALS ?? 3),
    sampleFps: Number(process.env.STREAM_SAMPLE_FPS ?? 4),
  });
  process.stdout.write(`${JSON.stringify({ bench: 'stream-latency', ...figures })}\n`);
}
