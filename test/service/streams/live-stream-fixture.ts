import { spawn, type ChildProcess } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { createServer as createTcpServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Live streams on 127.0.0.1 for tests and the latency bench: ffmpeg publishing a generated
 * stream (a test pattern that can switch to an image part way), served as HLS by a tiny HTTP
 * server or as MPEG-TS over TCP; and a webhook receiver.
 */

export interface PatternOptions {
  /** Frame size of the generated stream. */
  readonly width: number;
  readonly height: number;
  readonly fps: number;
  /** Seconds of stream; unlimited when absent (stop it yourself). */
  readonly durationSec?: number;
  /** Show this image (scaled to the frame) from `switchAtSec` on. */
  readonly image?: string;
  readonly switchAtSec?: number;
  /** lavfi source for the background (default testsrc2). */
  readonly source?: string;
}

/** ffmpeg input and filter arguments for the pattern, as it plays (-re). */
function patternArgs(o: PatternOptions): string[] {
  const source = `${o.source ?? 'testsrc2'}=s=${o.width}x${o.height}:r=${o.fps}`;
  const args = ['-re', '-f', 'lavfi', '-i', source];
  if (o.image !== undefined) {
    args.push('-loop', '1', '-framerate', String(o.fps), '-i', o.image);
    args.push(
      '-filter_complex',
      `[1:v]scale=${o.width}:${o.height},setsar=1,format=yuv420p[img];[0:v][img]overlay=enable='gte(t,${o.switchAtSec ?? 0})':shortest=1`,
    );
  }
  if (o.durationSec !== undefined) args.push('-t', String(o.durationSec));
  // Low-latency H.264: no B-frames, no lookahead, a keyframe every second.
  args.push(
    ...['-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency'],
    ...['-g', String(o.fps), '-pix_fmt', 'yuv420p'],
  );
  return args;
}

function spawnFfmpeg(args: string[]): ChildProcess {
  const child = spawn('ffmpeg', ['-hide_banner', '-v', 'error', '-nostdin', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stderr?.resume();
  return child;
}

function kill(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('close', () => resolve());
    child.kill('SIGKILL');
  });
}

function listen(server: Server | ReturnType<typeof createTcpServer>): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : 0);
    });
  });
}

function closeServer(server: Server | ReturnType<typeof createTcpServer>): Promise<void> {
  return new Promise((resolve) => {
    if ('closeAllConnections' in server) server.closeAllConnections();
    server.close(() => resolve());
  });
}

export interface HlsStream {
  /** The playlist's URL. */
  readonly url: string;
  /** Wall-clock ms when ffmpeg started publishing. */
  readonly startedAt: number;
  /** Stops the publisher without ending the playlist (the stream stalls). */
  kill(): Promise<void>;
  /** Resolves when the publisher exits (after writing #EXT-X-ENDLIST when it ran its course). */
  readonly exited: Promise<void>;
  close(): Promise<void>;
}

/**
 * Publishes the pattern as live HLS (1 s segments, a 6-segment window) into a temporary
 * directory served over HTTP. The playlist request waits (up to 5 s) until the first segment is
 * out, so a reader registered before it exists starts at the first segment.
 */
export async function publishHls(pattern: PatternOptions): Promise<HlsStream> {
  const dir = mkdtempSync(join(tmpdir(), 'safeguard-hls-'));
  const server = createHttpServer((request, response) => {
    const name = (request.url ?? '/').split('?')[0].replace(/^\/+/, '');
    if (!/^[a-z0-9_.-]+$/i.test(name)) {
      response.writeHead(404).end();
      return;
    }
    const path = join(dir, name);
    const deadline = Date.now() + 5000;
    const answer = () => {
      let exists = false;
      try {
        exists = statSync(path).isFile();
      } catch {
        exists = false;
      }
      if (!exists && name.endsWith('.m3u8') && Date.now() < deadline) {
        setTimeout(answer, 50);
        return;
      }
      if (!exists) {
        response.writeHead(404).end();
        return;
      }
      const type = name.endsWith('.m3u8') ? 'application/vnd.apple.mpegurl' : 'video/mp2t';
      response.writeHead(200, { 'content-type': type }).end(readFileSync(path));
    };
    answer();
  });
  const port = await listen(server);
  const startedAt = Date.now();
  const child = spawnFfmpeg([
    ...patternArgs(pattern),
    ...['-f', 'hls', '-hls_time', '1', '-hls_list_size', '6'],
    ...['-hls_flags', 'delete_segments+temp_file', join(dir, 'live.m3u8')],
  ]);
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  return {
    url: `http://127.0.0.1:${port}/live.m3u8`,
    startedAt,
    kill: () => kill(child),
    exited,
    async close() {
      await kill(child);
      await closeServer(server);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface TcpStream {
  /** `tcp://127.0.0.1:<port>`: each reader gets the stream from its start. */
  readonly url: string;
  /** Wall-clock ms of the first byte each publisher sent, in connection order. */
  readonly firstByteAt: number[];
  /** Stops sending but keeps the connections open (the stream stalls). */
  pause(): void;
  close(): Promise<void>;
}

/**
 * MPEG-TS over TCP: each connection starts its own ffmpeg publisher (so the reader sees the
 * stream from its first keyframe, and the pattern's clock starts when the reader connects).
 */
export async function publishTcp(pattern: PatternOptions): Promise<TcpStream> {
  const children: ChildProcess[] = [];
  const sockets: Socket[] = [];
  const firstByteAt: number[] = [];
  let paused = false;
  const server = createTcpServer((socket) => {
    sockets.push(socket);
    socket.on('error', () => undefined);
    const child = spawnFfmpeg([
      ...patternArgs(pattern),
      ...['-flush_packets', '1', '-muxdelay', '0', '-f', 'mpegts', 'pipe:1'],
    ]);
    children.push(child);
    const index = firstByteAt.length;
    firstByteAt.push(Number.NaN);
    child.stdout?.on('data', (chunk: Buffer) => {
      if (Number.isNaN(firstByteAt[index])) firstByteAt[index] = Date.now();
      if (!paused && !socket.destroyed) socket.write(chunk);
    });
    child.once('close', () => {
      if (!paused) socket.end();
    });
    socket.once('close', () => void kill(child));
  });
  const port = await listen(server);
  return {
    url: `tcp://127.0.0.1:${port}`,
    firstByteAt,
    pause() {
      paused = true;
    },
    async close() {
      await Promise.all(children.map(kill));
      for (const socket of sockets) socket.destroy();
      await closeServer(server);
    },
  };
}

export interface ReceivedHook {
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  readonly event: { type: string; id: string; data: Record<string, unknown> };
  /** Wall-clock ms when the whole body had arrived. */
  readonly receivedAt: number;
}

export interface HookReceiver {
  readonly url: string;
  readonly received: ReceivedHook[];
  /** The first event that satisfies `test`, waiting up to `timeoutMs`. */
  waitFor(test: (hook: ReceivedHook) => boolean, timeoutMs: number): Promise<ReceivedHook>;
  close(): Promise<void>;
}

/** A webhook endpoint on 127.0.0.1 that answers 204 and keeps what it got. */
export async function receiveHooks(): Promise<HookReceiver> {
  const received: ReceivedHook[] = [];
  const waiters = new Set<() => void>();
  const server = createHttpServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const receivedAt = Date.now();
      const body = Buffer.concat(chunks).toString('utf8');
      received.push({
        headers: request.headers,
        body,
        event: JSON.parse(body) as ReceivedHook['event'],
        receivedAt,
      });
      response.writeHead(204).end();
      for (const wake of waiters) wake();
    });
  });
  const port = await listen(server);
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    received,
    waitFor(test, timeoutMs) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const hit = received.find(test);
          if (!hit) return false;
          cleanup();
          resolve(hit);
          return true;
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`no matching webhook within ${timeoutMs} ms (got ${received.length})`));
        }, timeoutMs);
        const wake = () => void check();
        const cleanup = () => {
          clearTimeout(timer);
          waiters.delete(wake);
        };
        waiters.add(wake);
        check();
      });
    },
    close: () => closeServer(server),
  };
}

/** Command lines of running ffmpeg processes that mention `text` (e.g. a stream URL). */
export function ffmpegProcessesWith(text: string): string[] {
  const out = execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' });
  return out
    .split('\n')
    .filter((line) => line.startsWith('ffmpeg') || line.includes('/ffmpeg '))
    .filter((line) => line.includes(text));
}

/** Polls `read` until `test` holds, up to `timeoutMs`. */
export async function eventually<T>(
  read: () => Promise<T>,
  test: (value: T) => boolean,
  timeoutMs: number,
  everyMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (test(value) || Date.now() > deadline) return value;
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
