import { openCaseIfNeeded } from './cases.js';
import type { CaseStore } from './ports/case-store.js';
import type { Scan, ScanStore } from './ports/scan-store.js';
import type { ScanResult } from './scan.js';

/** One audit entry as the recorder hands it over; the audit log chains and stores it. */
export interface VerdictAuditEntry {
  readonly actor: string;
  readonly action: 'scan.verdict';
  readonly subject: string;
  readonly details: Record<string, unknown>;
  readonly at: string;
}

export interface ScanRecorderDeps {
  readonly scanStore: Pick<ScanStore, 'record' | 'recordMany'>;
  readonly caseStore: Pick<CaseStore, 'open'>;
  /** Appends verdict entries to the audit log, in order, in one go. */
  readonly appendAudit: (entries: readonly VerdictAuditEntry[]) => Promise<void>;
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
 * flush, every `flushMs` or `maxBatch` scans); `review` and `block` are written at once,
 * with their case, so the caller gets the case id. A buffered scan is readable through
 * `pending(id)` until it lands. `close` flushes what is left.
 */
export class ScanRecorder {
  private scans: Scan[] = [];
  private audits: VerdictAuditEntry[] = [];
  private readonly byId = new Map<string, Scan>();
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();

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
    await this.deps.scanStore.record(scan);
    const opening = await openCaseIfNeeded({ caseStore: this.deps.caseStore }, scan);
    await this.flush(); // keeps the audit log in verdict order
    await this.deps.appendAudit([
      { ...audit, details: { ...audit.details, caseId: opening?.case.id } },
    ]);
    return opening ? { caseId: opening.case.id } : {};
  }

  pending(id: string): Scan | undefined {
    return this.byId.get(id);
  }

  /** Writes everything buffered; concurrent calls queue behind each other. */
  flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    const scans = this.scans;
    const audits = this.audits;
    this.scans = [];
    this.audits = [];
    this.flushing = this.flushing.then(async () => {
      if (scans.length === 0) return;
      try {
        await this.deps.scanStore.recordMany(scans);
        await this.deps.appendAudit(audits);
      } catch (error) {
        this.deps.onError(error);
      } finally {
        for (const scan of scans) this.byId.delete(scan.id);
      }
    });
    return this.flushing;
  }

  close(): Promise<void> {
    return this.flush();
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
