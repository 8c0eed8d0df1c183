import type { Insertable, Selectable } from 'kysely';
import type { SafeguardError } from '../core/errors.js';
import {
  maxRecordPageSize,
  scanIdMaxLength,
  scanKinds,
  scanReferenceMaxLength,
  verdicts,
} from '../service/ports/scan-store.js';
import type { MatchReport, Scan, ScanHashes } from '../service/ports/scan-store.js';
import { checkIntegerInRange, checkOneOf, invalid } from './check-input.js';
import type { ScansTable } from './database.js';

/**
 * The scan store's own guard on what it writes, and the cursors of the scan and case lists.
 * Callers validate requests with zod first; these checks keep the tables sound whoever calls,
 * and name what was wrong.
 */

const scanIdPattern = new RegExp(`^[A-Za-z0-9_-]{1,${scanIdMaxLength}}$`);

export function checkScanId(id: unknown, field = 'id'): string {
  if (typeof id !== 'string' || !scanIdPattern.test(id)) {
    throw invalid(
      `A scan ${field} must be 1 to ${scanIdMaxLength} letters, digits, "-" or "_"; got ${JSON.stringify(id)}.`,
      { field, value: id },
    );
  }
  return id;
}

/** A platform's id (contentId, uploaderId, keyId): 1 to 200 characters. */
export function checkReference(field: string, value: unknown): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > scanReferenceMaxLength) {
    throw invalid(`${field} must be a string of 1 to ${scanReferenceMaxLength} characters.`, {
      field,
    });
  }
  return value;
}

export function checkOptionalReference(field: string, value: unknown): string | null {
  return value === undefined ? null : checkReference(field, value);
}

const isoTimestampPattern = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

function isTimestamp(value: string): boolean {
  return (
    isoTimestampPattern.test(value) &&
    !Number.isNaN(Date.parse(value)) &&
    new Date(value).toISOString() === value
  );
}

/** ISO 8601 in UTC with milliseconds, as `Date#toISOString()` writes it: it sorts as text. */
export function checkTimestamp(field: string, value: unknown): string {
  if (typeof value !== 'string' || !isTimestamp(value)) {
    throw invalid(
      `${field} must be an ISO 8601 UTC time like 2024-05-01T12:00:00.000Z; got ${JSON.stringify(value)}.`,
      { field, value },
    );
  }
  return value;
}

export function checkRecordLimit(limit: unknown): number {
  return checkIntegerInRange('limit', limit, 1, maxRecordPageSize);
}

const hexFields = [
  ['pdq', 64],
  ['md5', 32],
  ['sha256', 64],
] as const;

function checkHashes(hashes: ScanHashes): string {
  if (typeof hashes !== 'object' || hashes === null) {
    throw invalid('hashes must be an object.', { field: 'hashes' });
  }
  const kept: Record<string, string | number> = {};
  for (const [field, digits] of hexFields) {
    const value: unknown = hashes[field];
    if (value === undefined) continue;
    if (typeof value !== 'string' || value.length !== digits || !/^[0-9a-f]*$/.test(value)) {
      throw invalid(`hashes.${field} must be ${digits} lowercase hex digits.`, {
        field: `hashes.${field}`,
      });
    }
    kept[field] = value;
  }
  const quality: unknown = hashes.quality;
  if (quality !== undefined) {
    kept.quality = checkIntegerInRange('hashes.quality', quality, 0, 100);
  }
  return JSON.stringify(kept);
}

function checkMatches(matches: readonly MatchReport[]): string {
  const list: unknown = matches;
  if (
    !Array.isArray(list) ||
    !list.every(
      (match: unknown) =>
        typeof match === 'object' &&
        match !== null &&
        typeof (match as { bank?: unknown }).bank === 'string',
    )
  ) {
    throw invalid('matches must be a list of match reports, each naming its bank.', {
      field: 'matches',
    });
  }
  return JSON.stringify(list);
}

function checkReasons(reasons: readonly string[]): string {
  const list: unknown = reasons;
  if (!Array.isArray(list) || !list.every((reason) => typeof reason === 'string')) {
    throw invalid('reasons must be a list of strings.', { field: 'reasons' });
  }
  return JSON.stringify(list);
}

function checkDuration(durationMs: unknown): number {
  if (typeof durationMs !== 'number' || !Number.isFinite(durationMs) || durationMs < 0) {
    throw invalid('durationMs must be a finite number of milliseconds, not negative.', {
      field: 'durationMs',
      value: durationMs,
    });
  }
  return durationMs;
}

/** The scan as a row: checked, unknown fields dropped, JSON fields as text. */
export function toScanRow(scan: Scan): Insertable<ScansTable> {
  return {
    id: checkScanId(scan.id),
    created_at: checkTimestamp('createdAt', scan.createdAt),
    kind: checkOneOf('kind', scanKinds, scan.kind),
    verdict: checkOneOf('verdict', verdicts, scan.verdict),
    content_id: checkOptionalReference('contentId', scan.contentId),
    uploader_id: checkOptionalReference('uploaderId', scan.uploaderId),
    key_id: checkOptionalReference('keyId', scan.keyId),
    hashes: checkHashes(scan.hashes),
    matches: checkMatches(scan.matches),
    reasons: checkReasons(scan.reasons),
    duration_ms: checkDuration(scan.durationMs),
  };
}

export function toScan(row: Selectable<ScansTable>): Scan {
  return {
    id: row.id,
    createdAt: row.created_at,
    kind: row.kind,
    verdict: row.verdict,
    ...(row.content_id === null ? {} : { contentId: row.content_id }),
    ...(row.uploader_id === null ? {} : { uploaderId: row.uploader_id }),
    ...(row.key_id === null ? {} : { keyId: row.key_id }),
    hashes: JSON.parse(row.hashes) as ScanHashes,
    matches: JSON.parse(row.matches) as MatchReport[],
    reasons: JSON.parse(row.reasons) as string[],
    durationMs: Number(row.duration_ms),
  };
}

/**
 * A page cursor: the sort key of the last row of a page, as base64url JSON. Opaque to callers;
 * `decodeCursor` returns the key for the caller to check, throwing `badCursor` when it is not
 * a key of `length` values.
 */
export function encodeCursor(key: readonly (string | number)[]): string {
  return Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
}

export function badCursor(cursor: unknown): SafeguardError {
  return invalid('before must be the `next` cursor of a previous page of the same list.', {
    field: 'before',
    value: cursor,
  });
}

export function decodeCursor(cursor: unknown, length: number): unknown[] {
  if (typeof cursor !== 'string' || cursor.length === 0 || cursor.length > 1_000) {
    throw badCursor(cursor);
  }
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw badCursor(cursor);
  }
  if (!Array.isArray(key) || key.length !== length) throw badCursor(cursor);
  return key;
}

/** The (createdAt, id) of the last scan of a page. */
export function decodeScanCursor(cursor: unknown): { createdAt: string; id: string } {
  const [createdAt, id] = decodeCursor(cursor, 2);
  if (
    typeof createdAt !== 'string' ||
    !isTimestamp(createdAt) ||
    typeof id !== 'string' ||
    !scanIdPattern.test(id)
  ) {
    throw badCursor(cursor);
  }
  return { createdAt, id };
}
