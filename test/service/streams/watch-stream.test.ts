import { describe, expect, it } from 'vitest';
import { SafeguardError } from '../../../src/core/errors.js';
import type { DecodedFrame, VideoDecoder } from '../../../src/service/ports/video-decoder.js';
import { watchStream } from '../../../src/service/streams/watch-stream.js';

const frame = (n: number): DecodedFrame => ({
  frameNumber: n,
  timestamp: n / 4,
  image: { width: 1, height: 1, channels: 1, data: new Uint8Array([n]) },
});

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const abort = () => {
      clearTimeout(timer);
      reject(new Error('aborted'));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', abort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', abort, { once: true });
  });

/** A decoder that gives `count` frames `everyMs` apart, then does `then`. */
function fakeDecoder(
  count: number,
  everyMs: number,
  then: 'end' | 'hang' | SafeguardError,
): Pick<VideoDecoder, 'streamFrames'> & { opened: AbortSignal[] } {
  const opened: AbortSignal[] = [];
  return {
    opened,
    async *streamFrames(_url, options) {
      const signal = options.signal!;
      opened.push(signal);
      for (let n = 0; n < count; n++) {
        await sleep(everyMs, signal);
        yield frame(n);
      }
      if (then === 'hang') await sleep(60_000, signal);
      else if (then !== 'end') throw then;
    },
  };
}

const hooks = { now: Date.now, onError: (error: unknown) => expect.fail(String(error)) };
const options = (signal = new AbortController().signal) => ({
  url: 'tcp://127.0.0.1:1',
  fps: 4,
  maxPixels: 1e6,
  stallTimeoutSec: 0.3,
  signal,
});

describe('watchStream', () => {
  it('hands every frame over, in order, and reports a stream that ends', async () => {
    const seen: number[] = [];
    const outcome = await watchStream(
      fakeDecoder(5, 5, 'end'),
      options(),
      (f) => {
        seen.push(f.frameNumber);
        return Promise.resolve();
      },
      hooks,
    );
    expect(outcome).toEqual({ reason: 'ended', frames: 5, dropped: 0 });
    expect(seen).toEqual([0, 1, 2, 3, 4]);
  });

  it('keeps only the newest frame while hashing is slow: latency stays one frame', async () => {
    const seen: number[] = [];
    const outcome = await watchStream(
      fakeDecoder(20, 5, 'end'),
      options(),
      async (f) => {
        seen.push(f.frameNumber);
        await sleep(40);
      },
      hooks,
    );
    expect(outcome.reason).toBe('ended');
    expect(outcome.frames).toBe(20);
    expect(outcome.dropped).toBeGreaterThan(10);
    expect(seen[0]).toBe(0);
    expect(seen.at(-1)).toBe(19);
    expect(seen.length + outcome.dropped).toBe(20);
    expect([...seen].sort((a, b) => a - b)).toEqual(seen);
  });

  it('calls a stream that stops giving frames stalled, and stops its decoder', async () => {
    const decoder = fakeDecoder(3, 5, 'hang');
    const started = Date.now();
    const outcome = await watchStream(decoder, options(), () => Promise.resolve(), hooks);
    expect(outcome).toMatchObject({ reason: 'stalled', frames: 3, error: 'no frame for 0.3 s' });
    expect(Date.now() - started).toBeLessThan(2000);
    expect(decoder.opened[0].aborted).toBe(true);
  });

  it('classifies what the decoder throws: unreachable, broken off', async () => {
    const unreachable = await watchStream(
      fakeDecoder(0, 0, new SafeguardError('unavailable', 'the stream could not be read: refused')),
      options(),
      () => Promise.resolve(),
      hooks,
    );
    expect(unreachable).toMatchObject({
      reason: 'unreachable',
      frames: 0,
      error: 'the stream could not be read: refused',
    });
    const broken = await watchStream(
      fakeDecoder(2, 1, new SafeguardError('corrupt_video', 'the stream broke off')),
      options(),
      () => Promise.resolve(),
      hooks,
    );
    expect(broken).toMatchObject({ reason: 'failed', frames: 2 });
  });

  it('stops when asked, whatever the stream does', async () => {
    const controller = new AbortController();
    const decoder = fakeDecoder(1000, 5, 'end');
    setTimeout(() => controller.abort(), 50);
    const outcome = await watchStream(
      decoder,
      options(controller.signal),
      () => Promise.resolve(),
      hooks,
    );
    expect(outcome.reason).toBe('stopped');
    expect(outcome.frames).toBeLessThan(1000);
    expect(decoder.opened[0].aborted).toBe(true);
  });
});
