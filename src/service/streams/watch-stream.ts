import { isSafeguardError } from '../../core/errors.js';
import type { DecodedFrame, VideoDecoder } from '../ports/video-decoder.js';
import type { StreamEndReason } from '../ports/stream-store.js';

/** A stream gets this long to give its first frame (connect, playlist, probe), at least. */
export const STARTUP_GRACE_SEC = 10;

export interface WatchOptions {
  readonly url: string;
  readonly fps: number;
  readonly maxPixels: number;
  /** No frame for this long after the first one: stalled. */
  readonly stallTimeoutSec: number;
  /** Aborting stops the watch: the outcome is `stopped`. */
  readonly signal: AbortSignal;
}

export interface WatchOutcome {
  readonly reason: StreamEndReason;
  readonly error?: string;
  /** Frames the decoder gave (handled or dropped). */
  readonly frames: number;
  /** Frames dropped because the previous one was still being hashed. */
  readonly dropped: number;
}

/** Called for each frame handled, one at a time, with the wall-clock time it arrived. */
export type FrameHandler = (frame: DecodedFrame, arrivedAt: number) => Promise<void>;

/**
 * Pulls frames from a live stream until it ends, stalls, fails or is stopped, handing them to
 * `handle` one at a time. A frame that arrives while the previous one is still being handled
 * waits; a newer one replaces it (the older is dropped): latency stays one frame, however slow
 * hashing gets. Never throws: the outcome says how it ended; errors of `handle` go to `onError`.
 */
export async function watchStream(
  decoder: Pick<VideoDecoder, 'streamFrames'>,
  options: WatchOptions,
  handle: FrameHandler,
  hooks: { readonly now: () => number; readonly onError: (error: unknown) => void },
): Promise<WatchOutcome> {
  const controller = new AbortController();
  const stop = () => controller.abort();
  options.signal.addEventListener('abort', stop, { once: true });
  let stalled = false;
  let watchdog: NodeJS.Timeout | undefined;
  const arm = (seconds: number) => {
    clearTimeout(watchdog);
    watchdog = setTimeout(() => {
      stalled = true;
      controller.abort();
    }, seconds * 1000);
  };
  const startupSec = Math.max(options.stallTimeoutSec, STARTUP_GRACE_SEC);
  arm(startupSec);

  let frames = 0;
  let dropped = 0;
  let waiting: { frame: DecodedFrame; at: number } | undefined;
  let running: Promise<void> | undefined;
  const offer = (frame: DecodedFrame, at: number) => {
    if (running) {
      if (waiting) dropped++;
      waiting = { frame, at };
      return;
    }
    running = (async () => {
      let next: { frame: DecodedFrame; at: number } | undefined = { frame, at };
      while (next && !controller.signal.aborted) {
        try {
          await handle(next.frame, next.at);
        } catch (error) {
          hooks.onError(error);
        }
        next = waiting;
        waiting = undefined;
      }
    })().finally(() => {
      running = undefined;
    });
  };

  const outcome = (reason: StreamEndReason, error?: string): WatchOutcome => ({
    reason,
    frames,
    dropped,
    ...(error === undefined ? {} : { error }),
  });
  try {
    const stream = decoder.streamFrames(options.url, {
      fps: options.fps,
      maxPixels: options.maxPixels,
      // Our own watchdog decides first; ffmpeg's read timeout is a backstop.
      ioTimeoutSec: startupSec + 5,
      signal: controller.signal,
    });
    for await (const frame of stream) {
      arm(options.stallTimeoutSec);
      frames++;
      offer(frame, hooks.now());
    }
    await running;
    return outcome('ended');
  } catch (error) {
    await running;
    if (options.signal.aborted) return outcome('stopped');
    if (stalled) {
      return frames === 0
        ? outcome('unreachable', `no frame within ${startupSec} s of opening the stream`)
        : outcome('stalled', `no frame for ${options.stallTimeoutSec} s`);
    }
    const message = error instanceof Error ? error.message : String(error);
    if (isSafeguardError(error) && error.code === 'unavailable') {
      return outcome('unreachable', message);
    }
    if (isSafeguardError(error) && error.code === 'timeout') return outcome('stalled', message);
    return outcome('failed', message);
  } finally {
    clearTimeout(watchdog);
    options.signal.removeEventListener('abort', stop);
  }
}
