import { SafeguardError } from '../../core/errors.js';

/** What a platform gives to register a stream. */
export interface StreamInput {
  /** Where to pull the stream from; absent for a stream whose frames are pushed. */
  readonly url?: string;
  /** Where to POST signed `stream.match` and `stream.ended` events. */
  readonly callbackUrl?: string;
  /** Frames per second sampled from the URL (default 1). */
  readonly sampleFps?: number;
  readonly name?: string;
  readonly contentId?: string;
  readonly uploaderId?: string;
}

export const DEFAULT_SAMPLE_FPS = 1;
export const MAX_SAMPLE_FPS = 10;

function schemeOf(url: string, field: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new SafeguardError('invalid_argument', `${field} is not a URL: ${JSON.stringify(url)}`, {
      pointer: `/body/${field}`,
    });
  }
  return parsed.protocol.replace(/:$/, '').toLowerCase();
}

/**
 * Checks a registration before anything runs: the stream URL's scheme is one ffmpeg may read a
 * live stream over (never `file:`, `concat:` or another that reads local files), the callback
 * is http(s) and can be signed, the sampling rate is sane.
 */
export function checkStreamInput(
  input: StreamInput,
  allowed: { readonly streamProtocols: readonly string[]; readonly canSign: boolean },
): { url?: string; callbackUrl?: string; sampleFps: number } {
  if (input.url !== undefined) {
    const scheme = schemeOf(input.url, 'url');
    if (!allowed.streamProtocols.includes(scheme)) {
      throw new SafeguardError(
        'invalid_argument',
        `url: a stream is not read over '${scheme}:'; use one of ${allowed.streamProtocols.map((p) => `${p}:`).join(', ')}`,
        { pointer: '/body/url', scheme },
      );
    }
  }
  if (input.callbackUrl !== undefined) {
    const scheme = schemeOf(input.callbackUrl, 'callbackUrl');
    if (scheme !== 'http' && scheme !== 'https') {
      throw new SafeguardError('invalid_argument', 'callbackUrl must be an http: or https: URL', {
        pointer: '/body/callbackUrl',
      });
    }
    if (!allowed.canSign) {
      throw new SafeguardError(
        'invalid_argument',
        'callbackUrl needs the server to sign its events: set SAFEGUARD_WEBHOOK_SECRET (at least 32 characters) on the server, or register without a callback',
        { pointer: '/body/callbackUrl' },
      );
    }
  }
  const sampleFps = input.sampleFps ?? DEFAULT_SAMPLE_FPS;
  if (!Number.isFinite(sampleFps) || sampleFps <= 0 || sampleFps > MAX_SAMPLE_FPS) {
    throw new SafeguardError(
      'invalid_argument',
      `sampleFps must be above 0 and at most ${MAX_SAMPLE_FPS}`,
      { pointer: '/body/sampleFps' },
    );
  }
  return {
    ...(input.url === undefined ? {} : { url: input.url }),
    ...(input.callbackUrl === undefined ? {} : { callbackUrl: input.callbackUrl }),
    sampleFps,
  };
}
