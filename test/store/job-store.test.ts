import { describe, expect, it } from 'vitest';
import { expectSafeguardError, useStore } from './store-fixture.js';
import { databaseKinds } from './test-databases.js';

for (const kind of databaseKinds) {
  describe.skipIf(!kind.enabled)(`JobStore on ${kind.name}`, () => {
    const fixture = useStore(kind);
    const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString();

    it('moves a job queued -> running -> done once, keeping its input and result', async () => {
      const jobs = fixture.store.jobs;
      const created = await jobs.create({
        id: 'job_1',
        kind: 'video_scan',
        input: { path: '/x/y.mp4', contentId: 'c1' },
        callbackUrl: 'http://127.0.0.1:9/hook',
        keyId: 'key_1',
        createdAt: at(0),
      });
      expect(created).toEqual({
        id: 'job_1',
        kind: 'video_scan',
        status: 'queued',
        input: { path: '/x/y.mp4', contentId: 'c1' },
        callbackUrl: 'http://127.0.0.1:9/hook',
        keyId: 'key_1',
        createdAt: at(0),
      });
      expect((await jobs.listUnfinished('video_scan', 10)).map((j) => j.id)).toEqual(['job_1']);
      expect(await jobs.start('job_1', at(1))).toBe(true);
      expect(await jobs.start('job_1', at(2))).toBe(false);
      const done = await jobs.finish('job_1', { result: { verdict: 'allow' } }, at(3));
      expect(done).toMatchObject({
        status: 'done',
        result: { verdict: 'allow' },
        startedAt: at(1),
        finishedAt: at(3),
      });
      // A finished job stays finished.
      const again = await jobs.finish('job_1', { error: { code: 'x', message: 'y' } }, at(4));
      expect(again.status).toBe('done');
      await jobs.recordWebhook('job_1', { ok: true, attempts: 1, status: 204 });
      expect((await jobs.get('job_1'))?.webhook).toEqual({ ok: true, attempts: 1, status: 204 });
      expect(await jobs.listUnfinished('video_scan', 10)).toEqual([]);
    });

    it('records a failure; unknown and malformed ids are simply not found', async () => {
      const jobs = fixture.store.jobs;
      await jobs.create({ id: 'job_2', kind: 'video_scan', input: {}, createdAt: at(0) });
      const failed = await jobs.finish(
        'job_2',
        { error: { code: 'corrupt_video', message: 'bad' } },
        at(1),
      );
      expect(failed).toMatchObject({
        status: 'failed',
        error: { code: 'corrupt_video', message: 'bad' },
      });
      expect(await jobs.get('nope')).toBeUndefined();
      expect(await jobs.get("'; drop table jobs; --")).toBeUndefined();
      await expectSafeguardError(
        jobs.create({ id: 'bad id!', kind: 'video_scan', input: {}, createdAt: at(0) }),
        'invalid_argument',
      );
    });

    it('owners: the heartbeat touches only unfinished jobs of its owner; one claimer wins', async () => {
      const jobs = fixture.store.jobs;
      const make = (id: string, owner?: string) =>
        jobs.create({
          id,
          kind: 'video_scan',
          input: {},
          createdAt: at(0),
          ...(owner === undefined ? {} : { owner }),
        });
      expect(await make('job_a', 'node-a/1/x')).toMatchObject({
        owner: 'node-a/1/x',
        heartbeatAt: at(0),
      });
      await make('job_done', 'node-a/1/x');
      await jobs.finish('job_done', { result: {} }, at(1));
      await make('job_b', 'node-b/2/y');
      await make('job_old');

      await jobs.heartbeat('node-a/1/x', at(5));
      expect((await jobs.get('job_a'))?.heartbeatAt).toBe(at(5));
      expect((await jobs.get('job_done'))?.heartbeatAt).toBe(at(0)); // finished: left alone
      expect((await jobs.get('job_b'))?.heartbeatAt).toBe(at(0)); // another owner's

      // Claims compare the owner: only the first of two claimers wins.
      expect(await jobs.claim('job_a', 'node-a/1/x', 'node-c/3/z', at(6))).toBe(true);
      expect(await jobs.claim('job_a', 'node-a/1/x', 'node-d/4/w', at(6))).toBe(false);
      expect(await jobs.get('job_a')).toMatchObject({ owner: 'node-c/3/z', heartbeatAt: at(6) });
      // A job with no owner (made before owners existed) is claimed from undefined.
      expect(await jobs.claim('job_old', 'node-a/1/x', 'node-c/3/z', at(7))).toBe(false);
      expect(await jobs.claim('job_old', undefined, 'node-c/3/z', at(7))).toBe(true);
      // A finished job is never claimed.
      expect(await jobs.claim('job_done', 'node-a/1/x', 'node-c/3/z', at(8))).toBe(false);
      expect(await jobs.claim('nope', undefined, 'node-c/3/z', at(8))).toBe(false);
    });
  });
}
