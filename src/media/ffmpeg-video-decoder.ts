import { spawn, type ChildProcess } from 'node:child_process';
import { SafeguardError } from '../core/errors.js';
import type {
  DecodedFrame,
  FileFramesOptions,
  StreamFramesOptions,
  VideoDecodeLimits,
  VideoDecoder,
  VideoInfo,
} from '../service/ports/video-decoder.js';
import { readPpmFrames } from './ppm-frames.js';

/**
 * Containers an uploaded file may be: ffmpeg would otherwise also open playlists (HLS, concat),
 * which name other files or URLs to read — a hostile upload must not make us read those.
 */
const FILE_FORMATS =
  'mov,mp4,m4a,3gp,3g2,mj2,matroska,webm,avi,flv,mpegts,mpeg,asf,ogg,gif,h264,hevc,m4v,mpegvideo,ivf,nut,yuv4mpegpipe';
/** What a live stream may be read over. No `file`: a stream URL must never read local files. */
export const STREAM_PROTOCOLS = ['http', 'https', 'rtmp', 'rtmps', 'rtsp', 'srt', 'tcp', 'udp'];
const STREAM_PROTOCOL_WHITELIST = [...STREAM_PROTOCOLS, 'tls', 'crypto', 'httpproxy', 'rtp'].join(
  ',',
);
const STDERR_KEEP = 4096;
const PROBE_TIMEOUT_MS = 30_000;

export interface FfmpegOptions {
  /** The ffmpeg and ffprobe executables: names on PATH or absolute paths. */
  readonly ffmpeg: string;
  readonly ffprobe: string;
}

/** Decodes with Debian's (or any) ffmpeg 5+ as a child process; frames come back as PPM. */
export class FfmpegVideoDecoder implements VideoDecoder {
  constructor(private readonly options: FfmpegOptions = { ffmpeg: 'ffmpeg', ffprobe: 'ffprobe' }) {}

  async probe(path: string, limits: VideoDecodeLimits): Promise<VideoInfo> {
    const args = [
      '-v',
      'error',
      '-format_whitelist',
      FILE_FORMATS,
      '-protocol_whitelist',
      'file',
      '-select_streams',
      'v:0',
      '-show_entries',
      'stream=codec_name,width,height,avg_frame_rate,r_frame_rate,duration:format=format_name,duration',
      '-of',
      'json',
      '--',
      path,
    ];
    const { stdout, stderr, code } = await run(this.options.ffprobe, args, PROBE_TIMEOUT_MS);
    if (code !== 0) throw notAVideo(stderr);
    const parsed = JSON.parse(stdout) as ProbeOutput;
    const stream = parsed.streams?.[0];
    if (!stream) {
      throw new SafeguardError('unsupported_format', 'the file has no video stream');
    }
    const width = Number(stream.width);
    const height = Number(stream.height);
    if (!(width > 0 && height > 0)) {
      throw new SafeguardError('corrupt_video', 'the video stream has no frame size');
    }
    if (width * height > limits.maxPixels) {
      throw new SafeguardError(
        'image_too_large',
        `video frames are ${width}x${height}, over the limit of ${limits.maxPixels} pixels`,
        { width, height, maxPixels: limits.maxPixels },
      );
    }
    const fps = parseRate(stream.avg_frame_rate) ?? parseRate(stream.r_frame_rate);
    if (fps === undefined) {
      throw new SafeguardError('corrupt_video', 'the video stream has no frame rate');
    }
    const durationSec = positive(stream.duration) ?? positive(parsed.format?.duration);
    if (durationSec !== undefined && durationSec > limits.maxDurationSec) {
      throw tooLong(durationSec, limits.maxDurationSec);
    }
    return {
      format: parsed.format?.format_name ?? 'unknown',
      codec: stream.codec_name ?? 'unknown',
      width,
      height,
      fps,
      durationSec,
    };
  }

  async *fileFrames(
    path: string,
    info: VideoInfo,
    options: FileFramesOptions,
  ): AsyncGenerator<DecodedFrame, void, undefined> {
    const every = Math.max(1, Math.floor(options.everyNthFrame));
    const args = [
      ...['-v', 'error', '-nostdin', '-format_whitelist', FILE_FORMATS],
      ...['-protocol_whitelist', 'file', '-noautorotate', '-i', path, '-map', '0:v:0'],
      ...(every > 1 ? ['-vf', `select=not(mod(n\\,${every}))`] : []),
      ...['-fps_mode', 'passthrough', '-f', 'image2pipe', '-c:v', 'ppm', '-pix_fmt', 'rgb24'],
      'pipe:1',
    ];
    const child = this.spawnFfmpeg(args, options.signal);
    let count = 0;
    try {
      for await (const image of readPpmFrames(stdoutOf(child), options.limits.maxPixels)) {
        const frameNumber = count * every;
        const timestamp = frameNumber / info.fps;
        if (timestamp > options.limits.maxDurationSec) {
          throw tooLong(timestamp, options.limits.maxDurationSec);
        }
        count++;
        yield { frameNumber, timestamp, image };
      }
      const code = await exitOf(child);
      options.signal?.throwIfAborted();
      if (code !== 0 || count === 0) {
        const why = stderrOf(child).trim() || 'no frame could be decoded';
        throw new SafeguardError('corrupt_video', `the video could not be decoded: ${why}`);
      }
      // A damaged file (cut short, broken packets) still decodes in part, and ffmpeg still
      // exits 0; at log level "error" a sound file prints nothing. Part of a video is not
      // its vPDQ: refuse it rather than match a fragment as if it were the whole.
      const errors = stderrOf(child).trim();
      if (errors !== '') {
        throw new SafeguardError('corrupt_video', `the video is damaged: ${errors}`, {
          framesDecoded: count,
        });
      }
    } finally {
      child.kill('SIGKILL');
    }
  }

  async *streamFrames(
    url: string,
    options: StreamFramesOptions,
  ): AsyncGenerator<DecodedFrame, void, undefined> {
    const timeoutUs = String(Math.round(options.ioTimeoutSec * 1e6));
    const args = [
      ...['-v', 'error', '-nostdin', '-protocol_whitelist', STREAM_PROTOCOL_WHITELIST],
      // Live: probe briefly (1 s, not ffmpeg's 5 s), decode without frame-threading delay,
      // and hand each sampled frame over at once.
      ...['-rw_timeout', timeoutUs, '-fflags', 'nobuffer', '-flags', 'low_delay'],
      ...['-analyzeduration', '1000000', '-probesize', '1000000', '-threads', '1'],
      ...['-i', url, '-map', '0:v:0', '-vf', `fps=${options.fps}`, '-flush_packets', '1'],
      ...['-f', 'image2pipe', '-c:v', 'ppm', '-pix_fmt', 'rgb24'],
      'pipe:1',
    ];
    const child = this.spawnFfmpeg(args, options.signal);
    let stalled = false;
    let watchdog: NodeJS.Timeout | undefined;
    const arm = () => {
      clearTimeout(watchdog);
      watchdog = setTimeout(() => {
        stalled = true;
        child.kill('SIGKILL');
      }, options.ioTimeoutSec * 1000);
    };
    arm();
    child.stdout?.on('data', arm);
    let count = 0;
    try {
      for await (const image of readPpmFrames(stdoutOf(child), options.maxPixels)) {
        yield { frameNumber: count, timestamp: count / options.fps, image };
        count++;
      }
      const code = await exitOf(child);
      options.signal?.throwIfAborted();
      if (stalled) {
        throw new SafeguardError(
          'timeout',
          `the stream stalled: no frame for ${options.ioTimeoutSec} s`,
        );
      }
      if (code !== 0) {
        const why = stderrOf(child).trim() || `ffmpeg exited with code ${code}`;
        throw new SafeguardError(
          count === 0 ? 'unavailable' : 'corrupt_video',
          count === 0 ? `the stream could not be read: ${why}` : `the stream broke off: ${why}`,
        );
      }
    } finally {
      clearTimeout(watchdog);
      child.kill('SIGKILL');
    }
  }

  private spawnFfmpeg(args: string[], signal: AbortSignal | undefined): ChildProcess {
    signal?.throwIfAborted();
    const child = spawn(this.options.ffmpeg, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    keepStderr(child);
    const abort = () => child.kill('SIGKILL');
    signal?.addEventListener('abort', abort, { once: true });
    child.once('close', () => signal?.removeEventListener('abort', abort));
    return child;
  }
}

interface ProbeOutput {
  streams?: Array<{
    codec_name?: string;
    width?: number;
    height?: number;
    avg_frame_rate?: string;
    r_frame_rate?: string;
    duration?: string;
  }>;
  format?: { format_name?: string; duration?: string };
}

const stderrTails = new WeakMap<ChildProcess, { text: string; spawnError?: Error }>();

function keepStderr(child: ChildProcess): void {
  const state: { text: string; spawnError?: Error } = { text: '' };
  stderrTails.set(child, state);
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (text: string) => {
    state.text = (state.text + text).slice(-STDERR_KEEP);
  });
  child.on('error', (error) => {
    state.spawnError = error;
  });
}

function stderrOf(child: ChildProcess): string {
  return lastLines(stderrTails.get(child)?.text ?? '');
}

function stdoutOf(child: ChildProcess): AsyncIterable<Buffer> {
  if (!child.stdout) throw new SafeguardError('internal', 'ffmpeg has no stdout');
  return child.stdout as AsyncIterable<Buffer>;
}

function exitOf(child: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    const done = () => {
      const spawnError = stderrTails.get(child)?.spawnError;
      if (spawnError) reject(missing(spawnError));
      else resolve(child.exitCode ?? -1);
    };
    if (child.exitCode !== null || child.signalCode !== null) done();
    else child.once('close', done);
  });
}

async function run(
  command: string,
  args: string[],
  timeoutMs: number,
): Promise<{ stdout: string; stderr: string; code: number }> {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  keepStderr(child);
  let stdout = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (text: string) => {
    if (stdout.length < 1 << 20) stdout += text;
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  try {
    const code = await exitOf(child);
    if (child.signalCode === 'SIGKILL') {
      throw new SafeguardError('timeout', `${command} took longer than ${timeoutMs} ms`);
    }
    return { stdout, stderr: stderrOf(child), code };
  } finally {
    clearTimeout(timer);
  }
}

function missing(error: Error): SafeguardError {
  if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
    return new SafeguardError(
      'unavailable',
      'ffmpeg is not installed: run `bash scripts/ensure-ffmpeg.sh` (Debian) or set SAFEGUARD_FFMPEG and SAFEGUARD_FFPROBE',
    );
  }
  return new SafeguardError('internal', `could not start ffmpeg: ${error.message}`);
}

function notAVideo(stderr: string): SafeguardError {
  const text = stderr.trim();
  if (/Invalid data found|could not find codec|moov atom not found|unknown format/i.test(text)) {
    return new SafeguardError('unsupported_format', `not a video ffmpeg can read (${text})`);
  }
  return new SafeguardError(
    'corrupt_video',
    `the video could not be read: ${text || 'ffprobe failed'}`,
  );
}

function tooLong(seconds: number, max: number): SafeguardError {
  return new SafeguardError(
    'video_too_long',
    `the video lasts ${seconds.toFixed(1)} s, over the limit of ${max} s`,
    { durationSec: seconds, maxDurationSec: max },
  );
}

function parseRate(text: string | undefined): number | undefined {
  if (!text) return undefined;
  const [num, den] = text.split('/').map(Number);
  const rate = den === undefined ? num : num / den;
  return Number.isFinite(rate) && rate > 0 ? rate : undefined;
}

function positive(text: string | undefined): number | undefined {
  const n = Number(text);
  return text !== undefined && Number.isFinite(n) && n > 0 ? n : undefined;
}

function lastLines(text: string): string {
  return text.trim().split('\n').slice(-3).join(' | ');
}
