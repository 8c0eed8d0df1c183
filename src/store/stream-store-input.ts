import type { Insertable, Selectable } from 'kysely';
import { maxRecordPageSize } from '../service/ports/scan-store.js';
import {
  streamEndReasons,
  streamStatuses,
  type NewStream,
  type StreamMatch,
  type StreamRecord,
} from '../service/ports/stream-store.js';
import { checkIntegerInRange, checkOneOf, invalid } from './check-input.js';
import type { StreamsTable } from './database.js';
import { checkReference, checkTimestamp } from './scan-store-input.js';

/** The stream store's own guard on what it writes; callers validate requests with zod first. */

const streamIdPattern = /^[A-Za-z0-9_-]{1,64}$/;
const maxUrlLength = 2048;
const maxErrorLength = 2000;
/** Most distinct signals kept per stream (each is one line, however many frames matched). */
export const maxStreamMatches = 1000;

export function checkStreamId(id: unknown): string {
  if (typeof id !== 'string' || !streamIdPattern.test(id)) {
    throw invalid(
      `A stream id is 1 to 64 letters, digits, "-" or "_"; got ${JSON.stringify(id)}.`,
      {
        field: 'id',
        value: id,
      },
    );
  }
  return id;
}

function optional<T>(value: T | undefined, check: (value: T) => string): string | null {
  return value === undefined ? null : check(value);
}

function checkUrl(field: string, value: unknown): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > maxUrlLength) {
    throw invalid(`${field} must be a URL of 1 to ${maxUrlLength} characters.`, { field });
  }
  return value;
}

export function checkSampleFps(value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || value > 60) {
    throw invalid('sampleFps must be a number above 0 and at most 60.', {
      field: 'sampleFps',
      value,
    });
  }
  return value;
}

export function checkStreamLimit(limit: unknown): number {
  return checkIntegerInRange('limit', limit, 1, maxRecordPageSize);
}

export function checkMatches(matches: readonly StreamMatch[]): string {
  const list: unknown = matches;
  if (
    !Array.isArray(list) ||
    list.length > maxStreamMatches ||
    !list.every(
      (m: unknown) =>
        typeof m === 'object' && m !== null && typeof (m as { bank?: unknown }).bank === 'string',
    )
  ) {
    throw invalid(`matches must be a list of at most ${maxStreamMatches} stream matches.`, {
      field: 'matches',
    });
  }
  return JSON.stringify(list);
}

export function checkError(error: string | undefined): string | null {
  return error === undefined ? null : error.slice(0, maxErrorLength);
}

export function toStreamRow(stream: NewStream): Insertable<StreamsTable> {
  const at = checkTimestamp('createdAt', stream.createdAt);
  return {
    id: checkStreamId(stream.id),
    name: optional(stream.name, (v) => checkReference('name', v)),
    url: optional(stream.url, (v) => checkUrl('url', v)),
    callback_url: optional(stream.callbackUrl, (v) => checkUrl('callbackUrl', v)),
    sample_fps: checkSampleFps(stream.sampleFps),
    content_id: optional(stream.contentId, (v) => checkReference('contentId', v)),
    uploader_id: optional(stream.uploaderId, (v) => checkReference('uploaderId', v)),
    key_id: optional(stream.keyId, (v) => checkReference('keyId', v)),
    status: checkOneOf('status', ['starting', 'live'] as const, stream.status),
    end_reason: null,
    error: null,
    frames_sampled: 0,
    last_frame_at: null,
    matches: '[]',
    created_at: at,
    updated_at: at,
    ended_at: null,
  };
}

export function toStreamRecord(row: Selectable<StreamsTable>): StreamRecord {
  const some = <T>(value: T | null, key: string) => (value === null ? {} : { [key]: value });
  return {
    id: row.id,
    ...some(row.name, 'name'),
    ...some(row.url, 'url'),
    ...some(row.callback_url, 'callbackUrl'),
    sampleFps: Number(row.sample_fps),
    ...some(row.content_id, 'contentId'),
    ...some(row.uploader_id, 'uploaderId'),
    ...some(row.key_id, 'keyId'),
    status: checkOneOf('status', streamStatuses, row.status),
    ...(row.end_reason === null
      ? {}
      : { endReason: checkOneOf('endReason', streamEndReasons, row.end_reason) }),
    ...some(row.error, 'error'),
    framesSampled: Number(row.frames_sampled),
    ...some(row.last_frame_at, 'lastFrameAt'),
    matches: JSON.parse(row.matches) as StreamMatch[],
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    ...some(row.ended_at, 'endedAt'),
  };
}
