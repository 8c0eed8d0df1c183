import type { Kysely, Selectable } from 'kysely';
import { SafeguardError } from '../core/errors.js';
import type { Job, JobStore, JobWebhook, NewJob } from '../service/ports/job-store.js';
import { jobKinds } from '../service/ports/job-store.js';
import { checkOneOf } from './check-input.js';
import type { Database, JobsTable } from './database.js';

const ID_RE = /^[A-Za-z0-9_-]{1,64}$/;

/** The job store on SQLite or PostgreSQL through Kysely; see the JobStore port. */
export class KyselyJobStore implements JobStore {
  constructor(private readonly db: Kysely<Database>) {}

  async create(job: NewJob): Promise<Job> {
    if (!ID_RE.test(job.id)) {
      throw new SafeguardError('invalid_argument', 'a job id is 1 to 64 letters, digits, - or _');
    }
    checkOneOf('kind', jobKinds, job.kind);
    await this.db
      .insertInto('jobs')
      .values({
        id: job.id,
        kind: job.kind,
        status: 'queued',
        input: JSON.stringify(job.input),
        result: null,
        error: null,
        callback_url: job.callbackUrl ?? null,
        webhook: null,
        key_id: job.keyId ?? null,
        created_at: job.createdAt,
        started_at: null,
        finished_at: null,
        owner: job.owner ?? null,
        heartbeat_at: job.owner === undefined ? null : job.createdAt,
      })
      .execute();
    return this.mustGet(job.id);
  }

  async get(id: string): Promise<Job | undefined> {
    if (!ID_RE.test(id)) return undefined;
    const row = await this.db
      .selectFrom('jobs')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return row ? toJob(row) : undefined;
  }

  async start(id: string, at: string): Promise<boolean> {
    const result = await this.db
      .updateTable('jobs')
      .set({ status: 'running', started_at: at })
      .where('id', '=', id)
      .where('status', '=', 'queued')
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  async finish(
    id: string,
    outcome: { readonly result: unknown } | { readonly error: { code: string; message: string } },
    at: string,
  ): Promise<Job> {
    const done = 'result' in outcome;
    await this.db
      .updateTable('jobs')
      .set({
        status: done ? 'done' : 'failed',
        result: done ? JSON.stringify(outcome.result) : null,
        error: done ? null : JSON.stringify(outcome.error),
        finished_at: at,
      })
      .where('id', '=', id)
      .where('status', 'in', ['queued', 'running'])
      .execute();
    return this.mustGet(id);
  }

  async recordWebhook(id: string, webhook: JobWebhook): Promise<void> {
    await this.db
      .updateTable('jobs')
      .set({ webhook: JSON.stringify(webhook) })
      .where('id', '=', id)
      .execute();
  }

  async listUnfinished(kind: Job['kind'], limit: number): Promise<Job[]> {
    const rows = await this.db
      .selectFrom('jobs')
      .selectAll()
      .where('kind', '=', kind)
      .where('status', 'in', ['queued', 'running'])
      .orderBy('created_at')
      .orderBy('id')
      .limit(limit)
      .execute();
    return rows.map(toJob);
  }

  async heartbeat(owner: string, at: string): Promise<void> {
    await this.db
      .updateTable('jobs')
      .set({ heartbeat_at: at })
      .where('owner', '=', owner)
      .where('status', 'in', ['queued', 'running'])
      .execute();
  }

  async claim(id: string, from: string | undefined, to: string, at: string): Promise<boolean> {
    const result = await this.db
      .updateTable('jobs')
      .set({ owner: to, heartbeat_at: at })
      .where('id', '=', id)
      .where('status', 'in', ['queued', 'running'])
      .where((eb) => (from === undefined ? eb('owner', 'is', null) : eb('owner', '=', from)))
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  private async mustGet(id: string): Promise<Job> {
    const job = await this.get(id);
    if (!job) throw new SafeguardError('not_found', `no job ${id}`);
    return job;
  }
}

function toJob(row: Selectable<JobsTable>): Job {
  return {
    id: row.id,
    kind: row.kind as Job['kind'],
    status: row.status,
    input: JSON.parse(row.input) as Record<string, unknown>,
    ...(row.result === null ? {} : { result: JSON.parse(row.result) as unknown }),
    ...(row.error === null ? {} : { error: JSON.parse(row.error) as Job['error'] & object }),
    ...(row.callback_url === null ? {} : { callbackUrl: row.callback_url }),
    ...(row.webhook === null ? {} : { webhook: JSON.parse(row.webhook) as JobWebhook }),
    ...(row.key_id === null ? {} : { keyId: row.key_id }),
    createdAt: row.created_at,
    ...(row.started_at === null ? {} : { startedAt: row.started_at }),
    ...(row.finished_at === null ? {} : { finishedAt: row.finished_at }),
    ...(row.owner === null ? {} : { owner: row.owner }),
    ...(row.heartbeat_at === null ? {} : { heartbeatAt: row.heartbeat_at }),
  };
}
