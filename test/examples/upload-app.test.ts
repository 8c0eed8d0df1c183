/**
 * End to end: the real `safeguard serve` and the example upload app as child processes, wired
 * through the SDK; then the Fastify middleware in-process against the same server.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import multipart from '@fastify/multipart';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createClient,
  safeguardFastify,
  type SafeguardClient,
  type ScanResult,
} from '../../src/sdk/index.js';
import { pdqDataDir, repoRoot } from '../support/shared.js';

declare module 'fastify' {
  interface FastifyRequest {
    safeguard?: ScanResult;
  }
}

const image = (rel: string) => readFileSync(join(pdqDataDir, 'data', rel));
const banked = image('bridge-mods/aaa-orig.jpg');
const nearDuplicate = image('bridge-mods/blur-a-lot.jpg');
const harmless = image('misc-images/wee.jpg');

/** A port nothing listens on now: the server cannot be told PORT=0 and report back. */
async function freePort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

interface Child {
  readonly process: ChildProcess;
  /** Resolves with the first match of `pattern` in the child's stdout. */
  waitFor(pattern: RegExp, ms: number): Promise<RegExpMatchArray>;
  stop(): Promise<void>;
}

function startChild(args: string[], env: NodeJS.ProcessEnv): Child {
  const child = spawn(process.execPath, ['--import', 'tsx', ...args], {
    cwd: repoRoot,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    process: child,
    waitFor(pattern, ms) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const match = pattern.exec(stdout);
          if (!match) return false;
          done();
          resolve(match);
          return true;
        };
        const fail = (why: string) => {
          done();
          reject(new Error(`${args.join(' ')}: ${why}\nstdout:\n${stdout}\nstderr:\n${stderr}`));
        };
        const onExit = () => fail(`exited (${child.exitCode}) before printing ${pattern}`);
        const timer = setTimeout(() => fail(`no ${pattern} within ${ms} ms`), ms);
        const done = () => {
          clearTimeout(timer);
          child.stdout.off('data', check);
          child.off('exit', onExit);
        };
        if (check()) return;
        child.stdout.on('data', check);
        child.once('exit', onExit);
      });
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** The environment of a child: no Postgres or Redis of the developer's shell. */
function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  for (const name of ['DATABASE_URL', 'SAFEGUARD_DB_SCHEMA', 'REDIS_URL', 'NODE_OPTIONS']) {
    delete env[name];
  }
  return env;
}

const dataDir = mkdtempSync(join(tmpdir(), 'safeguard-e2e-'));
const children: Child[] = [];
let safeguardUrl: string;
let adminKey: string;
let sg: SafeguardClient;
let bankedPdq: string;

beforeAll(async () => {
  const port = await freePort();
  const server = startChild(['src/cli/main.ts', 'serve', '--port', String(port)], {
    ...childEnv({
      SAFEGUARD_DATA_DIR: dataDir,
      PORT: String(port),
      HOST: '127.0.0.1',
      SAFEGUARD_SYNC_INTERVAL_MS: '50',
      SAFEGUARD_THREADS: '1',
    }),
  });
  children.push(server);
  const [, token] = await server.waitFor(/^\s*(sg_\S+)\s*$/m, 45_000);
  const [, address] = await server.waitFor(/listening on (http:\/\/\S+)/, 45_000);
  adminKey = token;
  safeguardUrl = address;
  sg = createClient({ url: safeguardUrl, key: adminKey, timeoutMs: 20_000 });

  // Bank an image through the SDK: scan it for its PDQ hash, add that to a block bank.
  const first = await sg.scan(banked, { contentId: 'reference-image' });
  expect(first.verdict).toBe('allow');
  bankedPdq = first.hashes.pdq ?? '';
  expect(bankedPdq).toMatch(/^[0-9a-f]{64}$/);
  await sg.createBank({ name: 'e2e-known', action: 'block' });
  expect(
    await sg.addSignals('e2e-known', [
      { type: 'pdq', value: bankedPdq, metadata: { category: 'test' } },
    ]),
  ).toEqual({ added: 1, duplicates: 0 });
  const deadline = Date.now() + 20_000;
  while ((await sg.lookup({ pdq: [bankedPdq] })).verdict !== 'block') {
    if (Date.now() > deadline) throw new Error('the server never loaded the new signal');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}, 60_000);

afterAll(async () => {
  await Promise.all(children.map((c) => c.stop()));
  rmSync(dataDir, { recursive: true, force: true });
}, 30_000);

const photoForm = (field: string, bytes: Buffer, filename: string) => {
  const form = new FormData();
  form.append(field, new Blob([new Uint8Array(bytes)], { type: 'image/jpeg' }), filename);
  return form;
};

describe('the example upload app (Express) against a real server', () => {
  let appUrl: string;

  beforeAll(async () => {
    const app = startChild(
      ['examples/upload-app/server.ts'],
      childEnv({ SAFEGUARD_URL: safeguardUrl, SAFEGUARD_KEY: adminKey, PORT: '0' }),
    );
    children.push(app);
    [, appUrl] = await app.waitFor(/listening on (http:\/\/\S+)/, 45_000);
  }, 60_000);

  const listPhotos = async () =>
    ((await (await fetch(`${appUrl}/photos`)).json()) as { photos: Array<{ id: string }> }).photos;

  it('refuses the banked image near-duplicate with 403 and stores nothing', async () => {
    const response = await fetch(`${appUrl}/photos`, {
      method: 'POST',
      headers: { 'x-user-id': 'user-e2e' },
      body: photoForm('photo', nearDuplicate, 'holiday.jpg'),
    });
    expect(response.status).toBe(403);
    const body = (await response.json()) as { verdict: string; scanId: string };
    expect(body).toMatchObject({ verdict: 'block', code: 'upload_blocked' });
    expect(JSON.stringify(body)).not.toContain('e2e-known');
    expect(await listPhotos()).toEqual([]);

    // Safeguard recorded the scan with the app's ids, and opened a case for a moderator.
    const recorded = await sg.getScan(body.scanId);
    expect(recorded).toMatchObject({ verdict: 'block', uploaderId: 'user-e2e' });
    expect(recorded.contentId).toMatch(/^photo_/);
    const cases = await sg.listCases({ status: 'open' });
    expect(cases.cases.find((c) => c.id === recorded.caseId)).toMatchObject({
      banks: ['e2e-known'],
      uploaderId: 'user-e2e',
    });
  });

  it('stores the harmless image and answers 201', async () => {
    const response = await fetch(`${appUrl}/photos`, {
      method: 'POST',
      headers: { 'x-user-id': 'user-e2e' },
      body: photoForm('photo', harmless, 'wee.jpg'),
    });
    expect(response.status).toBe(201);
    const body = (await response.json()) as { id: string; verdict: string; size: number };
    expect(body).toMatchObject({ verdict: 'allow', size: harmless.byteLength });
    expect((await listPhotos()).map((p) => p.id)).toEqual([body.id]);
    const stored = await fetch(`${appUrl}/photos/${body.id}`);
    expect(Buffer.from(await stored.arrayBuffer()).equals(harmless)).toBe(true);
  });

  it('refuses a file that is not an image with the 4xx Safeguard gave', async () => {
    const form = new FormData();
    form.append('photo', new Blob(['not a photo'], { type: 'image/jpeg' }), 'fake.jpg');
    const response = await fetch(`${appUrl}/photos`, { method: 'POST', body: form });
    expect(response.status).toBe(415);
    expect(await response.json()).toMatchObject({ code: 'unsupported_format' });
    expect(await listPhotos()).toHaveLength(1);
  });
});

describe('the Fastify middleware in-process against the same server', () => {
  let app: FastifyInstance;
  let appUrl: string;
  const stored: Array<{ verdict: string | undefined; size: number }> = [];

  beforeAll(async () => {
    app = Fastify();
    await app.register(multipart, { attachFieldsToBody: true });
    app.addContentTypeParser(/^image\/.*/, { parseAs: 'buffer' }, (_req, body, done) => {
      done(null, body);
    });
    app.post(
      '/photos',
      { preHandler: safeguardFastify({ client: sg }) },
      async (request, reply) => {
        const body = request.body as Record<string, { toBuffer?: () => Promise<Buffer> }> | Buffer;
        const bytes = Buffer.isBuffer(body) ? body : await body.photo.toBuffer?.();
        stored.push({ verdict: request.safeguard?.verdict, size: bytes?.byteLength ?? 0 });
        return reply.code(201).send({ verdict: request.safeguard?.verdict });
      },
    );
    appUrl = await app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    await app.close();
  });

  it('blocks the near-duplicate before the handler, multipart or raw', async () => {
    const asForm = await fetch(`${appUrl}/photos`, {
      method: 'POST',
      body: photoForm('photo', nearDuplicate, 'x.jpg'),
    });
    expect(asForm.status).toBe(403);
    expect(asForm.headers.get('content-type')).toContain('application/problem+json');
    expect(await asForm.json()).toMatchObject({ verdict: 'block' });
    const raw = await fetch(`${appUrl}/photos`, {
      method: 'POST',
      headers: { 'content-type': 'image/jpeg' },
      body: new Uint8Array(nearDuplicate),
    });
    expect(raw.status).toBe(403);
    expect(stored).toEqual([]);
  });

  it('lets the harmless image through to the handler with request.safeguard', async () => {
    const asForm = await fetch(`${appUrl}/photos`, {
      method: 'POST',
      body: photoForm('photo', harmless, 'wee.jpg'),
    });
    expect(asForm.status).toBe(201);
    const raw = await fetch(`${appUrl}/photos`, {
      method: 'POST',
      headers: { 'content-type': 'image/jpeg' },
      body: new Uint8Array(harmless),
    });
    expect(raw.status).toBe(201);
    expect(stored).toEqual([
      { verdict: 'allow', size: harmless.byteLength },
      { verdict: 'allow', size: harmless.byteLength },
    ]);
  });
});
