/**
 * The job store: background work (a long video's scan) as records anyone can poll with
 * `GET /v1/jobs/{id}`. The process that took the upload runs the job; the record says where
 * it is. A record moves queued -> running -> done | failed, never back.
 *
 * Several processes share the store: each job names its owner (the process running it),
 * which refreshes the job's heartbeat while it lives. Another process may claim the job of
 * an owner that died (stale heartbeat): to run it if queued, to fail it if it was running.
 */

export const jobStatuses = ['queued', 'running', 'done', 'failed'] as const;
export type JobStatus = (typeof jobStatuses)[number];

export const jobKinds = ['video_scan'] as const;
export type JobKind = (typeof jobKinds)[number];

/** What a webhook delivery came to (the job's callback). */
export interface JobWebhook {
  readonly ok: boolean;
  readonly attempts: number;
  readonly status?: number;
  readonly error?: string;
}

export interface Job {
  readonly id: string;
  readonly kind: JobKind;
  readonly status: JobStatus;
  /** What the job works on (e.g. the stored upload and the platform's ids). */
  readonly input: Record<string, unknown>;
  /** Set when done. */
  readonly result?: unknown;
  /** Set when failed: a stable code and a message. */
  readonly error?: { readonly code: string; readonly message: string };
  readonly callbackUrl?: string;
  readonly webhook?: JobWebhook;
  readonly keyId?: string;
  readonly createdAt: string;
  readonly startedAt?: string;
  readonly finishedAt?: string;
  /** The process that runs the job (absent on jobs from before owners were recorded). */
  readonly owner?: string;
  /** When the owner last said it was alive. */
  readonly heartbeatAt?: string;
}

export interface NewJob {
  readonly id: string;
  readonly kind: JobKind;
  readonly input: Record<string, unknown>;
  readonly callbackUrl?: string;
  readonly keyId?: string;
  readonly createdAt: string;
  readonly owner?: string;
}

export interface JobStore {
  create(job: NewJob): Promise<Job>;
  get(id: string): Promise<Job | undefined>;
  /** queued -> running. False when the job was not queued (another runner took it). */
  start(id: string, at: string): Promise<boolean>;
  finish(
    id: string,
    outcome: { readonly result: unknown } | { readonly error: { code: string; message: string } },
    at: string,
  ): Promise<Job>;
  recordWebhook(id: string, webhook: JobWebhook): Promise<void>;
  /** Jobs still queued or running (oldest first), for a runner that restarts. */
  listUnfinished(kind: JobKind, limit: number): Promise<Job[]>;
  /** The owner is alive: sets the heartbeat of its unfinished jobs. */
  heartbeat(owner: string, at: string): Promise<void>;
  /**
   * Takes over an unfinished job from owner `from` (undefined: a job with no owner). False
   * when the job has finished or another process claimed it first.
   */
  claim(id: string, from: string | undefined, to: string, at: string): Promise<boolean>;
}
