import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, startServe } from '../support/serve-process.js';

const databaseUrl = process.env.DATABASE_URL;
const schema = `sg_nodes_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
const children: ChildProcess[] = [];

/** Starts `safeguard serve` on the test schema and resolves once it listens. */
async function startNode(port: number): Promise<{ output: () => string }> {
  const node = await startServe(['serve'], {
    ...process.env,
    PORT: String(port),
    HOST: '127.0.0.1',
    SAFEGUARD_DB_SCHEMA: schema,
    SAFEGUARD_SYNC_INTERVAL_MS: '250',
  });
  children.push(node.child);
  return node;
}

afterAll(async () => {
  for (const child of children) child.kill('SIGTERM');
  if (databaseUrl) {
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    await client.query(`drop schema if exists ${schema} cascade`);
    await client.end();
  }
});

describe.skipIf(!databaseUrl)('several nodes on one PostgreSQL', () => {
  it('a signal added through one node is matched through the other within one second', async () => {
    const [portA, portB] = [await freePort(), await freePort()];
    const a = await startNode(portA);
    const b = await startNode(portB);
    const token = /sg_[A-Za-z0-9_-]+/.exec(a.output())?.[0];
    expect(token, a.output()).toBeDefined();
    expect(b.output()).not.toContain('First start'); // one bootstrap key for the cluster
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const call = (port: number, path: string, body: unknown) =>
      fetch(`http://127.0.0.1:${port}${path}`, {
        method: 'POST',
        headers,
        body: JSON.stringify(body),
      });

    expect((await call(portA, '/v1/banks', { name: 'shared' })).status).toBe(201);
    const md5 = 'c0ffee00'.repeat(4);
    const before = (await (await call(portB, '/v1/lookup', { md5: [md5] })).json()) as {
      verdict: string;
    };
    expect(before.verdict).toBe('allow');

    expect(
      (await call(portA, '/v1/banks/shared/signals', { signals: [{ type: 'md5', value: md5 }] }))
        .status,
    ).toBe(200);
    const added = Date.now();
    let verdict = 'allow';
    while (verdict === 'allow' && Date.now() - added < 5000) {
      verdict = (
        (await (await call(portB, '/v1/lookup', { md5: [md5] })).json()) as { verdict: string }
      ).verdict;
      if (verdict === 'allow') await new Promise((r) => setTimeout(r, 20));
    }
    const elapsed = Date.now() - added;
    expect(verdict).toBe('block');
    expect(elapsed).toBeLessThan(1000);
  });
});
