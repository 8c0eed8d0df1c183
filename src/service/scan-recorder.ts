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

/** A review or block waiting for its batch: told its case once written. */
interface Flagged {
  readonly scan: Scan;
  readonly audit: VerdictAuditEntry;
  readonly opensCase: boolean;
  readonly resolve: (opened: OpenedCase | undefined) => void;
  readonly reject: (error: unknown) => void;
}

/** What one write takes: scans and their entries in verdict order, the flagged among them. */
interface Pending {
  readonly scans: Scan[];
  readonly audits: VerdictAuditEntry[];
  readonly flagged: { readonly index: number; readonly item: Flagged }[];
}

const emptyPending = (): Pending => ({ scans: [], audits: [], flagged: [] });

/**
 * Records every scan and its audit entry without putting a database write in the path of
 * each `allow` verdict, with one write (one transaction, one commit) at a time:
 *
 * - allows are buffered and written every `flushMs` or `maxBatch` scans;
 * - a `review` or `block` is written at once, with whatever is buffered, and its caller gets
 *   the case id; those that arrive while a write is in flight go together in the next one
 *   (group commit), so a burst of flagged verdicts costs a few commits, not one each.
 *
 * The audit log gets the entries in verdict order. Should a batch fail, its parts are written
 * apart (the allows, then each flagged scan alone), so one bad scan cannot lose the others;
 * a flagged scan that cannot be written fails its caller, failed allows go to `onError`. A
 * buffered scan is readable through `pending(id)` until it lands. `close` writes what is left.
 */
export class ScanRecorder {
  private next: Pending = emptyPending();
  private readonly byId = new Map<string, Scan>();
  private timer: NodeJS.Timeout | undefined;
  /** Write everything buffered even without a flagged scan (timer, full batch, flush). */
  private flushWanted = false;
  /** The write loop, while it runs. */
  private loop: Promise<void> | undefined;

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
    this.byId.set(scan.id, scan);
    if (scan.verdict === 'allow') {
      this.next.scans.push(scan);
      this.next.audits.push(audit);
      if (this.next.scans.length >= this.options.maxBatch) this.flushSoon();
      else this.timer ??= setTimeout(() => this.flushSoon(), this.options.flushMs);
      return {};
    }
    const opened = await new Promise<OpenedCase | undefined>((resolve, reject) => {
      const item: Flagged = { scan, audit, opensCase: opensCase(scan.verdict), resolve, reject };
      this.next.flagged.push({ index: this.next.scans.length, item });
      this.next.scans.push(scan);
      this.next.audits.push(audit);
      this.kick();
    });
    return opened ? { caseId: opened.case.id } : {};
  }

  pending(id: string): Scan | undefined {
    return this.byId.get(id);
  }

  /** Writes everything buffered; resolves once every write asked so far has settled. */
  async flush(): Promise<void> {
    this.flushWanted = true;
    this.kick();
    while (this.loop !== undefined) await this.loop;
  }

  close(): Promise<void> {
    return this.flush();
  }

  private flushSoon(): void {
    this.flushWanted = true;
    this.kick();
  }

  /** Starts the write loop unless it runs (it takes what was added meanwhile). */
  private kick(): void {
    if (this.loop !== undefined) return;
    this.loop = this.run().finally(() => {
      this.loop = undefined;
      // Work that arrived after the loop's last look and before this callback.
      if (this.hasWork()) this.kick();
    });
  }

  private hasWork(): boolean {
    return this.next.scans.length > 0 && (this.flushWanted || this.next.flagged.length > 0);
  }

  private async run(): Promise<void> {
    while (this.hasWork()) {
      this.flushWanted = false;
      if (this.timer) {
        clearTimeout(this.timer);
        this.timer = undefined;
      }
      const batch = this.next;
      this.next = emptyPending();
      await this.write(batch);
    }
    this.flushWanted = false;
  }

  private async write(batch: Pending): Promise<void> {
    try {
      const opened = await this.deps.writer.write(
        toBatch(batch.scans, batch.audits, batch.flagged),
      );
      let c = 0;
      for (const { item } of batch.flagged) item.resolve(item.opensCase ? opened[c++] : undefined);
    } catch (error) {
      await this.writeApart(batch, error);
    } finally {
      for (const scan of batch.scans) this.byId.delete(scan.id);
    }
  }

  /** After a batch failed: the allows together, then each flagged scan on its own. */
  private async writeApart(batch: Pending, error: unknown): Promise<void> {
    if (batch.flagged.length === 0) {
      this.deps.onError(error);
      return;
    }
    const flagged = new Set(batch.flagged.map((f) => f.index));
    const scans = batch.scans.filter((_, i) => !flagged.has(i));
    const audits = batch.audits.filter((_, i) => !flagged.has(i));
    if (scans.length > 0) {
      try {
        await this.deps.writer.write(toBatch(scans, audits, []));
      } catch (allowsError) {
        this.deps.onError(allowsError);
      }
    }
    for (const { item } of batch.flagged) {
      try {
        const [opened] = await this.deps.writer.write(
          toBatch([item.scan], [item.audit], [{ index: 0, item }]),
        );
        item.resolve(opened);
      } catch (flaggedError) {
        item.reject(flaggedError);
      }
    }
  }
}

function toBatch(
  scans: readonly Scan[],
  audits: readonly VerdictAuditEntry[],
  flagged: Pending['flagged'],
): VerdictBatch {
  return {
    scans,
    audits,
    cases: flagged
      .filter(({ item }) => item.opensCase)
      .map(({ index, item }) => ({ scan: item.scan, audit: index })),
  };
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
