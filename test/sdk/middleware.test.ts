/**
 * The upload middleware in real Express and Fastify apps, scanning against a real in-process
 * Safeguard server: verdicts, raw and multipart bodies, several files, failure policies.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import multipart from '@fastify/multipart';
import express, { type ErrorRequestHandler, type Request, type Response } from 'express';
import Fastify, { type FastifyInstance } from 'fastify';
import multer from 'multer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createClient,
  safeguardExpress,
  safeguardFastify,
  SafeguardApiError,
  type SafeguardClient,
  type SafeguardExpressOptions,
  type ScanResult,
} from '../../src/sdk/index.js';
import { pdqDataDir, readExpected } from '../support/shared.js';
import { startHarness, type Harness } from '../server/api-harness.js';

const image = (rel: string) => readFileSync(join(pdqDataDir, 'data', rel));
const blurred = image('bridge-mods/blur-a-lot.jpg');
const harmless = image('misc-images/wee.jpg');
const reviewed = image('misc-images/small.jpg');
const expected = new Map(readExpected('data.fullres.txt').map((e) => [e.file, e.hash]));
const ORIG_PDQ = expected.get('bridge-mods/aaa-orig.jpg') ?? '';
const REVIEW_SHA256 = createHash('sha256').update(reviewed).digest('hex');

let h: Harness;
let url: string;
let sg: SafeguardClient;
/** A client of a port where nothing listens. */
let down: SafeguardClient;

beforeAll(async () => {
  h = await startHarness();
  url = await h.api.server.listen({ port: 0, host: '127.0.0.1' });
  const admin = createClient({ url, key: await h.token('admin') });
  sg = createClient({ url, key: await h.token('scan') });
  await admin.createBank({ name: 'mw-block' });
  await admin.addSignals('mw-block', [{ type: 'pdq', value: ORIG_PDQ }]);
  await admin.createBank({ name: 'mw-review', action: 'review' });
  await admin.addSignals('mw-review', [{ type: 'sha256', value: REVIEW_SHA256 }]);
  const deadline = Date.now() + 10_000;
  while ((await admin.lookup({ sha256: [REVIEW_SHA256], pdq: [ORIG_PDQ] })).verdict !== 'block') {
    if (Date.now() > deadline) throw new Error('index never synced');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const closed = Fastify();
  const closedUrl = await closed.listen({ port: 0, host: '127.0.0.1' });
  await closed.close();
  down = createClient({ url: closedUrl, key: 'sg_x', timeoutMs: 5_000 });
});
afterAll(async () => {
  await h.close();
});

const form = (...files: Array<[field: string, bytes: Buffer]>) => {
  const body = new FormData();
  body.append('note', 'hello');
  for (const [field, bytes] of files) {
    body.append(field, new Blob([new Uint8Array(bytes)], { type: 'image/jpeg' }), `${field}.jpg`);
  }
  return body;
};
const raw = (bytes: Buffer | string, type = 'image/jpeg') => ({
  headers: { 'content-type': type },
  body: typeof bytes === 'string' ? bytes : new Uint8Array(bytes),
});

describe('safeguardExpress', () => {
  let server: Server;
  let base: string;
  const reached: Array<{ route: string; verdict?: string; files?: number; bodyBytes?: number }> =
    [];
  const reviews: string[] = [];

  /** Mounts a route with its own middleware options. */
  function route(
    path: string,
    parse: express.RequestHandler | undefined,
    options: Omit<SafeguardExpressOptions<Request, Response>, 'client'> & {
      client?: () => SafeguardClient;
    },
  ) {
    // Routes are mounted before beforeAll creates the clients: look them up per request.
    const client = options.client ?? (() => sg);
    const handlers: express.RequestHandler[] = parse ? [parse] : [];
    app.post(
      path,
      ...handlers,
      safeguardExpress<Request, Response>({
        ...options,
        client: { scan: (image, scanOptions) => client().scan(image, scanOptions) },
      }),
      (request: Request, response: Response) => {
        reached.push({
          route: path,
          verdict: request.safeguard?.verdict,
          files: request.safeguardUploads?.length,
          bodyBytes: Buffer.isBuffer(request.body) ? request.body.byteLength : undefined,
        });
        response.status(201).json({ ok: true });
      },
    );
  }

  const app = express();
  const upload = multer({ storage: multer.memoryStorage() });
  route('/single', upload.single('photo'), {
    getUploaderId: (request) => request.header('x-user') ?? undefined,
    getContentId: (_request, file) => `c-${file.field}`,
    onReview: (_request, result) => {
      reviews.push(result.verdict);
    },
  });
  route('/many', upload.any(), {});
  const diskDir = mkdtempSync(join(tmpdir(), 'safeguard-multer-'));
  route('/disk', multer({ dest: diskDir }).single('photo'), {});
  route('/only-photo', upload.any(), { field: 'photo' });
  route('/raw', undefined, {});
  route('/parsed-raw', express.raw({ type: 'image/*', limit: '10mb' }), {});
  route('/custom-block', upload.single('photo'), {
    onBlock: (_request, response, result) => {
      response.status(451).json({ refused: result.scanId });
    },
  });
  route('/unparsed', undefined, { onError: 'allow' });
  route('/down-reject', upload.single('photo'), { client: () => down });
  route('/down-allow', upload.single('photo'), { client: () => down, onError: 'allow' });
  route('/down-decide', upload.single('photo'), {
    client: () => down,
    onError: (error) => (error instanceof SafeguardApiError ? 'allow' : 'reject'),
  });
  const onError: ErrorRequestHandler = (error: unknown, _request, response, _next) => {
    const e = error as SafeguardApiError;
    response.status(e.status >= 400 ? e.status : 500).json({
      code: e.code,
      cause: (e.cause as SafeguardApiError | undefined)?.code,
      message: e.message,
    });
  };
  app.use(onError);

  beforeAll(async () => {
    server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => {
    server.closeAllConnections();
    server.close();
    rmSync(diskDir, { recursive: true, force: true });
  });

  const post = (path: string, init: RequestInit) =>
    fetch(`${base}${path}`, { method: 'POST', ...init });
  const last = () => reached.at(-1);

  it('blocks before the route, allows and reviews into req.safeguard', async () => {
    const blocked = await post('/single', { body: form(['photo', blurred]) });
    expect(blocked.status).toBe(403);
    expect(await blocked.json()).toMatchObject({ code: 'upload_blocked', verdict: 'block' });
    expect(reached).toEqual([]);

    const allowed = await post('/single', { body: form(['photo', harmless]) });
    expect(allowed.status).toBe(201);
    expect(last()).toEqual({ route: '/single', verdict: 'allow', files: 1 });

    const review = await post('/single', {
      body: form(['photo', reviewed]),
      headers: { 'x-user': 'u-7' },
    });
    expect(review.status).toBe(201);
    expect(last()).toMatchObject({ verdict: 'review' });
    expect(reviews).toEqual(['review']);
    const cases = await createClient({ url, key: await h.token('cases') }).listCases();
    expect(cases.cases[0]).toMatchObject({
      verdict: 'review',
      uploaderId: 'u-7',
      contentId: 'c-photo',
    });
  });

  it('scans every file: one blocked file refuses the request; `field` narrows', async () => {
    const mixed = await post('/many', { body: form(['a', harmless], ['b', blurred]) });
    expect(mixed.status).toBe(403);
    const fine = await post('/many', { body: form(['a', harmless], ['b', reviewed]) });
    expect(fine.status).toBe(201);
    expect(last()).toEqual({ route: '/many', verdict: 'review', files: 2 });
    expect((await post('/disk', { body: form(['photo', blurred]) })).status).toBe(403);
    expect((await post('/disk', { body: form(['photo', harmless]) })).status).toBe(201);
    const narrowed = await post('/only-photo', { body: form(['photo', harmless], ['x', blurred]) });
    expect(narrowed.status).toBe(201);
    expect(last()).toMatchObject({ verdict: 'allow', files: 1 });
  });

  it('reads a raw image body itself, or uses the one express.raw parsed', async () => {
    expect((await post('/raw', raw(blurred))).status).toBe(403);
    expect((await post('/raw', raw(harmless))).status).toBe(201);
    expect(last()).toEqual({
      route: '/raw',
      verdict: 'allow',
      files: 1,
      bodyBytes: harmless.byteLength,
    });
    expect((await post('/parsed-raw', raw(blurred))).status).toBe(403);
    expect((await post('/parsed-raw', raw(harmless))).status).toBe(201);
    // Nothing to scan: not an upload.
    expect((await post('/raw', raw('{"a":1}', 'application/json'))).status).toBe(201);
    expect(last()).toMatchObject({ verdict: undefined });
  });

  it('lets onBlock answer a blocked upload', async () => {
    const response = await post('/custom-block', { body: form(['photo', blurred]) });
    expect(response.status).toBe(451);
    expect(await response.json()).toMatchObject({ refused: expect.stringMatching(/./) });
  });

  it('fails closed by default, open when asked, and never on a bad file or a mounting mistake', async () => {
    const rejected = await post('/down-reject', { body: form(['photo', harmless]) });
    expect(rejected.status).toBe(503);
    expect(await rejected.json()).toMatchObject({ code: 'unavailable', cause: 'network_error' });

    const count = reached.length;
    expect((await post('/down-allow', { body: form(['photo', harmless]) })).status).toBe(201);
    expect((await post('/down-decide', { body: form(['photo', harmless]) })).status).toBe(201);
    expect(reached.length).toBe(count + 2);
    expect(last()).toMatchObject({ verdict: undefined });

    const notImage = await post('/single', { body: form(['photo', Buffer.from('not an image')]) });
    expect(notImage.status).toBe(415);
    expect(await notImage.json()).toMatchObject({ code: 'unsupported_format' });

    const unparsed = await post('/unparsed', { body: form(['photo', blurred]) });
    expect(unparsed.status).toBe(500);
    expect(await unparsed.json()).toMatchObject({ message: expect.stringMatching(/mount multer/) });
    expect(reached.length).toBe(count + 2);
  });
});

describe('safeguardFastify', () => {
  const apps: FastifyInstance[] = [];
  afterAll(async () => {
    await Promise.all(apps.map((a) => a.close()));
  });

  async function start(attach: true | 'keyValues' | false) {
    const app = Fastify();
    apps.push(app);
    await app.register(multipart, attach ? { attachFieldsToBody: attach } : {});
    app.post(
      '/photos',
      {
        preHandler: safeguardFastify({
          client: sg,
          onError: 'allow',
          onReview: (request, result) => {
            (request as { reviewed?: ScanResult }).reviewed = result;
          },
        }),
      },
      (request) => ({
        verdict: (request as { safeguard?: ScanResult }).safeguard?.verdict,
        reviewed: (request as { reviewed?: ScanResult }).reviewed?.verdict,
      }),
    );
    return app.listen({ port: 0, host: '127.0.0.1' });
  }

  it('reads files attached as parts or as keyValues buffers', async () => {
    for (const mode of [true, 'keyValues'] as const) {
      const photos = `${await start(mode)}/photos`;
      const blocked = await fetch(photos, { method: 'POST', body: form(['photo', blurred]) });
      expect(blocked.status).toBe(403);
      const review = await fetch(photos, { method: 'POST', body: form(['photo', reviewed]) });
      expect(await review.json()).toEqual({ verdict: 'review', reviewed: 'review' });
      const allowed = await fetch(photos, { method: 'POST', body: form(['photo', harmless]) });
      expect(await allowed.json()).toEqual({ verdict: 'allow' });
    }
  });

  it('refuses multipart it cannot see, even with onError allow', async () => {
    const photos = `${await start(false)}/photos`;
    const response = await fetch(photos, { method: 'POST', body: form(['photo', blurred]) });
    expect(response.status).toBe(500);
  });
});
