import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { ConversationRisk } from '../../src/core/grooming/conversation-risk.js';
import { loadGroomingModel } from '../../src/service/grooming/model-file.js';
import { startApi } from '../../src/server/start-api.js';
import { freePort, requestOnce, startServe } from '../support/serve-process.js';
import { bearer } from './api-harness.js';

// Invented, non-explicit lines (never corpus text).
const chat = [
  ['p', 'hey, you play the same game as me right'],
  ['p', 'how old are you'],
  ['q', 'im 13'],
  ['p', 'you talk like someone way older'],
  ['p', 'are your parents around tonight'],
  ['q', 'no they went out'],
  ['p', 'keep this just between us ok'],
  ['p', 'nobody else gets you like i do'],
  ['p', 'lets switch to snapchat'],
  ['p', 'send a picture of yourself'],
  ['q', 'why'],
  ['p', 'i could buy you that new phone'],
  ['p', 'we could meet at the park saturday'],
  ['p', 'remember to delete this chat'],
].map(([author, text]) => ({ author: author ?? '', text: text ?? '' }));

/** What one process holding the whole conversation in memory answers, message by message. */
function expectedAssessments() {
  const risk = new ConversationRisk(loadGroomingModel(), new Map([['q', 'minor']]));
  return chat.map((m) => summary(risk.add(m)));
}

interface Assessment {
  messageIndex: number;
  authorScore: number;
  conversationRisk: number;
  likelyGroomer: string | null;
  alert: { author: string } | null;
}
/** What two answers must share: an HTTP assessment, or a score computed in this process. */
const summary = (a: Assessment) => ({
  messageIndex: a.messageIndex,
  authorScore: a.authorScore,
  conversationRisk: a.conversationRisk,
  likelyGroomer: a.likelyGroomer,
  alert: a.alert?.author ?? null,
});

describe('grooming state across a restart (SQLite data directory)', () => {
  it('a server restarted on the same data directory continues the conversation', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'safeguard-grooming-restart-'));
    try {
      const assessed: Assessment[] = [];
      let token = '';
      for (const part of [chat.slice(0, 5), chat.slice(5, 9), chat.slice(9)]) {
        const app = await createApp(loadConfig({}, { dataDir }));
        const api = await startApi(app, { syncIntervalMs: 50, requestTimeoutMs: 30_000 });
        try {
          if (token === '')
            token = (await app.keyStore.create({ name: 't', scopes: ['conversations'] })).token;
          for (const m of part) {
            const res = await api.server.inject({
              method: 'POST',
              url: '/v1/conversations/chat-r/messages',
              headers: bearer(token),
              payload: { ...m, ageBands: { q: 'minor' } },
            });
            expect(res.statusCode, res.body).toBe(200);
            assessed.push(...res.json<{ assessments: Assessment[] }>().assessments);
          }
        } finally {
          await api.close();
          await app.close();
        }
      }
      expect(assessed.map(summary)).toEqual(expectedAssessments());
      const app = await createApp(loadConfig({}, { dataDir }));
      const api = await startApi(app, { syncIntervalMs: 50, requestTimeoutMs: 30_000 });
      try {
        const view = (
          await api.server.inject({
            method: 'GET',
            url: '/v1/conversations/chat-r',
            headers: bearer(token),
          })
        ).json<{ messages: number; likelyGroomer: string; alerts: unknown[] }>();
        expect(view).toMatchObject({ messages: chat.length, likelyGroomer: 'p' });
        expect(view.alerts).toHaveLength(1);
        const author = (
          await api.server.inject({ method: 'GET', url: '/v1/authors/p', headers: bearer(token) })
        ).json<unknown>();
        expect(author).toMatchObject({ conversations: 1, alertedConversations: 1 });
        expect((await app.caseStore.list({ limit: 10 })).cases).toHaveLength(1);
      } finally {
        await api.close();
        await app.close();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 120_000);
});

const databaseUrl = process.env.DATABASE_URL;
const schema = `sg_groom_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
const children: ChildProcess[] = [];

/** Starts `safeguard serve` on the test schema; resolves once it listens. */
async function startNode(port: number): Promise<{ child: ChildProcess; output: () => string }> {
  const node = await startServe(['serve'], {
    ...process.env,
    PORT: String(port),
    HOST: '127.0.0.1',
    SAFEGUARD_DB_SCHEMA: schema,
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

// The tests below start server processes: slow on a loaded machine, hence their own timeouts.
describe.skipIf(!databaseUrl)('grooming state on two server processes, one PostgreSQL', () => {
  it('messages posted alternately through two nodes, one restarted midway, score as through one', async () => {
    const ports = [await freePort(), await freePort()];
    const a = await startNode(ports[0] ?? 0);
    await startNode(ports[1] ?? 0);
    const token = /sg_[A-Za-z0-9_-]+/.exec(a.output())?.[0] ?? '';
    expect(token, a.output()).not.toBe('');
    const headers = { ...bearer(token), 'content-type': 'application/json' };
    const call = async (port: number, path: string, body?: unknown) => {
      const res = await fetch(`http://127.0.0.1:${port}${path}`, {
        method: body === undefined ? 'GET' : 'POST',
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      expect(res.status).toBe(200);
      return res.json() as Promise<Record<string, unknown>>;
    };
    const assessed: Assessment[] = [];
    for (const [i, m] of chat.entries()) {
      if (i === 7) {
        // Node A goes down and comes back on the same database.
        a.child.kill('SIGTERM');
        await new Promise((r) => a.child.once('exit', r));
        ports[0] = await freePort();
        await startNode(ports[0]);
      }
      const body = await call(ports[i % 2] ?? 0, '/v1/conversations/chat-n/messages', {
        ...m,
        ageBands: { q: 'minor' },
      });
      assessed.push(...(body.assessments as Assessment[]));
    }
    expect(assessed.map(summary)).toEqual(expectedAssessments());
    for (const port of ports) {
      const view = await call(port ?? 0, '/v1/conversations/chat-n');
      expect(view).toMatchObject({ messages: chat.length, likelyGroomer: 'p' });
      expect(view.alerts).toHaveLength(1);
      expect(await call(port ?? 0, '/v1/authors/p')).toMatchObject({
        conversations: 1,
        alertedConversations: 1,
      });
    }
  }, 120_000);
});

describe('grooming state on two worker processes, one SQLite file', () => {
  it('concurrent posts to one conversation through both workers lose nothing', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'safeguard-grooming-workers-'));
    try {
      const env: NodeJS.ProcessEnv = { ...process.env };
      delete env.DATABASE_URL;
      const port = await freePort();
      const server = await startServe(['--data', dataDir, 'serve'], {
        ...env,
        PORT: String(port),
        HOST: '127.0.0.1',
        SAFEGUARD_WORKERS: '2',
      });
      children.push(server.child);
      const out = server.output();
      const token = /sg_[A-Za-z0-9_-]+/.exec(out)?.[0] ?? '';
      expect(token, out).not.toBe('');
      const pairs = Array.from({ length: chat.length / 2 }, (_, i) => chat.slice(2 * i, 2 * i + 2));
      const answers = await Promise.all(
        pairs.map((messages) =>
          requestOnce(port, 'POST', '/v1/conversations/chat-w/messages', token, {
            messages,
            ageBands: { q: 'minor' },
          }),
        ),
      );
      for (const a of answers) expect(a.status, a.text).toBe(200);
      const results = answers.map((a) => JSON.parse(a.text) as { assessments: Assessment[] });
      const order = results
        .map((r, i) => ({ pair: i, first: r.assessments[0]?.messageIndex ?? -1 }))
        .sort((x, y) => x.first - y.first);
      const indexes = results.flatMap((r) => r.assessments.map((a) => a.messageIndex));
      expect([...indexes].sort((x, y) => x - y)).toEqual(chat.map((_, i) => i));
      // The committed order replayed in one process gives the same scores.
      const replay = new ConversationRisk(loadGroomingModel(), new Map([['q', 'minor']]));
      const expected = order.flatMap(({ pair }) =>
        (pairs[pair] ?? []).map((m) => summary(replay.add(m))),
      );
      expect(order.flatMap(({ pair }) => (results[pair]?.assessments ?? []).map(summary))).toEqual(
        expected,
      );
      server.child.kill('SIGTERM');
      await new Promise((r) => server.child.once('exit', r));
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 120_000);
});
