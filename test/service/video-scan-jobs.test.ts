import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SafeguardError } from '../../src/core/errors.js';
import type { ScanResult } from '../../src/service/scan.js';
import { VideoScanJobs, type VideoScanJobsDeps } from '../../src/service/video-scan-jobs.js';
import { createWebhookSender } from '../../src/service/webhooks/send-webhook.js';
import { verifyWebhook } from '../../src/sdk/index.js';
import { openStore, type Store } from '../../src/store/open-store.js';

const SECRET = 's'.repeat(40);
let dir: string;
let store: Store;
let hooks: Server;
let hookUrl: string;
let status = 204;
const received: Array<{ body: string; signature: string }> = [];

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'safeguard-jobs-'));
  store = await openStore({ kind: 'sqlite', path: join(dir, 'db.sqlite') });
  received.length = 0;
  status = 204;
  hooks = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      received.push({ body, signature: String(req.headers['safeguard-signature']) });
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((r) => hooks.listen(0, '127.0.0.1', r));
  hookUrl = `http://127.0.0.1:${(hooks.address() as AddressInfo).port}/`;
});
afterEach(async () => {
  await new Promise((r) => hooks.close(r));
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

function upload(name: string): string {
  const path = join(dir, name);
  writeFileSync(path, 'video bytes');
  return path;
}

const scanned = (path: string): ScanResult => ({
  scanId: `scn_${path.length}`,
  kind: 'video',
  verdict: 'allow',
  matches: [],
  reasons: ['no bank matched'],
  hashes: {},
  durationMs: 1,
  createdAt: new Date(0).toISOString(),
});

function jobs(
  scan: VideoScanJobsDeps['scan'],
  errors: unknown[] = [],
  more: Partial<VideoScanJobsDeps> = {},
): VideoScanJobs {
  return new VideoScanJobs({
    jobStore: store.jobs,
    scan,
    record: (result) => Promise.resolve({ verdict: result.verdict }),
    webhooks: createWebhookSender({ secret: SECRET, backoffMs: () => 10 }),
    onError: (e) => errors.push(e),
    ...more,
  });
}

/** A scan that runs until its signal aborts. */
const hanging: VideoScanJobsDeps['scan'] = (_path, _meta, signal) =>
  new Promise((_resolve, reject) => {
    signal.addEventListener('abort', () => reject(new Error('aborted')));
  });

/** The pid of a process that has exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  return Number(child.stdout.toString());
}

describe('VideoScanJobs', () => {
  it('a scan that fails ends the job failed with its code, deletes the upload, calls back signed', async () => {
    const runner = jobs(() => Promise.reject(new SafeguardError('corrupt_video', 'no frames')));
    const path = upload('a.video');
    const job = await runner.submit({ path, contentId: 'c' }, { callbackUrl: hookUrl });
    await runner.idle();
    expect(await store.jobs.get(job.id)).toMatchObject({
      status: 'failed',
      error: { code: 'corrupt_video', message: 'no frames' },
      webhook: { ok: true, attempts: 1, status: 204 },
    });
    expect(existsSync(path)).toBe(false);
    expect(received).toHaveLength(1);
    expect(verifyWebhook(SECRET, received[0].signature, received[0].body)).toBe(true);
    expect(JSON.parse(received[0].body)).toMatchObject({
      type: 'scan.completed',
      data: { jobId: job.id, status: 'failed', contentId: 'c', error: { code: 'corrupt_video' } },
    });
  });

  it('gives up on a callback that keeps failing, after a bounded number of attempts', async () => {
    status = 500;
    const runner = jobs((path) => Promise.resolve(scanned(path)));
    const job = await runner.submit({ path: upload('b.video') }, { callbackUrl: hookUrl });
    await runner.idle();
    expect(await store.jobs.get(job.id)).toMatchObject({
      status: 'done',
      result: { verdict: 'allow' },
      webhook: { ok: false, attempts: 3, status: 500, error: 'answered 500' },
    });
    expect(received).toHaveLength(3);
  });

  it('after a restart, runs the jobs left queued and fails those left running', async () => {
    const at = new Date().toISOString();
    const queuedPath = upload('queued.video');
    const runningPath = upload('running.video');
    await store.jobs.create({
      id: 'job_q',
      kind: 'video_scan',
      input: { path: queuedPath },
      createdAt: at,
    });
    await store.jobs.create({
      id: 'job_r',
      kind: 'video_scan',
      input: { path: runningPath },
      createdAt: at,
    });
    await store.jobs.start('job_r', at);
    const seen: string[] = [];
    const runner = jobs((path) => {
      seen.push(path);
      return Promise.resolve(scanned(path));
    });
    expect(await runner.resume()).toBe(2);
    await runner.idle();
    expect(seen).toEqual([queuedPath]);
    expect(await store.jobs.get('job_q')).toMatchObject({ status: 'done' });
    expect(await store.jobs.get('job_r')).toMatchObject({
      status: 'failed',
      error: { code: 'interrupted' },
    });
    expect(existsSync(runningPath)).toBe(false);
  });

  it('close() stops the running scan: the job is failed as interrupted', async () => {
    const runner = jobs(
      (_path, _meta, signal) =>
        new Promise((_resolve, reject) => {
          signal.addEventListener('abort', () => reject(new Error('aborted')));
        }),
    );
    const job = await runner.submit({ path: upload('c.video') });
    await new Promise((r) => setTimeout(r, 20));
    await runner.close();
    expect(await store.jobs.get(job.id)).toMatchObject({
      status: 'failed',
      error: { code: 'interrupted' },
    });
  });

  it('several processes: jobs of a live owner are left alone, those of a silent one taken over once', async () => {
    const a = jobs(hanging, [], { owner: 'node-a/11/aaaa' });
    const running = await a.submit({ path: upload('r.video') }, { callbackUrl: hookUrl });
    const queued = await a.submit({ path: upload('q.video') }, { callbackUrl: hookUrl });
    await new Promise((r) => setTimeout(r, 20));
    expect(await store.jobs.get(running.id)).toMatchObject({ status: 'running' });

    const seen: string[] = [];
    const scanHere: VideoScanJobsDeps['scan'] = (path) => {
      seen.push(path);
      return Promise.resolve(scanned(path));
    };
    // B starts while A is alive (its heartbeat is fresh): nothing to take.
    const b = jobs(scanHere, [], { owner: 'node-b/22/bbbb' });
    expect(await b.resume()).toBe(0);
    // A minute later A has said nothing (it died): B fails the cut scan, runs the queued one.
    let later = Date.now() + 61_000;
    const c = jobs(scanHere, [], { owner: 'node-c/33/cccc', now: () => later });
    expect(await c.resume()).toBe(2);
    await c.idle();
    expect(await store.jobs.get(running.id)).toMatchObject({
      status: 'failed',
      error: { code: 'interrupted' },
      owner: 'node-c/33/cccc',
    });
    expect(await store.jobs.get(queued.id)).toMatchObject({ status: 'done' });
    expect(seen).toEqual([join(dir, 'q.video')]);
    // Another sweeper later finds nothing; A, stopping after all, reports nothing twice.
    later += 61_000;
    expect(await jobs(scanHere, [], { owner: 'node-d/44/dddd', now: () => later }).resume()).toBe(
      0,
    );
    await a.close();
    await b.close();
    await c.close();
    expect(await store.jobs.get(running.id)).toMatchObject({ error: { code: 'interrupted' } });
    const events = received.map((r) => JSON.parse(r.body) as { data: { jobId: string } });
    expect(events.map((e) => e.data.jobId).sort()).toEqual([running.id, queued.id].sort());
  });

  it('takes over at once the jobs of a process of this host that is gone', async () => {
    const owner = `${hostname()}/${deadPid()}/zzzz`;
    const at = new Date().toISOString();
    await store.jobs.create({
      id: 'job_gone',
      kind: 'video_scan',
      input: { path: upload('gone.video') },
      createdAt: at,
      owner,
    });
    // The same with a live pid (this process under another run id is an earlier run too).
    await store.jobs.create({
      id: 'job_mine_before',
      kind: 'video_scan',
      input: { path: upload('before.video') },
      createdAt: at,
      owner: `${hostname()}/${process.pid}/yyyy`,
    });
    // A live process of this host (our parent) keeps its job.
    await store.jobs.create({
      id: 'job_alive',
      kind: 'video_scan',
      input: { path: upload('alive.video') },
      createdAt: at,
      owner: `${hostname()}/${process.ppid}/xxxx`,
    });
    const runner = jobs((path) => Promise.resolve(scanned(path)));
    expect(await runner.resume()).toBe(2);
    await runner.idle();
    expect(await store.jobs.get('job_gone')).toMatchObject({ status: 'done' });
    expect(await store.jobs.get('job_mine_before')).toMatchObject({ status: 'done' });
    expect(await store.jobs.get('job_alive')).toMatchObject({ status: 'queued' });
    await runner.close();
  });

  it('a queued job whose upload is not on this host is failed, not scanned', async () => {
    await store.jobs.create({
      id: 'job_elsewhere',
      kind: 'video_scan',
      input: { path: join(dir, 'on-another-host.video') },
      createdAt: new Date(Date.now() - 120_000).toISOString(),
      owner: 'node-x/1/xxxx',
    });
    const seen: string[] = [];
    const runner = jobs((path) => {
      seen.push(path);
      return Promise.resolve(scanned(path));
    });
    expect(await runner.resume()).toBe(1);
    expect(seen).toEqual([]);
    expect(await store.jobs.get('job_elsewhere')).toMatchObject({
      status: 'failed',
      error: { code: 'interrupted', message: expect.stringContaining('before scanning') as string },
    });
    await runner.close();
  });
});
