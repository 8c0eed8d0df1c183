import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  chainAuditRecord,
  emptyChainHead,
  genesisHash,
  hashAuditRecord,
} from '../../../src/core/audit/audit-record.js';
import type { AuditChainHead } from '../../../src/core/audit/audit-record.js';
import { canonicalJson } from '../../../src/core/audit/canonical-json.js';
import { AuditChainVerifier, verifyChain } from '../../../src/core/audit/verify-chain.js';
import type { StoredAuditRow } from '../../../src/core/audit/verify-chain.js';

function buildChain(length: number): StoredAuditRow[] {
  const rows: StoredAuditRow[] = [];
  let head: AuditChainHead = emptyChainHead;
  for (let i = 0; i < length; i += 1) {
    const record = chainAuditRecord(head, {
      at: new Date(Date.UTC(2024, 4, 1, 0, 0, i)).toISOString(),
      actor: i % 2 === 0 ? 'cli' : 'key:abcdefghij',
      action: i % 3 === 0 ? 'bank.create' : 'scan.verdict',
      subject: `bank:${i}`,
      details: { n: i, tags: ['a', 'b'] },
    });
    rows.push({ ...record, details: canonicalJson(record.details) });
    head = record;
  }
  return rows;
}

const headOf = (rows: readonly StoredAuditRow[]): AuditChainHead => {
  const last = rows.at(-1);
  return last === undefined ? emptyChainHead : { seq: last.seq, hash: last.hash };
};

/** The rows with row `seq` changed. */
const edit = (rows: StoredAuditRow[], seq: number, change: Partial<StoredAuditRow>) =>
  rows.map((row) => (row.seq === seq ? { ...row, ...change } : row));

const firstBad = (rows: Iterable<StoredAuditRow>, head?: AuditChainHead) => {
  const result = verifyChain(rows, head);
  return result.ok ? undefined : { seq: result.firstBad.seq, reason: result.firstBad.reason };
};

describe('audit chain records', () => {
  it('hash sha256(prevHash + canonical JSON of the fields), from 64 zeros', () => {
    const [first, second] = buildChain(2);
    expect(first.prevHash).toBe(genesisHash);
    expect(genesisHash).toBe('0'.repeat(64));
    expect(first.seq).toBe(1);
    expect(second.prevHash).toBe(first.hash);
    expect(first.hash).toMatch(/^[0-9a-f]{64}$/);
    // Pinned: a change to the hash input would orphan every existing log.
    expect(
      hashAuditRecord(genesisHash, {
        seq: 1,
        at: '2024-05-01T00:00:00.000Z',
        actor: 'cli',
        action: 'key.create',
        subject: 'key:abcdefghij',
        details: { scopes: ['scan'], name: 'n' },
      }),
    ).toBe(
      hashAuditRecord(genesisHash, {
        details: { name: 'n', scopes: ['scan'] },
        subject: 'key:abcdefghij',
        action: 'key.create',
        actor: 'cli',
        at: '2024-05-01T00:00:00.000Z',
        seq: 1,
      }),
    );
  });
});

describe('verifyChain', () => {
  it('accepts an intact chain, and an empty one', () => {
    const rows = buildChain(40);
    expect(verifyChain(rows, headOf(rows))).toEqual({ ok: true, rows: 40, head: headOf(rows) });
    expect(verifyChain([], emptyChainHead)).toEqual({ ok: true, rows: 0, head: emptyChainHead });
  });

  it('calls a row with changed details, actor, time or hash edited', () => {
    const rows = buildChain(30);
    const head = headOf(rows);
    expect(firstBad(edit(rows, 7, { details: '{"n":700,"tags":["a","b"]}' }), head)).toEqual({
      seq: 7,
      reason: 'edited',
    });
    expect(firstBad(edit(rows, 1, { actor: 'someone' }), head)).toEqual({
      seq: 1,
      reason: 'edited',
    });
    expect(firstBad(edit(rows, 30, { at: '2030-01-01T00:00:00.000Z' }), head)).toEqual({
      seq: 30,
      reason: 'edited',
    });
    expect(firstBad(edit(rows, 12, { hash: 'f'.repeat(64) }), head)).toEqual({
      seq: 12,
      reason: 'edited',
    });
    expect(firstBad(edit(rows, 12, { details: 'not json' }), head)).toEqual({
      seq: 12,
      reason: 'edited',
    });
    // The same object written with other spacing is not the text that was hashed.
    expect(firstBad(edit(rows, 12, { details: '{"n": 11, "tags": ["a","b"]}' }), head)).toEqual({
      seq: 12,
      reason: 'edited',
    });
  });

  it('names the edited row even when its own hash was recomputed', () => {
    const rows = buildChain(10);
    const forged = chainAuditRecord(
      { seq: 4, hash: rows[3].hash },
      { at: rows[4].at, actor: 'cli', action: 'bank.create', subject: 'bank:4', details: {} },
    );
    const tampered = edit(rows, 5, { ...forged, details: '{}' });
    expect(verifyChain(tampered, headOf(rows))).toMatchObject({
      ok: false,
      firstBad: {
        seq: 5,
        reason: 'edited',
        explanation: expect.stringMatching(/row 6 recorded/) as string,
      },
    });
  });

  it('calls a missing row deleted, at the first missing seq', () => {
    const rows = buildChain(20);
    const head = headOf(rows);
    expect(
      firstBad(
        rows.filter((row) => row.seq !== 9),
        head,
      ),
    ).toEqual({ seq: 9, reason: 'deleted' });
    expect(
      firstBad(
        rows.filter((row) => row.seq < 5 || row.seq > 7),
        head,
      ),
    ).toEqual({
      seq: 5,
      reason: 'deleted',
    });
    expect(firstBad(rows.slice(1), head)).toEqual({ seq: 1, reason: 'deleted' });
    // The tail is only missed against the head.
    expect(firstBad(rows.slice(0, -2), head)).toEqual({ seq: 19, reason: 'deleted' });
    expect(firstBad([], head)).toEqual({ seq: 1, reason: 'deleted' });
    expect(verifyChain(rows.slice(0, -2)).ok).toBe(true);
  });

  it('calls a row deleted when the rows after it were renumbered to close the gap', () => {
    const rows = buildChain(12);
    const renumbered = rows
      .filter((row) => row.seq !== 6)
      .map((row) => (row.seq > 6 ? { ...row, seq: row.seq - 1 } : row));
    expect(firstBad(renumbered, headOf(rows))).toEqual({ seq: 6, reason: 'deleted' });
  });

  it('calls rows swapped in seq reordered, near or at a distance within the lookahead', () => {
    const rows = buildChain(30);
    const head = headOf(rows);
    const swap = (a: number, b: number) =>
      rows
        .map((row) =>
          row.seq === a ? { ...row, seq: b } : row.seq === b ? { ...row, seq: a } : row,
        )
        .sort((x, y) => x.seq - y.seq);
    expect(firstBad(swap(10, 11), head)).toEqual({ seq: 10, reason: 'reordered' });
    expect(firstBad(swap(3, 9), head)).toEqual({ seq: 3, reason: 'reordered' });
    expect(firstBad(swap(1, 2), head)).toEqual({ seq: 1, reason: 'reordered' });
    expect(firstBad(swap(29, 30), head)).toEqual({ seq: 29, reason: 'reordered' });
  });

  it('calls rows given out of seq order reordered', () => {
    const rows = buildChain(8);
    const stored = [...rows.slice(0, 3), rows[4], rows[3], ...rows.slice(5)];
    expect(firstBad(stored, headOf(rows))).toEqual({ seq: 4, reason: 'reordered' });
    const backwards = [...rows.slice(0, 5), rows[2], ...rows.slice(5)];
    expect(firstBad(backwards, headOf(rows))).toEqual({ seq: 3, reason: 'reordered' });
    const twice = [...rows.slice(0, 5), rows[4], ...rows.slice(5)];
    expect(firstBad(twice, headOf(rows))).toEqual({ seq: 5, reason: 'inserted' });
  });

  it('calls a row slipped in inserted, renumbered or appended past the head', () => {
    const rows = buildChain(10);
    const forged = chainAuditRecord(
      { seq: rows[3].seq, hash: rows[3].hash },
      { at: rows[3].at, actor: 'cli', action: 'key.create', subject: 'key:x', details: {} },
    );
    const slipped = [
      ...rows.slice(0, 4),
      { ...forged, details: '{}' },
      ...rows.slice(4).map((row) => ({ ...row, seq: row.seq + 1 })),
    ];
    expect(firstBad(slipped)).toEqual({ seq: 5, reason: 'inserted' });

    const last = rows[9];
    const appended = chainAuditRecord(
      { seq: last.seq, hash: last.hash },
      { at: last.at, actor: 'cli', action: 'key.create', subject: 'key:x', details: {} },
    );
    expect(firstBad([...rows, { ...appended, details: '{}' }], headOf(rows))).toEqual({
      seq: 11,
      reason: 'inserted',
    });
  });

  it('finds any single edit of any row, naming that row', () => {
    const fields = ['at', 'actor', 'action', 'subject', 'details', 'prevHash', 'hash'] as const;
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 25 }),
        fc.nat(),
        fc.constantFrom(...fields),
        fc.string({ minLength: 1, maxLength: 8 }),
        (length, pick, field, noise) => {
          const rows = buildChain(length);
          const seq = (pick % length) + 1;
          const row = rows[seq - 1];
          const changed =
            field === 'details' ? `{"x":${JSON.stringify(noise)}}` : row[field] + noise;
          expect(firstBad(edit(rows, seq, { [field]: changed }), headOf(rows))).toEqual({
            seq,
            reason: 'edited',
          });
        },
      ),
      { numRuns: 300 },
    );
  });

  it('finds any deleted row (the last one against the head)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 25 }), fc.nat(), (length, pick) => {
        const rows = buildChain(length);
        const seq = (pick % length) + 1;
        expect(
          firstBad(
            rows.filter((row) => row.seq !== seq),
            headOf(rows),
          ),
        ).toEqual({
          seq,
          reason: 'deleted',
        });
      }),
      { numRuns: 200 },
    );
  });

  it('streams in constant memory: a fault is reported once the lookahead has passed it', () => {
    const rows = buildChain(50);
    const verifier = new AuditChainVerifier({ head: headOf(rows), lookahead: 4 });
    const tampered = edit(rows, 10, { subject: 'bank:999' });
    const reported: number[] = [];
    for (const row of tampered) {
      const fault = verifier.push(row);
      if (fault !== undefined) {
        reported.push(row.seq);
        break;
      }
    }
    expect(reported).toEqual([14]);
    expect(verifier.finish()).toMatchObject({ ok: false, firstBad: { seq: 10, reason: 'edited' } });
  });

  it('checks the head read after the rows: a different hash at its seq is an edit', () => {
    const rows = buildChain(5);
    expect(firstBad(rows, { seq: 5, hash: 'a'.repeat(64) })).toEqual({ seq: 5, reason: 'edited' });
    const verifier = new AuditChainVerifier({ head: { seq: 3, hash: 'b'.repeat(64) } });
    for (const row of rows) verifier.push(row);
    expect(verifier.finish(headOf(rows))).toMatchObject({ ok: false, firstBad: { seq: 3 } });
    const later = new AuditChainVerifier({ head: { seq: 3, hash: rows[2].hash } });
    for (const row of rows) later.push(row);
    expect(later.finish(headOf(rows)).ok).toBe(true);
  });
});
