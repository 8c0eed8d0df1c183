import { rm } from 'node:fs/promises';
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
}

export interface VideoJobInput extends ScanMeta {
  /** The upload, stored for the job; deleted when the job ends. */
  readonly path: string;
}

/**
 * Long video scans in the background, one at a time in this process (hashing already uses
 * every core). A job's record is in the store, so anyone can poll it; when it ends, its
 * callback (if any) gets a signed `scan.completed` event. On start, jobs this process left
 * queued run again; a job left running (the process died mid-scan) is failed with code
 * `interrupted`: send the video again.
 */
export class VideoScanJobs {
  private queue: Promise<void> = Promise.resolve();
  private readonly abort = new AbortController();
  private pending = 0;

  constructor(private readonly deps: VideoScanJobsDeps) {}

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
    });
    this.enqueue(job);
    return job;
  }

  /** Runs what an earlier run of this process left queued; fails what it left running. */
  async resume(): Promise<number> {
    const unfinished = await this.deps.jobStore.listUnfinished('video_scan', 1000);
    for (const job of unfinished) {
      if (job.status === 'queued') this.enqueue(job);
      else {
        await this.end(job, {
          error: {
            code: 'interrupted',
            message: 'the server stopped while this video was being scanned: send it again',
          },
        });
      }
    }
    return unfinished.length;
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
