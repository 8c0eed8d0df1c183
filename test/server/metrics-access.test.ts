import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, startHarness, type Harness } from './api-harness.js';

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

describe('/metrics (Prometheus) needs a key', () => {
  it('serves /metrics to a key with scope metrics (or admin) only', async () => {
    await inject({ method: 'GET', url: '/v1/banks', headers: bearer(admin) });
    const anonymous = await inject({ method: 'GET', url: '/metrics' });
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.body).not.toContain('safeguard_http_requests_total');
    const wrongScope = await inject({
      method: 'GET',
      url: '/metrics',
      headers: bearer(await h.token('lookup')),
    });
    expect(wrongScope.statusCode).toBe(403);
    expect(wrongScope.json<{ detail: string }>().detail).toContain('metrics');
    for (const token of [await h.token('metrics'), admin]) {
      const metrics = await inject({ method: 'GET', url: '/metrics', headers: bearer(token) });
      expect(metrics.statusCode).toBe(200);
      expect(metrics.body).toContain('safeguard_http_requests_total');
      expect(metrics.body).toContain('safeguard_index_signals');
    }
  });

  it('serves /metrics to anyone when SAFEGUARD_METRICS_PUBLIC is set', async () => {
    const open = await startHarness({ SAFEGUARD_METRICS_PUBLIC: 'true' });
    try {
      const metrics = await open.api.server.inject({ method: 'GET', url: '/metrics' });
      expect(metrics.statusCode).toBe(200);
      expect(metrics.body).toContain('safeguard_http_requests_total');
    } finally {
      await open.close();
    }
  });
});
