import { isPdqHex } from '../hash/pdq-hash.js';
import { normalizeVpdqValue } from '../signal-formats/normalize-vpdq-value.js';
import type { ParseResult } from '../signal-formats/parse-result.js';

/** One hashed frame of a video, as Meta's vPDQ keeps it. */
export interface VpdqFrame {
  /** 0-based index among the decoded frames. */
  readonly frame: number;
  /** PDQ quality 0..100. */
  readonly quality: number;
  /** 64 lowercase hex digits. */
  readonly hash: string;
  /** Seconds from the start: frame / average frame rate. */
  readonly timestamp: number;
}

/**
 * Parses Meta's vPDQ hash file (`vpdq-hash-video` output): one line per hashed frame,
 * `frameNumber,quality,pdqHex,timestampSeconds`, no header. Blank lines are skipped; anything
 * else wrong is refused with its line number.
 */
export function parseVpdqFile(text: string): ParseResult<VpdqFrame[]> {
  const frames: VpdqFrame[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === '') continue;
    const parts = line.split(',');
    const fail = (reason: string) => ({ ok: false as const, issue: { line: i + 1, reason } });
    if (parts.length !== 4) {
      return fail(`has ${parts.length} fields, expected 4 (frame,quality,pdq,timestamp)`);
    }
    const [frameText, qualityText, hashText, timeText] = parts.map((p) => p.trim());
    if (!/^\d{1,9}$/.test(frameText)) return fail(`frame number '${frameText}' is not an integer`);
    if (!/^\d{1,3}$/.test(qualityText) || Number(qualityText) > 100) {
      return fail(`quality '${qualityText}' is not an integer from 0 to 100`);
    }
    if (!isPdqHex(hashText)) return fail(`pdq '${hashText}' is not 64 hex digits`);
    const timestamp = Number(timeText);
    if (!/^\d+(\.\d+)?$/.test(timeText) || !Number.isFinite(timestamp)) {
      return fail(`timestamp '${timeText}' is not a number of seconds >= 0`);
    }
    frames.push({
      frame: Number(frameText),
      quality: Number(qualityText),
      hash: hashText.toLowerCase(),
      timestamp,
    });
  }
  if (frames.length === 0) return { ok: false, issue: { line: 1, reason: 'no frames' } };
  return { ok: true, value: frames };
}

/** Writes Meta's vPDQ hash file format, timestamps with 3 decimals like the reference. */
export function formatVpdqFile(frames: readonly VpdqFrame[]): string {
  return frames
    .map((f) => `${f.frame},${f.quality},${f.hash},${f.timestamp.toFixed(3)}\n`)
    .join('');
}

/**
 * The signal value banks store for a video: python-threatexchange's form, a JSON array of
 * "pdq,quality,timestamp" strings (normalized). Frame numbers are not part of it.
 */
export function vpdqSignalValue(frames: readonly VpdqFrame[]): string {
  const text = JSON.stringify(frames.map((f) => `${f.hash},${f.quality},${f.timestamp}`));
  const normal = normalizeVpdqValue(text);
  if (!normal.ok) throw new Error(`vpdqSignalValue: ${normal.reason}`);
  return normal.value;
}

/** Reads a normalized vPDQ signal value back into frames (numbered in order). */
export function framesOfVpdqValue(value: string): VpdqFrame[] {
  const items = JSON.parse(value) as string[];
  return items.map((item, frame) => {
    const [hash, quality, timestamp] = item.split(',');
    return { frame, hash, quality: Number(quality), timestamp: Number(timestamp) };
  });
}

/**
 * The frames worth matching, as python-threatexchange prepares them: exact duplicate hashes
 * removed (the first kept), then frames under `minQuality` dropped.
 */
export function prepareVpdqFrames(
  frames: readonly VpdqFrame[],
  minQuality: number,
): readonly VpdqFrame[] {
  const seen = new Set<string>();
  const kept: VpdqFrame[] = [];
  for (const frame of frames) {
    if (seen.has(frame.hash)) continue;
    seen.add(frame.hash);
    if (frame.quality >= minQuality) kept.push(frame);
  }
  return kept;
}
