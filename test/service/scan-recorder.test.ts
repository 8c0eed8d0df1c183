import { describe, expect, it } from 'vitest';
import { SafeguardError } from '../../src/core/errors.js';
import type { OpenedCase } from '../../src/service/ports/case-store.js';
import type { VerdictBatch } from '../../src/service/ports/record-writer.js';
import { ScanRecorder } from '../../src/service/scan-recorder.js';
import type { ScanResult } from '../../src/service/scan.js';

const result = (n: number, verdict: ScanResult['verdict']): ScanResult => ({
  scanId: `scn_${n}`,
  kind: 'lookup',
  verdict,
  matches: [],
  reasons: [],
  hashes: {},
  durationMs: 1,
  createdAt: new Date(Date.UTC(2026, 0, 1, 0, 0, n)).toISOString(),
});

/** A writer that keeps each batch; `refuse` decides which batches fail. */
function fakeWriter(refuse: (batch: VerdictBatch) => boolean = () => false) {
  const written: VerdictBatch[] = [];
  let nextCase = 1;
  return {
    written,
    ids: () => written.map((b) => b.scans.map((s) => s.id)),
    write(batch: VerdictBatch): Promise<OpenedCase | undefined> {
      if (refuse(batch)) return Promise.reject(new SafeguardError('conflict', 'refused'));
      written.push(batch);
      if (batch.caseFor === undefined) return Promise.resolve(undefined);
      return Promise.resolve({ opened: true, case: { id: nextCase++ } } as OpenedCase);
    },
  };
}

describe('ScanRecorder', () => {
  it('buffers allows and writes them in one batch; readable meanwhile', async () => {
    const writer = fakeWriter();
    const recorder = new ScanRecorder(
      { writer, onError: (e) => expect.fail(String(e)) },
      { flushMs: 20, maxBatch: 100 },
    );
    await recorder.record(result(1, 'allow'), 'key_1');
    await recorder.record(result(2, 'allow'), undefined);
    expect(recorder.pending('scn_1')?.keyId).toBe('key_1');
    expect(writer.written).toEqual([]);
    await new Promise((r) => setTimeout(r, 60));
    expect(writer.ids()).toEqual([['scn_1', 'scn_2']]);
    expect(writer.written[0].audits.map((a) => a.actor)).toEqual(['key:key_1', 'system']);
    expect(recorder.pending('scn_1')).toBeUndefined();
  });

  it('writes a block with the allows before it, in one batch that opens its case', async () => {
    const writer = fakeWriter();
    const recorder = new ScanRecorder({ writer, onError: (e) => expect.fail(String(e)) });
    await recorder.record(result(1, 'allow'), undefined);
    const answer = await recorder.record(result(2, 'block'), undefined);
    expect(answer).toEqual({ caseId: 1 });
    expect(writer.ids()).toEqual([['scn_1', 'scn_2']]);
    expect(writer.written[0].caseFor?.id).toBe('scn_2');
    expect(writer.written[0].audits.map((a) => a.subject)).toEqual(['scan:scn_1', 'scan:scn_2']);
    await recorder.close();
    expect(writer.written).toHaveLength(1); // nothing left to write
  });

  it('when the joint batch fails, writes the two apart: the allows are reported, the block still lands', async () => {
    const errors: unknown[] = [];
    // Any batch holding scn_1 fails (say, a scan id recorded already).
    const writer = fakeWriter((b) => b.scans.some((s) => s.id === 'scn_1'));
    const recorder = new ScanRecorder({ writer, onError: (e) => errors.push(e) });
    await recorder.record(result(1, 'allow'), undefined);
    expect(await recorder.record(result(2, 'review'), undefined)).toEqual({ caseId: 1 });
    expect(writer.ids()).toEqual([['scn_2']]);
    expect(errors).toHaveLength(1);
    expect(recorder.pending('scn_1')).toBeUndefined();
  });

  it('a block that cannot be written fails its caller; the allows before it are kept', async () => {
    const writer = fakeWriter((b) => b.scans.some((s) => s.id === 'scn_2'));
    const recorder = new ScanRecorder({ writer, onError: (e) => expect.fail(String(e)) });
    await recorder.record(result(1, 'allow'), undefined);
    await expect(recorder.record(result(2, 'block'), undefined)).rejects.toMatchObject({
      code: 'conflict',
    });
    expect(writer.ids()).toEqual([['scn_1']]);
    // Later writes still go through.
    expect(await recorder.record(result(3, 'block'), undefined)).toEqual({ caseId: 1 });
  });

  it('writes one batch at a time, in verdict order', async () => {
    const order: string[] = [];
    let release: () => void = () => undefined;
    const slow = new Promise<void>((r) => (release = r));
    const recorder = new ScanRecorder(
      {
        writer: {
          async write(batch) {
            if (batch.scans[0].id === 'scn_1') await slow;
            order.push(batch.scans.map((s) => s.id).join(','));
            return batch.caseFor ? ({ opened: true, case: { id: 9 } } as OpenedCase) : undefined;
          },
        },
        onError: (e) => expect.fail(String(e)),
      },
      { flushMs: 1000, maxBatch: 1 },
    );
    await recorder.record(result(1, 'allow'), undefined); // batch full: written now (slowly)
    const block = recorder.record(result(2, 'block'), undefined);
    await new Promise((r) => setTimeout(r, 20));
    expect(order).toEqual([]); // the block waits for the write before it
    release();
    await block;
    expect(order).toEqual(['scn_1', 'scn_2']);
  });
});
