import { readFileSync } from 'node:fs';
import type { InjectOptions } from 'fastify';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pdqDataDir, readExpected } from '../support/shared.js';
import { bearer, startHarness, type Harness } from './api-harness.js';

const image = (rel: string) => readFileSync(join(pdqDataDir, 'data', rel));
const orig = image('bridge-mods/aaa-orig.jpg');
const blurred = image('bridge-mods/blur-a-lot.jpg');
const other = image('misc-images/wee.jpg');
const expected = new Map(readExpected('data.fullres.txt').map((e) => [e.file, e.hash]));
const ORIG_PDQ = expected.get('bridge-mods/aaa-orig.jpg') ?? '';

function multipart(parts: Array<{ name: string; value: string | Buffer; filename?: string }>) {
  const boundary = '----safeguard-test-boundary';
  const chunks: Buffer[] = [];
  for (const part of parts) {
    const disposition = part.filename
      ? `form-data; name="${part.name}"; filename="${part.filename}"\r\nContent-Type: application/octet-stream`
      : `form-data; name="${part.name}"`;
    chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: ${disposition}\r\n\r\n`));
    chunks.push(typeof part.value === 'string' ? Buffer.from(part.value) : part.value);
    chunks.push(Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return {
    payload: Buffer.concat(chunks),
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
  };
}

let h: Harness;
let admin: string;

beforeAll(async () => {
  h = await startHarness();
  admin = await h.token('admin');
});
afterAll(async () => {
  await h.close();
});

const inject = (options: InjectOptions) => h.api.server.inject(options);

describe('health and OpenAPI need no key', () => {
  it('answers /healthz and /readyz to anyone', async () => {
    expect((await inject({ method: 'GET', url: '/healthz' })).json()).toEqual({ status: 'ok' });
    expect((await inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
  });

  it('serves an OpenAPI document generated from the route schemas', async () => {
    const doc = (await inject({ method: 'GET', url: '/openapi.json' })).json<{
      openapi: string;
      paths: Record<string, unknown>;
    }>();
    expect(doc.openapi).toBe('3.1.0');
    for (const path of [
      '/v1/scan',
      '/v1/lookup',
      '/v1/banks',
      '/v1/banks/{bank}',
      '/v1/banks/{bank}/signals',
      '/v1/scans/{id}',
      '/v1/cases',
      '/v1/cases/{id}',
    ]) {
      expect(Object.keys(doc.paths)).toContain(path);
    }
  });
});

describe('access', () => {
  it('401 without a key, with a malformed header, with an unknown or revoked key', async () => {
    const none = await inject({ method: 'GET', url: '/v1/banks' });
    expect(none.statusCode).toBe(401);
    expect(none.headers['content-type']).toContain('application/problem+json');
    expect(none.json()).toMatchObject({
      code: 'unauthorized',
      status: 401,
      detail: expect.stringMatching(/missing Authorization/),
    });
    const malformed = await inject({
      method: 'GET',
      url: '/v1/banks',
      headers: { authorization: 'Token abc' },
    });
    expect(malformed.json().detail).toMatch(/malformed/);
    const unknown = await inject({
      method: 'GET',
      url: '/v1/banks',
      headers: bearer('sg_aaaaaaaaaa_notarealsecret'),
    });
    expect(unknown.json().detail).toMatch(/unknown or revoked/);
    const created = await h.app.keyStore.create({ name: 'soon-revoked', scopes: ['banks:read'] });
    await h.app.keyStore.revoke(created.key.id);
    expect(
      (await inject({ method: 'GET', url: '/v1/banks', headers: bearer(created.token) }))
        .statusCode,
    ).toBe(401);
  });

  const routes: Array<{ method: 'GET' | 'POST' | 'PATCH' | 'DELETE'; url: string; scope: string }> =
    [
      { method: 'POST', url: '/v1/scan', scope: 'scan' },
      { method: 'GET', url: '/v1/scans/scn_x', scope: 'scan' },
      { method: 'POST', url: '/v1/lookup', scope: 'lookup' },
      { method: 'GET', url: '/v1/banks', scope: 'banks:read' },
      { method: 'GET', url: '/v1/banks/x', scope: 'banks:read' },
      { method: 'GET', url: '/v1/banks/x/signals', scope: 'banks:read' },
      { method: 'GET', url: '/v1/banks/x/export', scope: 'banks:read' },
      { method: 'POST', url: '/v1/banks', scope: 'banks:write' },
      { method: 'PATCH', url: '/v1/banks/x', scope: 'banks:write' },
      { method: 'DELETE', url: '/v1/banks/x', scope: 'banks:write' },
      { method: 'POST', url: '/v1/banks/x/signals', scope: 'banks:write' },
      { method: 'POST', url: '/v1/banks/x/signals/remove', scope: 'banks:write' },
      { method: 'POST', url: '/v1/banks/x/import', scope: 'banks:write' },
      { method: 'GET', url: '/v1/cases', scope: 'cases' },
      { method: 'GET', url: '/v1/cases/1', scope: 'cases' },
      { method: 'PATCH', url: '/v1/cases/1', scope: 'cases' },
    ];

  it.each(routes)('$method $url needs $scope (403 says which)', async ({ method, url, scope }) => {
    const others = ['scan', 'lookup', 'banks:read', 'banks:write', 'cases'].filter(
      (s) => s !== scope,
    ) as Parameters<Harness['token']>;
    const wrong = await h.token(...others);
    const denied = await inject({ method, url, headers: bearer(wrong) });
    expect(denied.statusCode).toBe(403);
    expect(denied.json()).toMatchObject({
      code: 'forbidden',
      detail: expect.stringContaining(`'${scope}'`),
    });
    const right = await h.token(scope as Parameters<Harness['token']>[0]);
    const allowed = await inject({ method, url, headers: bearer(right) });
    expect([401, 403]).not.toContain(allowed.statusCode);
    const asAdmin = await inject({ method, url, headers: bearer(admin) });
    expect([401, 403]).not.toContain(asAdmin.statusCode);
  });
});

describe('banks', () => {
  it('creates, reads, updates and deletes banks with problem+json errors', async () => {
    const created = await inject({
      method: 'POST',
      url: '/v1/banks',
      headers: bearer(admin),
      payload: { name: 'temp', action: 'review', pdqThreshold: 20 },
    });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({
      name: 'temp',
      action: 'review',
      kind: 'match',
      pdqThreshold: 20,
      enabled: true,
      signalCount: 0,
    });
    const dup = await inject({
      method: 'POST',
      url: '/v1/banks',
      headers: bearer(admin),
      payload: { name: 'temp' },
    });
    expect(dup.statusCode).toBe(409);
    const bad = await inject({
      method: 'POST',
      url: '/v1/banks',
      headers: bearer(admin),
      payload: { name: 'x', pdqThreshold: 300 },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ code: 'invalid_argument', pointer: '/body/pdqThreshold' });
    const patched = await inject({
      method: 'PATCH',
      url: '/v1/banks/temp',
      headers: bearer(admin),
      payload: { enabled: false, name: 'temp2' },
    });
    expect(patched.json()).toMatchObject({ name: 'temp2', enabled: false });
    expect(
      (await inject({ method: 'GET', url: '/v1/banks/temp2', headers: bearer(admin) })).statusCode,
    ).toBe(200);
    expect(
      (await inject({ method: 'DELETE', url: '/v1/banks/temp2', headers: bearer(admin) }))
        .statusCode,
    ).toBe(204);
    const gone = await inject({ method: 'GET', url: '/v1/banks/temp2', headers: bearer(admin) });
    expect(gone.statusCode).toBe(404);
    expect(gone.json().detail).toMatch(/no bank named 'temp2'/);
  });

  it('adds, lists, removes, imports and exports signals', async () => {
    await inject({
      method: 'POST',
      url: '/v1/banks',
      headers: bearer(admin),
      payload: { name: 'known' },
    });
    const add = await inject({
      method: 'POST',
      url: '/v1/banks/known/signals',
      headers: bearer(admin),
      payload: {
        signals: [
          { type: 'pdq', value: ORIG_PDQ.toUpperCase(), metadata: { category: 'B1' } },
          { type: 'md5', value: 'a'.repeat(32) },
        ],
      },
    });
    expect(add.json()).toEqual({ added: 2, duplicates: 0 });
    const badHex = await inject({
      method: 'POST',
      url: '/v1/banks/known/signals',
      headers: bearer(admin),
      payload: { signals: [{ type: 'md5', value: 'xyz' }] },
    });
    expect(badHex.statusCode).toBe(400);
    expect(badHex.json().pointer).toBe('/body/signals/0');
    const list = await inject({
      method: 'GET',
      url: '/v1/banks/known/signals?limit=10',
      headers: bearer(admin),
    });
    expect(list.json().signals.map((s: { value: string }) => s.value)).toEqual([
      ORIG_PDQ,
      'a'.repeat(32),
    ]);

    const csv = `type,value\nmd5,${'b'.repeat(32)}\nmd5,${'c'.repeat(32)}\n`;
    const imported = await inject({
      method: 'POST',
      url: '/v1/banks/known/import',
      headers: { ...bearer(admin), 'content-type': 'text/csv' },
      payload: csv,
    });
    expect(imported.json()).toEqual({ added: 2, duplicates: 0, lines: 3 });
    const broken = await inject({
      method: 'POST',
      url: '/v1/banks/known/import',
      headers: { ...bearer(admin), 'content-type': 'text/csv' },
      payload: `${csv}md5,nothex\n`,
    });
    expect(broken.statusCode).toBe(400);
    expect(broken.json().detail).toMatch(/line 4/);
    expect(
      (await inject({ method: 'GET', url: '/v1/banks/known', headers: bearer(admin) })).json()
        .signalCount,
    ).toBe(4);

    const removed = await inject({
      method: 'POST',
      url: '/v1/banks/known/signals/remove',
      headers: bearer(admin),
      payload: { signals: [{ type: 'md5', value: 'c'.repeat(32) }] },
    });
    expect(removed.json()).toEqual({ removed: 1 });
    const exported = await inject({
      method: 'GET',
      url: '/v1/banks/known/export?format=jsonl',
      headers: bearer(admin),
    });
    expect(exported.headers['content-type']).toContain('application/x-ndjson');
    expect(exported.body.trim().split('\n')).toHaveLength(3);
  });
});

describe('scan and lookup', () => {
  it('blocks a banked image and its near-duplicate, allows another, and opens a case', async () => {
    await h.app.bankStore.createBank({ name: 'scan-bank' }).catch(() => undefined);
    const bank = await h.app.bankStore.getBank('scan-bank');
    await h.app.bankStore.addSignals(bank!.id, [
      { type: 'pdq', value: ORIG_PDQ, metadata: { category: 'A1' } },
    ]);
    await (await h.app.matchIndex()).sync();
    const token = await h.token('scan');
    const form = multipart([
      { name: 'contentId', value: 'upload-1' },
      { name: 'uploaderId', value: 'user-9' },
      { name: 'file', value: blurred, filename: 'photo.jpg' },
    ]);
    const scanned = await inject({
      method: 'POST',
      url: '/v1/scan',
      headers: { ...bearer(token), ...form.headers },
      payload: form.payload,
    });
    expect(scanned.statusCode).toBe(200);
    const body = scanned.json();
    expect(body).toMatchObject({
      verdict: 'block',
      contentId: 'upload-1',
      uploaderId: 'user-9',
      hashes: { pdq: expected.get('bridge-mods/blur-a-lot.jpg'), quality: 100 },
    });
    expect(body.matches).toContainEqual(
      expect.objectContaining({
        bank: 'scan-bank',
        signalType: 'pdq',
        value: ORIG_PDQ,
        metadata: { category: 'A1' },
        action: 'block',
      }),
    );
    expect(body.caseId).toBeGreaterThan(0);

    const raw = await inject({
      method: 'POST',
      url: '/v1/scan?contentId=raw-1',
      headers: { ...bearer(token), 'content-type': 'image/jpeg' },
      payload: other,
    });
    expect(raw.json()).toMatchObject({ verdict: 'allow', matches: [], contentId: 'raw-1' });
    const fetched = await inject({
      method: 'GET',
      url: `/v1/scans/${raw.json().scanId}`,
      headers: bearer(token),
    });
    expect(fetched.json()).toMatchObject({ verdict: 'allow', kind: 'image', contentId: 'raw-1' });
    const blocked = await inject({
      method: 'GET',
      url: `/v1/scans/${body.scanId}`,
      headers: bearer(token),
    });
    expect(blocked.json()).toMatchObject({ verdict: 'block', caseId: body.caseId });
    expect(
      (await inject({ method: 'GET', url: '/v1/scans/scn_nope', headers: bearer(token) }))
        .statusCode,
    ).toBe(404);
  });

  it('refuses bad uploads with 4xx, never 500', async () => {
    const token = await h.token('scan');
    const asImage = (payload: Buffer | string, type = 'image/jpeg') =>
      inject({
        method: 'POST',
        url: '/v1/scan',
        headers: { ...bearer(token), 'content-type': type },
        payload,
      });
    const text = await asImage('definitely not a jpeg');
    expect(text.statusCode).toBe(415);
    expect(text.json().code).toBe('unsupported_format');
    const truncated = await asImage(orig.subarray(0, 5000));
    expect(truncated.statusCode).toBe(422);
    expect(truncated.json().code).toBe('corrupt_image');
    const big = await asImage(Buffer.alloc(9 * 1024 * 1024, 1));
    expect(big.statusCode).toBe(413);
    const json = await inject({
      method: 'POST',
      url: '/v1/scan',
      headers: bearer(token),
      payload: { image: 'x' },
    });
    expect(json.statusCode).toBe(415);
    const noFile = multipart([{ name: 'contentId', value: 'x' }]);
    const missing = await inject({
      method: 'POST',
      url: '/v1/scan',
      headers: { ...bearer(token), ...noFile.headers },
      payload: noFile.payload,
    });
    expect(missing.statusCode).toBe(400);
    expect(missing.json().detail).toMatch(/field 'file'/);
  });

  it('looks up hashes without the image', async () => {
    const token = await h.token('lookup');
    const hit = await inject({
      method: 'POST',
      url: '/v1/lookup',
      headers: bearer(token),
      payload: { pdq: [ORIG_PDQ], md5: ['0'.repeat(32)] },
    });
    expect(hit.json().verdict).toBe('block');
    expect(hit.json().matches).toContainEqual(
      expect.objectContaining({ distance: 0, value: ORIG_PDQ }),
    );
    const bad = await inject({
      method: 'POST',
      url: '/v1/lookup',
      headers: bearer(token),
      payload: { pdq: ['abc'] },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ code: 'invalid_argument', pointer: '/body/pdq/0' });
    const empty = await inject({
      method: 'POST',
      url: '/v1/lookup',
      headers: bearer(token),
      payload: {},
    });
    expect(empty.statusCode).toBe(400);
  });
});

describe('cases and audit', () => {
  it('lists and decides cases, refusing a repeated decision', async () => {
    const token = await h.token('cases');
    const list = await inject({
      method: 'GET',
      url: '/v1/cases?status=open',
      headers: bearer(token),
    });
    const [first] = list.json().cases;
    expect(first).toMatchObject({ status: 'open', verdict: 'block' });
    expect(first.banks).toContain('scan-bank');
    expect(list.json().counts.open).toBeGreaterThanOrEqual(1);
    const decided = await inject({
      method: 'PATCH',
      url: `/v1/cases/${first.id}`,
      headers: bearer(token),
      payload: { status: 'confirmed', note: 'matches known image' },
    });
    expect(decided.json()).toMatchObject({ status: 'confirmed', note: 'matches known image' });
    const again = await inject({
      method: 'PATCH',
      url: `/v1/cases/${first.id}`,
      headers: bearer(token),
      payload: { status: 'confirmed' },
    });
    expect(again.statusCode).toBe(409);
    const badStatus = await inject({
      method: 'PATCH',
      url: `/v1/cases/${first.id}`,
      headers: bearer(token),
      payload: { status: 'deleted' },
    });
    expect(badStatus.statusCode).toBe(400);
    expect(
      (await inject({ method: 'GET', url: '/v1/cases/99999', headers: bearer(token) })).statusCode,
    ).toBe(404);
  });

  it('audit-logs verdicts, bank changes and decisions in a valid chain', async () => {
    await h.api.flush();
    const entries = await h.app.auditLog.list({ limit: 1000 });
    const actions = new Set(entries.map((e) => e.action));
    for (const action of [
      'scan.verdict',
      'bank.create',
      'bank.update',
      'bank.delete',
      'signals.add',
      'signals.import',
      'case.update',
    ]) {
      expect(actions).toContain(action);
    }
    expect((await h.app.auditLog.verify()).ok).toBe(true);
    expect(JSON.stringify(entries)).not.toContain(admin.split('_')[2]);
  });
});
