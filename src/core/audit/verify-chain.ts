import { emptyChainHead, hashAuditRecord } from './audit-record.js';
import type { AuditChainHead, AuditRecord } from './audit-record.js';
import { canonicalJson, isJsonObject } from './canonical-json.js';
import type { JsonObject } from './canonical-json.js';

/** A record as stored: `details` is its canonical JSON text. */
export interface StoredAuditRow {
  readonly seq: number;
  readonly at: string;
  readonly actor: string;
  readonly action: string;
  readonly subject: string;
  readonly details: string;
  readonly prevHash: string;
  readonly hash: string;
}

/**
 * Why a row is bad: its content or hash changed (`edited`), a row is missing (`deleted`), a
 * row sits at another row's place (`reordered`), a row that was never appended is there
 * (`inserted`).
 */
export const auditFaultReasons = ['edited', 'deleted', 'reordered', 'inserted'] as const;
export type AuditFaultReason = (typeof auditFaultReasons)[number];

export interface AuditFault {
  /** The first bad row (for `deleted`, the first missing seq). */
  readonly seq: number;
  readonly reason: AuditFaultReason;
  /** One sentence saying what was found. */
  readonly explanation: string;
}

export type AuditChainVerification =
  | { readonly ok: true; readonly rows: number; readonly head: AuditChainHead }
  | { readonly ok: false; readonly firstBad: AuditFault };

export interface AuditChainVerifierOptions {
  /**
   * The head (last seq and hash) recorded when reading began: every row up to it must be
   * there and the row at its seq must carry its hash. Without it, a deleted tail goes unseen.
   */
  readonly head?: AuditChainHead;
  /** Rows held ahead of the one being checked, to tell a move or insertion from an edit. */
  readonly lookahead?: number;
}

const defaultLookahead = 16;

interface Previous {
  readonly seq: number;
  readonly hash: string;
  /** The hash of the row before it (undefined before the second row). */
  readonly before: string | undefined;
}

/**
 * Checks a hash chain row by row in constant memory: push rows in ascending seq, then
 * finish. The first bad row is classified from what the rows themselves show: a gap in seq
 * is a deletion; a seq going back is a reordering; a row whose hash does not match its
 * content is an edit; a row whose link points at a row further on was moved there; a row the
 * next rows skip over was inserted; a row that hashes right under the seq after its own was
 * renumbered after a deletion. When the evidence is ambiguous the row is called edited.
 */
export class AuditChainVerifier {
  readonly #head: AuditChainHead | undefined;
  readonly #lookahead: number;
  readonly #pending: StoredAuditRow[] = [];
  #previous: Previous = { seq: emptyChainHead.seq, hash: emptyChainHead.hash, before: undefined };
  #rows = 0;
  #fault: AuditFault | undefined;

  constructor(options: AuditChainVerifierOptions = {}) {
    this.#head = options.head;
    this.#lookahead = Math.max(1, options.lookahead ?? defaultLookahead);
  }

  /** Adds the next row; returns the first fault once one is certain (and from then on). */
  push(row: StoredAuditRow): AuditFault | undefined {
    if (this.#fault !== undefined) return this.#fault;
    this.#pending.push(row);
    if (this.#pending.length > this.#lookahead) this.#checkFirstPending();
    return this.#fault;
  }

  /**
   * Checks the rows still held, then the end of the chain against `after`, the head read
   * once the rows were read: no row may lie beyond it, and the row at its seq must carry
   * its hash. (Rows appended while reading lie beyond the head read before, not after.)
   */
  finish(after?: AuditChainHead): AuditChainVerification {
    while (this.#fault === undefined && this.#pending.length > 0) this.#checkFirstPending();
    this.#fault ??= this.#checkEnd(after);
    if (this.#fault !== undefined) return { ok: false, firstBad: this.#fault };
    return {
      ok: true,
      rows: this.#rows,
      head: { seq: this.#previous.seq, hash: this.#previous.hash },
    };
  }

  #checkFirstPending(): void {
    const row = this.#pending.shift();
    if (row === undefined) return;
    this.#fault = this.#check(row, this.#pending);
    if (this.#fault !== undefined) return;
    this.#rows += 1;
    this.#previous = { seq: row.seq, hash: row.hash, before: this.#previous.hash };
  }

  #check(row: StoredAuditRow, ahead: readonly StoredAuditRow[]): AuditFault | undefined {
    const previous = this.#previous;
    const expected = previous.seq + 1;
    if (row.seq > expected && ahead.some((later) => later.seq === expected)) {
      return fault(expected, 'reordered', `row ${expected} comes after row ${row.seq}.`);
    }
    if (row.seq > expected) {
      const missing =
        row.seq === expected + 1 ? `row ${expected} is` : `rows ${expected} to ${row.seq - 1} are`;
      const found =
        previous.seq === 0
          ? `the first row is ${row.seq}`
          : `row ${previous.seq} is followed by ${row.seq}`;
      return fault(expected, 'deleted', `${missing} missing: ${found}.`);
    }
    if (row.seq < expected) {
      return row.seq === previous.seq
        ? fault(row.seq, 'inserted', `there are two rows ${row.seq}.`)
        : fault(row.seq, 'reordered', `row ${row.seq} comes after row ${previous.seq}.`);
    }
    const content = parseDetails(row.details);
    const hashesAs = (seq: number): boolean =>
      content !== undefined &&
      hashAuditRecord(row.prevHash, toRecord(row, seq, content)) === row.hash;
    const selfOk = hashesAs(row.seq);
    const linkOk = row.prevHash === previous.hash;

    if (selfOk && linkOk) {
      const head = this.#head;
      if (head !== undefined && head.seq === row.seq && head.hash !== row.hash) {
        return fault(
          row.seq,
          'edited',
          `row ${row.seq} does not carry the hash the log's head recorded for it.`,
        );
      }
      return undefined;
    }
    if (!linkOk) {
      const target = ahead.find((later) => later.hash === row.prevHash);
      if (target !== undefined) {
        return fault(
          row.seq,
          'reordered',
          `row ${row.seq} was written to follow the row now at ${target.seq}, which comes after it.`,
        );
      }
    }
    if (!selfOk && linkOk) {
      return fault(
        row.seq,
        'edited',
        content === undefined
          ? `row ${row.seq}'s details are not the JSON that was written.`
          : `row ${row.seq}'s content does not match its hash.`,
      );
    }
    if (!selfOk && hashesAs(row.seq + 1)) {
      return fault(
        row.seq,
        'deleted',
        `row ${row.seq} was written as row ${row.seq + 1}: the row before it was deleted and the rest renumbered.`,
      );
    }
    if (!linkOk && previous.before !== undefined && row.prevHash === previous.before) {
      return fault(
        previous.seq,
        'inserted',
        `row ${row.seq} was written to follow row ${previous.seq - 1}: row ${previous.seq} was slipped in between.`,
      );
    }
    if (!linkOk) {
      const rejoin = ahead.find((later) => later.prevHash === previous.hash);
      if (rejoin !== undefined) {
        return fault(
          row.seq,
          'inserted',
          `row ${rejoin.seq} was written to follow row ${previous.seq}: the rows between were slipped in.`,
        );
      }
    }
    if (selfOk && previous.seq > 0) {
      return fault(
        previous.seq,
        'edited',
        `row ${row.seq} recorded another hash for row ${previous.seq}: row ${previous.seq} was changed and its hash recomputed.`,
      );
    }
    return fault(
      row.seq,
      'edited',
      previous.seq === 0 && selfOk
        ? `row ${row.seq} does not start from the genesis hash.`
        : `row ${row.seq} matches neither its own hash nor the row before it.`,
    );
  }

  #checkEnd(after: AuditChainHead | undefined): AuditFault | undefined {
    const last = this.#previous;
    const head = this.#head;
    if (head !== undefined && last.seq < head.seq) {
      return fault(
        last.seq + 1,
        'deleted',
        `the log's head records ${head.seq} rows but the last row is ${last.seq}: the rows after it were deleted.`,
      );
    }
    if (after !== undefined && last.seq > after.seq) {
      return fault(
        after.seq + 1,
        'inserted',
        `the log's head records ${after.seq} rows but rows go on to ${last.seq}: rows were added without being appended.`,
      );
    }
    if (after !== undefined && after.seq === last.seq && after.hash !== last.hash) {
      return fault(
        last.seq,
        'edited',
        `row ${last.seq} does not carry the hash the log's head recorded for it.`,
      );
    }
    return undefined;
  }
}

/** Verifies a whole chain held in memory (rows in the order they are stored or read). */
export function verifyChain(
  rows: Iterable<StoredAuditRow>,
  head?: AuditChainHead,
): AuditChainVerification {
  const verifier = new AuditChainVerifier({ head });
  for (const row of rows) {
    if (verifier.push(row) !== undefined) break;
  }
  return verifier.finish(head);
}

function fault(seq: number, reason: AuditFaultReason, explanation: string): AuditFault {
  return { seq, reason, explanation };
}

/** The details object, or undefined when the text is not the canonical JSON of an object. */
function parseDetails(text: string): JsonObject | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isJsonObject(parsed)) return undefined;
  try {
    return canonicalJson(parsed) === text ? parsed : undefined;
  } catch {
    return undefined;
  }
}

function toRecord(row: StoredAuditRow, seq: number, details: JsonObject): AuditRecord {
  return { seq, at: row.at, actor: row.actor, action: row.action, subject: row.subject, details };
}
