import { describe, expect, it } from 'vitest';
import { describeAuditVerification, keyActor } from '../../src/service/audit.js';

describe('describeAuditVerification', () => {
  it('says ok with the row count and head', () => {
    expect(
      describeAuditVerification({ ok: true, rows: 0, head: { seq: 0, hash: '0'.repeat(64) } }),
    ).toBe('ok: 0 rows');
    expect(
      describeAuditVerification({ ok: true, rows: 3, head: { seq: 3, hash: 'ab'.repeat(32) } }),
    ).toBe(`ok: 3 rows, head ${'ab'.repeat(32)}`);
  });

  it('names the first bad row and why', () => {
    expect(
      describeAuditVerification({
        ok: false,
        firstBad: {
          seq: 12,
          reason: 'edited',
          explanation: "row 12's content does not match its hash.",
        },
      }),
    ).toBe("audit log broken at row 12 (edited): row 12's content does not match its hash.");
  });

  it('names a key actor by its public id', () => {
    expect(keyActor('abcdefghij')).toBe('key:abcdefghij');
  });
});
