import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createClient,
  isSafeguardApiError,
  SafeguardApiError,
  type SafeguardClient,
} from '../../src/sdk/index.js';
import { pdqDataDir, readExpected } from '../support/shared.js';
import { startHarness, type Harness } from '../server/api-harness.js';

const image = (rel: string) => readFileSync(join(pdqDataDir, 'data', rel));
const orig = image('bridge-mods/aaa-orig.jpg');
const blurred = image('bridge-mods/blur-a-lot.jpg');
const other = image('misc-images/wee.jpg');
const expected = new Map(readExpected('data.fullres.txt').map((e) => [e.file, e.hash]));
const ORIG_PDQ = expected.get('bridge-mods/aaa-orig.jpg') ?? '';

let h: Harness;
let url: string;
let sg: SafeguardClient;

/** The error a call fails with (the test fails if it succeeds). */
async function failure(call: Promise<unknown>): Promise<SafeguardApiError> {
  try {
    await call;
  } catch (error) {
    expect(error).toBeInstanceOf(SafeguardApiError);
    return error as SafeguardApiError;
  }
  throw new Error('expected the call to fail');
}

/** Waits until the server's match index has applied bank changes (it polls the store). */
async function untilVerdict(pdq: string, verdict: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    if ((await sg.lookup({ pdq: [pdq] })).verdict === verdict) return;
    if (Date.now() > deadline) throw new Error(`index never answered ${verdict}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A local HTTP server with a canned behaviour, for the failure modes a real server lacks. */
async function fakeServer(
  handler: Parameters<typeof createServer>[1],
): Promise<{ url: string; server: Server }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

beforeAll(async () => {
  h = await startHarness();
  url = await h.api.server.listen({ port: 0, host: '127.0.0.1' });
  sg = createClient({ url, key: await h.token('admin') });
});
afterAll(async () => {
  await h.close();
});

describe('createClient', () => {
  it('refuses a bad url, key or timeout at once', () => {
    for (const bad of ['localhost:8080', '/v1', 'ftp://x']) {
      expect(() => createClient({ url: bad, key: 'k' })).toThrow(/absolute http\(s\) URL/);
    }
    expect(() => createClient({ url, key: ' ' })).toThrow(/key is required/);
    expect(() => createClient({ url, key: 'k', timeoutMs: 0 })).toThrow(/timeoutMs/);
  });

  it('uses the fetch it is given, and keeps a base path prefix', async () => {
    const seen: string[] = [];
    const client = createClient({
      url: `${url}/`,
      key: await h.token('banks:read'),
      fetch: (input, init) => {
        seen.push(`${init.method} ${input}`);
        return fetch(input, init);
      },
    });
    await client.listBanks();
    expect(seen).toEqual([`GET ${url}/v1/banks`]);
    const prefixed = createClient({
      url: 'http://proxy.invalid/safeguard',
      key: 'k',
      fetch: (input) => {
        seen.push(input);
        return Promise.resolve(Response.json({ banks: [] }));
      },
    });
    expect(await prefixed.listBanks()).toEqual([]);
    expect(seen.at(-1)).toBe('http://proxy.invalid/safeguard/v1/banks');
  });
});

describe('banks', () => {
  it('creates, reads, lists, updates and deletes a bank', async () => {
    const created = await sg.createBank({ name: 'sdk temp', action: 'review', pdqThreshold: 20 });
    expect(created).toMatchObject({
      name: 'sdk temp',
      action: 'review',
      kind: 'match',
      pdqThreshold: 20,
      enabled: true,
      signalCount: 0,
    });
    expect(await sg.getBank('sdk temp')).toEqual(created);
    expect(await sg.getBank(String(created.id))).toEqual(created);
    expect((await sg.listBanks()).map((b) => b.name)).toContain('sdk temp');
    const updated = await sg.updateBank('sdk temp', { name: 'sdk temp 2', enabled: false });
    expect(updated).toMatchObject({ id: created.id, name: 'sdk temp 2', enabled: false });
    await sg.deleteBank('sdk temp 2');
    const gone = await failure(sg.getBank('sdk temp 2'));
    expect(gone).toMatchObject({ status: 404, code: 'not_found' });
    expect(gone.detail).toMatch(/no bank named 'sdk temp 2'/);
    expect(gone.requestId).toMatch(/^req/);
  });

  it('parses 400 and 409 problems: code, detail, pointer', async () => {
    await sg.createBank({ name: 'sdk dup' });
    const dup = await failure(sg.createBank({ name: 'sdk dup' }));
    expect(dup).toMatchObject({ status: 409, code: 'conflict' });
    const bad = await failure(sg.createBank({ name: 'sdk bad', pdqThreshold: 300 }));
    expect(bad).toMatchObject({
      status: 400,
      code: 'invalid_argument',
      pointer: '/body/pdqThreshold',
    });
    expect(bad.message).toContain('invalid_argument (400)');
    expect(isSafeguardApiError(bad)).toBe(true);
    expect(JSON.parse(JSON.stringify(bad))).toMatchObject({ code: 'invalid_argument' });
  });

  it('adds, pages, removes, imports and exports signals', async () => {
    await sg.createBank({ name: 'sdk signals' });
    const md5 = (c: string) => c.repeat(32);
    expect(
      await sg.addSignals('sdk signals', [
        { type: 'pdq', value: ORIG_PDQ.toUpperCase(), metadata: { category: 'B1' } },
        { type: 'md5', value: md5('a') },
        { type: 'md5', value: md5('a') },
      ]),
    ).toEqual({ added: 2, duplicates: 1 });
    const badHex = await failure(sg.addSignals('sdk signals', [{ type: 'md5', value: 'xyz' }]));
    expect(badHex).toMatchObject({ status: 400, pointer: '/body/signals/0' });

    const first = await sg.listSignals('sdk signals', { limit: 1 });
    expect(first.signals).toHaveLength(1);
    expect(first.signals[0]).toMatchObject({
      type: 'pdq',
      value: ORIG_PDQ,
      metadata: { category: 'B1' },
    });
    expect(first.nextAfterId).toBe(first.signals[0].id);
    const rest = await sg.listSignals('sdk signals', { afterId: first.nextAfterId ?? 0 });
    expect(rest).toMatchObject({ signals: [{ type: 'md5', value: md5('a') }], nextAfterId: null });

    const csv = `type,value\nmd5,${md5('b')}\nmd5,${md5('c')}\n`;
    expect(await sg.importSignals('sdk signals', csv, { format: 'csv' })).toEqual({
      added: 2,
      duplicates: 0,
      lines: 3,
    });
    const jsonl = new TextEncoder().encode(`${JSON.stringify({ type: 'md5', value: md5('d') })}\n`);
    expect(await sg.importSignals('sdk signals', jsonl, { format: 'jsonl' })).toMatchObject({
      added: 1,
    });
    // All or nothing: a bad line leaves the bank as it was (see the 400 test below).
    await failure(sg.importSignals('sdk signals', `${csv}md5,nothex\n`, { format: 'csv' }));
    expect((await sg.getBank('sdk signals')).signalCount).toBe(5);

    expect(
      await sg.removeSignals('sdk signals', [
        { type: 'md5', value: md5('c') },
        { type: 'md5', value: md5('e') },
      ]),
    ).toEqual({ removed: 1 });
    const exported = await sg.exportBank('sdk signals', 'jsonl');
    expect(exported.trim().split('\n')).toHaveLength(4);
    expect(exported).not.toContain(md5('c'));
    const asCsv = await sg.exportBank('sdk signals');
    expect(asCsv).toContain(md5('d'));
    expect((await failure(sg.exportBank('no such bank'))).status).toBe(404);
  });

  // Over a real socket (app.inject() would not show it): the refused import must answer, not
  // drop the connection.
  it('a refused import answers 400 naming the line', async () => {
    await sg.createBank({ name: 'sdk import refused' });
    const broken = await failure(
      sg.importSignals('sdk import refused', 'type,value\nmd5,nothex\n', { format: 'csv' }),
    );
    expect(broken).toMatchObject({ status: 400, code: 'invalid_argument' });
    expect(broken.detail).toMatch(/line 2/);
  });
});

describe('scan, lookup and getScan', () => {
  beforeAll(async () => {
    await sg.createBank({ name: 'sdk known' });
    await sg.addSignals('sdk known', [
      { type: 'pdq', value: ORIG_PDQ, metadata: { category: 'A1' } },
    ]);
    await untilVerdict(ORIG_PDQ, 'block');
  });

  it('scans bytes as multipart with ids, and fetches the recorded scan', async () => {
    const result = await sg.scan(blurred, { contentId: 'c-1', uploaderId: 'u-1' });
    expect(result).toMatchObject({
      verdict: 'block',
      contentId: 'c-1',
      uploaderId: 'u-1',
      hashes: { pdq: expected.get('bridge-mods/blur-a-lot.jpg'), quality: 100 },
    });
    expect(result.matches).toContainEqual(
      expect.objectContaining({
        bank: 'sdk known',
        signalType: 'pdq',
        value: ORIG_PDQ,
        action: 'block',
        metadata: { category: 'A1' },
      }),
    );
    expect(result.caseId).toBeGreaterThan(0);
    const recorded = await sg.getScan(result.scanId);
    expect(recorded).toMatchObject({
      scanId: result.scanId,
      kind: 'image',
      verdict: 'block',
      caseId: result.caseId,
      contentId: 'c-1',
    });
    expect((await failure(sg.getScan('scn_nope'))).status).toBe(404);
  });

  it('scans a Blob, a web ReadableStream and a Node stream alike', async () => {
    const asBlob = await sg.scan(new Blob([other], { type: 'image/jpeg' }));
    expect(asBlob).toMatchObject({ verdict: 'allow', matches: [] });
    const web = await sg.scan(new Blob([orig]).stream(), { contentType: 'image/jpeg' });
    expect(web).toMatchObject({ verdict: 'block', hashes: { pdq: ORIG_PDQ } });
    const node = await sg.scan(Readable.from([other.subarray(0, 1000), other.subarray(1000)]));
    expect(node.hashes.sha256).toBe(asBlob.hashes.sha256);
  });

  it('parses 413 and 415 problems of bad uploads', async () => {
    const text = await failure(sg.scan(new TextEncoder().encode('definitely not a jpeg')));
    expect(text).toMatchObject({ status: 415, code: 'unsupported_format' });
    const big = await failure(sg.scan(new Uint8Array(9 * 1024 * 1024).fill(1)));
    expect(big).toMatchObject({ status: 413, code: 'file_too_large' });
    const wrongType = await failure(
      sg.importSignals('sdk known', '{"x":1}', { contentType: 'application/json' }),
    );
    expect(wrongType).toMatchObject({ status: 415, code: 'unsupported_media_type' });
  });

  it('looks up hashes without the image', async () => {
    const hit = await sg.lookup({
      pdq: [{ hash: ORIG_PDQ, quality: 100 }],
      md5: ['0'.repeat(32)],
      contentId: 'lookup-1',
    });
    expect(hit).toMatchObject({ verdict: 'block', contentId: 'lookup-1' });
    expect(hit.matches).toContainEqual(expect.objectContaining({ distance: 0, value: ORIG_PDQ }));
    expect((await sg.getScan(hit.scanId)).kind).toBe('lookup');
    const bad = await failure(sg.lookup({ pdq: ['abc'] }));
    expect(bad).toMatchObject({ status: 400, code: 'invalid_argument', pointer: '/body/pdq/0' });
  });
});

describe('cases', () => {
  it('lists, reads and decides cases; a stale or repeated decision is a 409', async () => {
    const opened = await sg.scan(blurred, { contentId: 'case-1' });
    const page = await sg.listCases({ status: 'open', limit: 100 });
    expect(page.counts.open).toBeGreaterThanOrEqual(1);
    const listed = page.cases.find((c) => c.id === opened.caseId);
    expect(listed).toMatchObject({ status: 'open', verdict: 'block', contentId: 'case-1' });
    const one = await sg.getCase(opened.caseId ?? 0);
    expect(one.banks).toContain('sdk known');

    const decided = await sg.decideCase(one.id, {
      status: 'confirmed',
      note: 'known image',
      expectedUpdatedAt: one.updatedAt,
    });
    expect(decided).toMatchObject({ status: 'confirmed', note: 'known image' });
    expect(decided.decidedBy).toMatch(/^key:/);
    const stale = await failure(
      sg.decideCase(one.id, { status: 'open', expectedUpdatedAt: one.updatedAt }),
    );
    expect(stale).toMatchObject({ status: 409, code: 'conflict' });
    expect((await failure(sg.decideCase(one.id, { status: 'confirmed' }))).status).toBe(409);
    expect((await sg.listCases({ status: 'confirmed' })).cases.map((c) => c.id)).toContain(one.id);

    const small = await sg.listCases({ limit: 1 });
    expect(small.cases).toHaveLength(1);
    if (small.next !== undefined) {
      const next = await sg.listCases({ limit: 1, before: small.next });
      expect(next.cases[0]?.id).not.toBe(small.cases[0].id);
    }
    expect((await failure(sg.getCase(999_999))).status).toBe(404);
  });
});

describe('access errors', () => {
  it('401 for an unknown key, 403 naming the missing scope', async () => {
    const stranger = createClient({ url, key: 'sg_aaaaaaaaaa_notarealsecret' });
    const denied = await failure(stranger.listBanks());
    expect(denied).toMatchObject({ status: 401, code: 'unauthorized' });
    expect(denied.detail).toMatch(/unknown or revoked/);
    expect(denied.requestId).toMatch(/^req/);

    const scanner = createClient({ url, key: await h.token('scan') });
    const forbidden = await failure(scanner.listBanks());
    expect(forbidden).toMatchObject({ status: 403, code: 'forbidden' });
    expect(forbidden.detail).toContain("'banks:read'");
    expect(forbidden.details).toMatchObject({ required: 'banks:read' });
  });
});

describe('transport failures', () => {
  it('times out when no answer comes, or the body stalls', async () => {
    const silent = await fakeServer(() => undefined);
    const stalling = await fakeServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"banks":');
    });
    try {
      for (const target of [silent.url, stalling.url]) {
        const client = createClient({ url: target, key: 'k', timeoutMs: 300 });
        const started = Date.now();
        const error = await failure(client.listBanks());
        expect(error).toMatchObject({ status: 0, code: 'timeout', requestId: undefined });
        expect(Date.now() - started).toBeLessThan(5_000);
      }
    } finally {
      for (const s of [silent, stalling]) {
        s.server.closeAllConnections();
        s.server.close();
      }
    }
  });

  it('reports network errors and answers that are not the API', async () => {
    const closed = await fakeServer(() => undefined);
    closed.server.close();
    const refused = await failure(createClient({ url: closed.url, key: 'k' }).listBanks());
    expect(refused).toMatchObject({ status: 0, code: 'network_error' });
    expect(refused.detail).toMatch(/ECONNREFUSED/);

    const proxy = await fakeServer((req, res) => {
      if (req.url === '/v1/banks') {
        res.writeHead(502, { 'content-type': 'text/html' });
        res.end('<h1>Bad Gateway</h1>');
      } else {
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end('<h1>hello</h1>');
      }
    });
    try {
      const client = createClient({ url: proxy.url, key: 'k' });
      const gateway = await failure(client.listBanks());
      expect(gateway).toMatchObject({ status: 502, code: 'unexpected_response' });
      expect(gateway.detail).toContain('Bad Gateway');
      expect(await failure(client.getBank('x'))).toMatchObject({ code: 'unexpected_response' });
    } finally {
      proxy.server.close();
    }
  });
});
