import type { RawImage } from '../../core/hash/luma.js';

/** What a probe of a video file says before anything is decoded. */
export interface VideoInfo {
  /** The container, as the demuxer names it (e.g. "mov,mp4,m4a,3gp,3g2,mj2"). */
  readonly format: string;
  readonly codec: string;
  readonly width: number;
  readonly height: number;
  /** Average frame rate in frames per second (the reference's timestamp divisor). */
  readonly fps: number;
  /** Seconds, from the stream or the container; undefined when neither says. */
  readonly durationSec: number | undefined;
}

export interface VideoDecodeLimits {
  /** Largest accepted width*height of a frame. */
  readonly maxPixels: number;
  /** Longest accepted duration, in seconds (checked on the probe and again while decoding). */
  readonly maxDurationSec: number;
}

/** One decoded frame, RGB, as the reference hashes it. */
export interface DecodedFrame {
  /** 0-based index among all decoded frames (files) or among the sampled frames (streams). */
  readonly frameNumber: number;
  /** Seconds from the start of the file, or since monitoring began (streams). */
  readonly timestamp: number;
  readonly image: RawImage;
}

export interface FileFramesOptions {
  /** Decode every frame, but give only those whose number is a multiple of this (>= 1). */
  readonly everyNthFrame: number;
  readonly limits: VideoDecodeLimits;
  readonly signal?: AbortSignal;
}

export interface StreamFramesOptions {
  /** Frames per second to sample from the stream as it plays. */
  readonly fps: number;
  readonly maxPixels: number;
  /** Give up when no data arrives for this long (the stream stalled), seconds. */
  readonly ioTimeoutSec: number;
  readonly signal?: AbortSignal;
}

/**
 * Decodes videos (files) and live streams (URLs) into RGB frames. Implemented with ffmpeg in
 * media/. Throws SafeguardError: unavailable (no decoder installed), unsupported_format (no
 * video stream, unknown container), corrupt_video, video_too_long, image_too_large, timeout.
 */
export interface VideoDecoder {
  probe(path: string, limits: VideoDecodeLimits): Promise<VideoInfo>;
  fileFrames(
    path: string,
    info: VideoInfo,
    options: FileFramesOptions,
  ): AsyncIterable<DecodedFrame>;
  streamFrames(url: string, options: StreamFramesOptions): AsyncIterable<DecodedFrame>;
}
