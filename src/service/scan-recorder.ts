import type { JsonValue } from '../core/audit/canonical-json.js';
import { opensCase } from './cases.js';
import type { NewAuditEntry } from './ports/audit-log.js';
import type { OpenedCase } from './ports/case-store.js';
import type { RecordWriter, VerdictBatch } from './ports/record-writer.js';
import type { Scan } from './ports/scan-store.js';
import type { ScanResult } from './scan.js';

/** One audit entry as the recorder hands it over; the audit log chains and stores it. */
export interface VerdictAuditEntry extends NewAuditEntry {
  readonly action: 'scan.verdict';
  readonly details: Readonly<Record<string, JsonValue | undefined>>;
  readonly at: string;
}

export interface ScanRecorderDeps {
  /** Writes a batch in one transaction (see RecordWriter). */
  readonly writer: Pick<RecordWriter, 'write'>;
  readonly onError: (error: unknown) => void;
}

export interface ScanRecorderOptions {
  /** Longest a scan waits in memory before it is written, ms. */
  readonly flushMs: number;
  /** Most scans written in one transaction. */
  readonly maxBatch: number;
}

/**
 * Records every scan and its audit entry without putting a database write in the path of
 * each `allow` verdict: allows are buffered and written in batches (one transaction per
 * flush, every `flushMs` or `maxBatch` scans); a `review` or `block` is written at once, with
 * the allows buffered before it and its case, in one transaction, so the caller gets the case
 * id after one commit. Writes go one at a time, so the audit log keeps verdict order. A
 * buffered scan is readable through `pending(id)` until it lands. `close` flushes what is left.
 */
export class ScanRecorder {
  private scans: Scan[] = [];
  private audits: VerdictAuditEntry[] = [];
  private readonly byId = new Map<string, Scan>();
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly deps: ScanRecorderDeps,
    private readonly options: ScanRecorderOptions = { flushMs: 50, maxBatch: 500 },
  ) {}

  async record(result: ScanResult, keyId: string | undefined): Promise<{ caseId?: number }> {
    const scan = toScan(result, keyId);
    const audit: VerdictAuditEntry = {
      actor: keyId ? `key:${keyId}` : 'system',
      action: 'scan.verdict',
      subject: `scan:${scan.id}`,
      details: {
        kind: scan.kind,
        verdict: scan.verdict,
        matches: scan.matches.map((m) => ({
          bank: m.bank,
          type: m.signalType,
          distance: m.distance,
        })),
        ...(scan.contentId === undefined ? {} : { contentId: scan.contentId }),
      },
      at: scan.createdAt,
    };
    if (scan.verdict === 'allow') {
      this.scans.push(scan);
      this.audits.push(audit);
      this.byId.set(scan.id, scan);
      if (this.scans.length >= this.options.maxBatch) void this.flush();
      else this.timer ??= setTimeout(() => void this.flush(), this.options.flushMs);
      return {};
    }
    const buffered = this.take();
    const flagged: VerdictBatch = {
      scans: [scan],
      audits: [audit],
      ...(opensCase(scan.verdict) ? { caseFor: scan } : {}),
    };
    const done = this.enqueue(() => this.writeWithBuffered(buffered, flagged));
    const opened = await done;
    return opened ? { caseId: opened.case.id } : {};
  }

  pending(id: string): Scan | undefined {
    return this.byId.get(id);
  }

  /** Writes everything buffered; resolves once it (and every write before it) settled. */
  flush(): Promise<void> {
    const buffered = this.take();
    return this.enqueue(() => this.writeBuffered(buffered));
  }

  close(): Promise<void> {
    return this.flush();
  }

  /** Empties the buffer into a batch (kept readable by `pending` until written). */
  private take(): VerdictBatch {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    const batch = { scans: this.scans, audits: this.audits };
    this.scans = [];
    this.audits = [];
    return batch;
  }

  /** Runs `write` after every write asked before it; its outcome is the caller's. */
  private enqueue<T>(write: () => Promise<T>): Promise<T> {
    const run = this.writing.then(write);
    this.writing = run.catch(() => undefined);
    return run;
  }

  /** Buffered allows: a failure is reported (onError), not thrown at whoever flushed. */
  private async writeBuffered(batch: VerdictBatch): Promise<void> {
    if (batch.scans.length === 0) return;
    try {
      await this.deps.writer.write(batch);
    } catch (error) {
      this.deps.onError(error);
    } finally {
      this.forget(batch);
    }
  }

  /**
   * A flagged scan with the allows buffered before it, in one transaction. Should that fail,
   * they are written apart, so that a bad batch of allows does not fail the flagged scan and
   * a flagged scan that cannot be written does not lose the allows.
   */
  private async writeWithBuffered(
    buffered: VerdictBatch,
    flagged: VerdictBatch,
  ): Promise<OpenedCase | undefined> {
    if (buffered.scans.length > 0) {
      try {
        const opened = await this.deps.writer.write({
          ...flagged,
          scans: [...buffered.scans, ...flagged.scans],
          audits: [...buffered.audits, ...flagged.audits],
        });
        this.forget(buffered);
        return opened;
      } catch {
        await this.writeBuffered(buffered);
      }
    }
    return this.deps.writer.write(flagged);
  }

  private forget(batch: VerdictBatch): void {
    for (const scan of batch.scans) this.byId.delete(scan.id);
  }
}

function toScan(result: ScanResult, keyId: string | undefined): Scan {
  return {
    id: result.scanId,
    createdAt: result.createdAt,
    kind: result.kind,
    verdict: result.verdict,
    ...(result.contentId === undefined ? {} : { contentId: result.contentId }),
    ...(result.uploaderId === undefined ? {} : { uploaderId: result.uploaderId }),
    ...(keyId === undefined ? {} : { keyId }),
    hashes: result.hashes,
    matches: result.matches,
    reasons: result.reasons,
    durationMs: result.durationMs,
  };
}
