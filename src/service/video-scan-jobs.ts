import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import { isSafeguardError } from '../core/errors.js';
import { newId } from './new-id.js';
import type { Job, JobStore } from './ports/job-store.js';
import type { ScanMeta, ScanResult } from './scan.js';
import type { WebhookSender } from './webhooks/send-webhook.js';

export interface VideoScanJobsDeps {
  readonly jobStore: JobStore;
  /** Scans the stored upload. */
  readonly scan: (path: string, meta: ScanMeta, signal: AbortSignal) => Promise<ScanResult>;
  /** Records the scan (and opens its case); what the API would answer. */
  readonly record: (result: ScanResult, keyId: string | undefined) => Promise<unknown>;
  /** Signs and delivers `scan.completed` events; undefined: no callbacks configured. */
  readonly webhooks: WebhookSender | undefined;
  readonly onError: (error: unknown) => void;
  readonly now?: () => number;
  /** This process in the jobs' owner column (default: host/pid/random). */
  readonly owner?: string;
  /** How often this process says it is alive, ms (default 10 s). */
  readonly heartbeatMs?: number;
  /** A job whose owner has been silent this long is taken over, ms (default 60 s). */
  readonly staleAfterMs?: number;
}

export interface VideoJobInput extends ScanMeta {
  /** The upload, stored for the job; deleted when the job ends. */
  readonly path: string;
}

/**
 * Long video scans in the background, one at a time in this process (hashing already uses
 * every core). A job's record is in the store, so anyone can poll it; when it ends, its
 * callback (if any) gets a signed `scan.completed` event.
 *
 * Several processes share the jobs: each job names the process that runs it, which says it
 * is alive every `heartbeatMs`. At start and every half minute, each process looks for jobs
 * whose owner died (a process of this host that is gone, or silent for `staleAfterMs`) and
 * takes them over — one process wins each: a queued one runs here (its upload is on this
 * host's disk), a running one (cut mid-scan) is failed with code `interrupted`: send the
 * video again.
 */
export class VideoScanJobs {
  private queue: Promise<void> = Promise.resolve();
  private readonly abort = new AbortController();
  private pending = 0;
  private readonly owner: string;
  private timers: NodeJS.Timeout[] = [];

  constructor(private readonly deps: VideoScanJobsDeps) {
    this.owner = deps.owner ?? newOwner();
  }

  /** Queues a scan of a stored upload; the file now belongs to the job. */
  async submit(
    input: VideoJobInput,
    options: { callbackUrl?: string; keyId?: string } = {},
  ): Promise<Job> {
    const job = await this.deps.jobStore.create({
      id: newId('job', this.now()),
      kind: 'video_scan',
      input: { ...input },
      ...(options.callbackUrl === undefined ? {} : { callbackUrl: options.callbackUrl }),
      ...(options.keyId === undefined ? {} : { keyId: options.keyId }),
      createdAt: new Date(this.now()).toISOString(),
      owner: this.owner,
    });
    this.enqueue(job);
    return job;
  }

  /**
   * Takes over the jobs of processes that died (an earlier run of this one included) and keeps
   * doing so every `sweepMs`, while saying this process is alive. Returns the jobs taken now.
   */
  async resume(sweepMs = 30_000): Promise<number> {
    if (this.timers.length === 0) {
      const heartbeat = setInterval(() => {
        if (this.pending === 0) return;
        const at = new Date(this.now()).toISOString();
        this.deps.jobStore.heartbeat(this.owner, at).catch(this.deps.onError);
      }, this.deps.heartbeatMs ?? 10_000);
      const sweep = setInterval(() => {
        this.takeOrphans().catch(this.deps.onError);
      }, sweepMs);
      this.timers = [heartbeat, sweep];
      for (const timer of this.timers) timer.unref();
    }
    return this.takeOrphans();
  }

  private async takeOrphans(): Promise<number> {
    const now = this.now();
    const at = new Date(now).toISOString();
    const staleBefore = new Date(now - (this.deps.staleAfterMs ?? 60_000)).toISOString();
    const unfinished = await this.deps.jobStore.listUnfinished('video_scan', 1000);
    let taken = 0;
    for (const job of unfinished) {
      if (job.owner === this.owner) continue;
      const orphaned =
        job.owner === undefined ||
        processGone(job.owner, this.owner) ||
        (job.heartbeatAt ?? '') < staleBefore;
      if (!orphaned || !(await this.deps.jobStore.claim(job.id, job.owner, this.owner, at))) {
        continue;
      }
      taken++;
      const mine = { ...job, owner: this.owner };
      const path = (job.input as unknown as VideoJobInput).path;
      if (job.status === 'queued' && existsSync(path)) this.enqueue(mine);
      else {
        await this.end(mine, {
          error: {
            code: 'interrupted',
            message:
              job.status === 'queued'
                ? 'the server that took this video stopped before scanning it: send it again'
                : 'the server stopped while this video was being scanned: send it again',
          },
        });
      }
    }
    return taken;
  }

  /** Jobs queued or running here. */
  get inFlight(): number {
    return this.pending;
  }

  /** Waits for every queued job (tests, graceful shutdown with drain). */
  idle(): Promise<void> {
    return this.queue;
  }

  /** Stops the running scan; queued jobs stay queued for the next start. */
  async close(): Promise<void> {
    for (const timer of this.timers) clearInterval(timer);
    this.timers = [];
    this.abort.abort();
    await this.queue;
  }

  private enqueue(job: Job): void {
    this.pending++;
    this.queue = this.queue
      .then(() => this.run(job))
      .catch(this.deps.onError)
      .finally(() => {
        this.pending--;
      });
  }

  private async run(job: Job): Promise<void> {
    if (this.abort.signal.aborted) return;
    const input = job.input as unknown as VideoJobInput;
    if (!(await this.deps.jobStore.start(job.id, new Date(this.now()).toISOString()))) return;
    let outcome: { result: unknown } | { error: { code: string; message: string } };
    try {
      const meta: ScanMeta = {
        ...(input.contentId === undefined ? {} : { contentId: input.contentId }),
        ...(input.uploaderId === undefined ? {} : { uploaderId: input.uploaderId }),
      };
      const result = await this.deps.scan(input.path, meta, this.abort.signal);
      outcome = { result: await this.deps.record(result, job.keyId) };
    } catch (error) {
      if (this.abort.signal.aborted) {
        outcome = {
          error: {
            code: 'interrupted',
            message: 'the server stopped during the scan: send it again',
          },
        };
      } else {
        outcome = {
          error: isSafeguardError(error)
            ? { code: error.code, message: error.message }
            : { code: 'internal', message: 'the scan failed unexpectedly' },
        };
        if (!isSafeguardError(error)) this.deps.onError(error);
      }
    }
    await this.end(job, outcome);
  }

  private async end(
    job: Job,
    outcome: { result: unknown } | { error: { code: string; message: string } },
  ): Promise<void> {
    const input = job.input as unknown as VideoJobInput;
    const finished = await this.deps.jobStore.finish(
      job.id,
      outcome,
      new Date(this.now()).toISOString(),
    );
    await rm(input.path, { force: true }).catch(this.deps.onError);
    // Another process took the job over (this one looked dead): it reports the outcome.
    if (finished.owner !== job.owner) return;
    if (finished.callbackUrl === undefined || this.deps.webhooks === undefined) return;
    const delivery = await this.deps.webhooks.send(finished.callbackUrl, {
      type: 'scan.completed',
      id: newId('evt', this.now()),
      createdAt: new Date(this.now()).toISOString(),
      data: describeJob(finished),
    });
    await this.deps.jobStore.recordWebhook(job.id, {
      ok: delivery.ok,
      attempts: delivery.attempts,
      ...(delivery.status === undefined ? {} : { status: delivery.status }),
      ...(delivery.error === undefined ? {} : { error: delivery.error }),
    });
  }

  private now(): number {
    return (this.deps.now ?? Date.now)();
  }
}

/** An owner id for this process: `host/pid/random`. */
function newOwner(): string {
  return `${hostname()}/${process.pid}/${newId('run', Date.now()).slice(-8)}`;
}

/**
 * True when `owner` was a process of this host that no longer runs, or an earlier run with
 * this process's pid (a container's server is often pid 1 on every start).
 */
export function processGone(owner: string, self: string): boolean {
  const parts = owner.split('/');
  if (parts.length !== 3 || parts[0] !== hostname()) return false;
  const pid = Number(parts[1]);
  if (!Number.isInteger(pid) || pid <= 0) return false;
  if (pid === process.pid) return owner !== self;
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/** A job as the API shows it: no server paths. */
export function describeJob(job: Job) {
  const input = job.input as unknown as VideoJobInput;
  return {
    jobId: job.id,
    kind: job.kind,
    status: job.status,
    ...(input.contentId === undefined ? {} : { contentId: input.contentId }),
    ...(input.uploaderId === undefined ? {} : { uploaderId: input.uploaderId }),
    createdAt: job.createdAt,
    ...(job.startedAt === undefined ? {} : { startedAt: job.startedAt }),
    ...(job.finishedAt === undefined ? {} : { finishedAt: job.finishedAt }),
    ...(job.result === undefined ? {} : { result: job.result }),
    ...(job.error === undefined ? {} : { error: job.error }),
    ...(job.webhook === undefined ? {} : { webhook: job.webhook }),
  };
}
