import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createWebhookSender } from '../../src/service/webhooks/send-webhook.js';
import { verifyWebhook } from '../../src/sdk/index.js';
import { signWebhook } from '../../src/service/webhooks/sign-webhook.js';

const SECRET = 'k'.repeat(32);

describe('webhook signatures', () => {
  it('is HMAC-SHA256 over "t.body", with the time in the header', () => {
    const header = signWebhook(SECRET, '{"a":1}', 1_700_000_000.9);
    const mac = createHmac('sha256', SECRET).update('1700000000.{"a":1}').digest('hex');
    expect(header).toBe(`t=1700000000,v1=${mac}`);
  });

  it('verifies the right body and key within the tolerance, nothing else', () => {
    const header = signWebhook(SECRET, 'body', 1000);
    expect(verifyWebhook(SECRET, header, 'body', { nowSec: 1000 })).toBe(true);
    expect(verifyWebhook(SECRET, header, 'body', { nowSec: 1299 })).toBe(true);
    expect(verifyWebhook(SECRET, header, 'body', { nowSec: 1301 })).toBe(false); // replayed late
    expect(verifyWebhook(SECRET, header, 'bodY', { nowSec: 1000 })).toBe(false);
    expect(verifyWebhook('x'.repeat(32), header, 'body', { nowSec: 1000 })).toBe(false);
    expect(
      verifyWebhook(SECRET, header.replace('t=1000', 't=1001'), 'body', { nowSec: 1000 }),
    ).toBe(false);
    expect(verifyWebhook(SECRET, 'garbage', 'body', { nowSec: 1000 })).toBe(false);
  });

  it('refuses a short secret', () => {
    expect(() => createWebhookSender({ secret: 'short' })).toThrow(/at least 32 characters/);
  });

  it('reports an unreachable receiver after its attempts, never throwing', async () => {
    const sender = createWebhookSender({
      secret: SECRET,
      attempts: 2,
      backoffMs: () => 1,
      timeoutMs: 500,
    });
    const delivery = await sender.send('http://127.0.0.1:1/hook', {
      type: 'scan.completed',
      id: 'evt_1',
      createdAt: new Date(0).toISOString(),
      data: {},
    });
    expect(delivery).toMatchObject({ ok: false, attempts: 2, status: undefined });
    expect(delivery.error).toBeTruthy();
  });
});
