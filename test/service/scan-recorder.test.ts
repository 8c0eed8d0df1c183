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

/**
 * A writer that keeps each batch and numbers cases; `refuse` decides which batches fail, and
 * `hold` (when set) keeps every write waiting until released.
 */
function fakeWriter(refuse: (batch: VerdictBatch) => boolean = () => false) {
  const written: VerdictBatch[] = [];
  let nextCase = 1;
  let gate: Promise<void> = Promise.resolve();
  let open: () => void = () => undefined;
  return {
    written,
    ids: () => written.map((b) => b.scans.map((s) => s.id)),
    hold() {
      gate = new Promise<void>((r) => (open = r));
    },
    release() {
      open();
    },
    async write(batch: VerdictBatch): Promise<OpenedCase[]> {
      await gate;
      if (refuse(batch)) throw new SafeguardError('conflict', 'refused');
      written.push(batch);
      return (batch.cases ?? []).map(
        () => ({ opened: true, case: { id: nextCase++ } }) as OpenedCase,
      );
    },
  };
}

const failOnError = (e: unknown) => expect.fail(String(e));

describe('ScanRecorder', () => {
  it('buffers allows and writes them in one batch; readable meanwhile', async () => {
    const writer = fakeWriter();
    const recorder = new ScanRecorder(
      { writer, onError: failOnError },
      { flushMs: 20, maxBatch: 100 },
    );
    await recorder.record(result(1, 'allow'), 'key_1');
    await recorder.record(result(2, 'allow'), undefined);
    expect(recorder.pending('scn_1')?.keyId).toBe('key_1');
    expect(writer.written).toEqual([]);
    await new Promise((r) => setTimeout(r, 60));
    expect(writer.ids()).toEqual([['scn_1', 'scn_2']]);
    expect(writer.written[0].audits.map((a) => a.actor)).toEqual(['key:key_1', 'system']);
    expect(writer.written[0].cases).toEqual([]);
    expect(recorder.pending('scn_1')).toBeUndefined();
  });

  it('writes a block at once with the allows before it, in one batch that opens its case', async () => {
    const writer = fakeWriter();
    const recorder = new ScanRecorder({ writer, onError: failOnError });
    await recorder.record(result(1, 'allow'), undefined);
    const answer = await recorder.record(result(2, 'block'), undefined);
    expect(answer).toEqual({ caseId: 1 });
    expect(writer.ids()).toEqual([['scn_1', 'scn_2']]);
    expect(writer.written[0].cases?.map((c) => [c.scan.id, c.audit])).toEqual([['scn_2', 1]]);
    expect(writer.written[0].audits.map((a) => a.subject)).toEqual(['scan:scn_1', 'scan:scn_2']);
    await recorder.close();
    expect(writer.written).toHaveLength(1); // nothing left to write
  });

  it('group commit: flagged verdicts that arrive during a write share the next one, in order', async () => {
    const writer = fakeWriter();
    const recorder = new ScanRecorder({ writer, onError: failOnError });
    writer.hold();
    const first = recorder.record(result(1, 'block'), undefined);
    await new Promise((r) => setTimeout(r, 5));
    const more = [
      recorder.record(result(2, 'review'), undefined),
      recorder.record(result(3, 'allow'), undefined),
      recorder.record(result(4, 'block'), undefined),
    ];
    await new Promise((r) => setTimeout(r, 5));
    writer.release();
    expect(await first).toEqual({ caseId: 1 });
    expect(await Promise.all(more)).toEqual([{ caseId: 2 }, {}, { caseId: 3 }]);
    expect(writer.ids()).toEqual([['scn_1'], ['scn_2', 'scn_3', 'scn_4']]);
    expect(writer.written[1].cases?.map((c) => [c.scan.id, c.audit])).toEqual([
      ['scn_2', 0],
      ['scn_4', 2],
    ]);
  });

  it('when a joint batch fails, writes its parts apart: failed allows reported, the block still lands', async () => {
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

  it('a block that cannot be written fails its caller only; the others land', async () => {
    const writer = fakeWriter((b) => b.scans.some((s) => s.id === 'scn_2'));
    const recorder = new ScanRecorder({ writer, onError: failOnError });
    writer.hold();
    const allow = recorder.record(result(1, 'allow'), undefined);
    const bad = recorder.record(result(2, 'block'), undefined);
    const good = recorder.record(result(3, 'block'), undefined);
    writer.release();
    await allow;
    await expect(bad).rejects.toMatchObject({ code: 'conflict' });
    expect(await good).toEqual({ caseId: 1 });
    expect(writer.ids()).toEqual([['scn_1'], ['scn_3']]);
    expect(await recorder.record(result(4, 'block'), undefined)).toEqual({ caseId: 2 });
  });

  it('flush waits for the write in flight and for what was buffered behind it', async () => {
    const writer = fakeWriter();
    const recorder = new ScanRecorder(
      { writer, onError: failOnError },
      { flushMs: 10_000, maxBatch: 100 },
    );
    writer.hold();
    const block = recorder.record(result(1, 'block'), undefined);
    await new Promise((r) => setTimeout(r, 5));
    await recorder.record(result(2, 'allow'), undefined);
    const flushed = recorder.flush();
    writer.release();
    await flushed;
    await block;
    expect(writer.ids()).toEqual([['scn_1'], ['scn_2']]);
  });
});
