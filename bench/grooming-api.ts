/**
 * npm run -s bench:grooming-api — what one chat message costs through the HTTP API
 * (`POST /v1/conversations/{id}/messages`), state saving included.
 *
 * A real app and server in this process (a fresh SQLite data directory; also a fresh
 * PostgreSQL schema when DATABASE_URL is set), driven over keep-alive HTTP from the same
 * process with invented phrases (seeded): 200 conversations of two authors, messages sent
 * round-robin across them, one message per request:
 *   - sequential: one request at a time, per-request latency percentiles and messages/s;
 *   - concurrent: 8 requests in flight (8 different conversations), messages/s;
 *   - batch: 50 messages per request, messages/s.
 * CPU per message is this process's CPU time (server and client together) over the messages:
 * on a shared machine it moves less than latency, which waits on the disk's flushes.
 * Prints ONE JSON line. Options: --messages N (sequential; default 3000).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { createApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { createRandom } from '../src/core/grooming/random.js';
import { startApi } from '../src/server/start-api.js';

const { values } = parseArgs({ options: { messages: { type: 'string', default: '3000' } } });
const MESSAGES = Number(values.messages);
const CONVERSATIONS = 200;
const CONCURRENCY = 8;
const BATCH = 50;

const PHRASES = [
  'hey how was your day',
  'pretty good, just got back from practice',
  'what are you up to tonight',
  'not much, homework and then a movie maybe',
  'lol same here',
  'did you see the game yesterday?',
  'my laptop keeps freezing after the update',
  'try rebooting into safe mode first',
  'wanna play later?',
  'brb dinner',
  'that song is stuck in my head all day',
  'we should get pizza on friday',
];

const random = createRandom(7);
let sent = 0;
const nextMessage = () => {
  const i = sent++;
  return {
    conversation: `bench-${i % CONVERSATIONS}`,
    body: {
      author: `user-${Math.floor(i / CONVERSATIONS) % 2}-${i % CONVERSATIONS}`,
      text: PHRASES[Math.floor(random() * PHRASES.length)] ?? '',
    },
  };
};

/** CPU time of this process (server and client: they share it) per message, ms. */
const cpuMsPerMessage = (used: NodeJS.CpuUsage, messages: number) =>
  Number(((used.user + used.system) / 1000 / messages).toFixed(3));

const pct = (sorted: Float64Array, p: number) =>
  Number((sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0).toFixed(3));

async function measure(env: Record<string, string>) {
  const dataDir = mkdtempSync(join(tmpdir(), 'safeguard-bench-grooming-'));
  const app = await createApp(loadConfig(env, { dataDir }));
  const api = await startApi(app, { syncIntervalMs: 250, requestTimeoutMs: 30_000 });
  try {
    const { token } = await app.keyStore.create({ name: 'bench', scopes: ['conversations'] });
    const base = await api.server.listen({ port: 0, host: '127.0.0.1' });
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const post = async (conversation: string, body: unknown) => {
      const res = await fetch(`${base}/v1/conversations/${conversation}/messages`, {
        method: 'POST',
        headers,
        body: JSON.stringify(body),
      });
      if (res.status !== 200) throw new Error(`${res.status}: ${await res.text()}`);
      await res.arrayBuffer();
    };
    // Warm-up: the JIT, the connections, the first message of every conversation.
    for (let i = 0; i < CONVERSATIONS * 2; i++) {
      const m = nextMessage();
      await post(m.conversation, m.body);
    }
    const latencies = new Float64Array(MESSAGES);
    let cpu = process.cpuUsage();
    let start = performance.now();
    for (let i = 0; i < MESSAGES; i++) {
      const m = nextMessage();
      const t0 = performance.now();
      await post(m.conversation, m.body);
      latencies[i] = performance.now() - t0;
    }
    const sequentialSeconds = (performance.now() - start) / 1000;
    const sequentialCpu = cpuMsPerMessage(process.cpuUsage(cpu), MESSAGES);
    latencies.sort();

    cpu = process.cpuUsage();
    start = performance.now();
    let left = MESSAGES;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (left-- > 0) {
          const m = nextMessage();
          await post(m.conversation, m.body);
        }
      }),
    );
    const concurrentSeconds = (performance.now() - start) / 1000;
    const concurrentCpu = cpuMsPerMessage(process.cpuUsage(cpu), MESSAGES);

    const batches = Math.max(1, Math.floor(MESSAGES / BATCH));
    start = performance.now();
    for (let b = 0; b < batches; b++) {
      const conversation = `bench-batch-${b % CONVERSATIONS}`;
      const messages = Array.from({ length: BATCH }, () => nextMessage().body);
      await post(conversation, { messages });
    }
    const batchSeconds = (performance.now() - start) / 1000;
    return {
      sequential: {
        messagesPerSecond: Math.round(MESSAGES / sequentialSeconds),
        cpuMsPerMessage: sequentialCpu,
        latencyMs: { p50: pct(latencies, 0.5), p99: pct(latencies, 0.99), max: pct(latencies, 1) },
      },
      concurrent: {
        inFlight: CONCURRENCY,
        messagesPerSecond: Math.round(MESSAGES / concurrentSeconds),
        cpuMsPerMessage: concurrentCpu,
      },
      batch: { size: BATCH, messagesPerSecond: Math.round((batches * BATCH) / batchSeconds) },
    };
  } finally {
    await api.close();
    await app.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const result: Record<string, unknown> = {
  bench: 'grooming-api',
  messages: MESSAGES,
  conversations: CONVERSATIONS,
  loadAverageBefore: loadavg()[0],
};
result.sqlite = await measure({});
const databaseUrl = process.env.DATABASE_URL;
if (databaseUrl !== undefined) {
  const schema = `sg_bench_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
  try {
    result.postgres = await measure({ DATABASE_URL: databaseUrl, SAFEGUARD_DB_SCHEMA: schema });
  } finally {
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    await client.query(`drop schema if exists ${schema} cascade`);
    await client.end();
  }
}
result.loadAverageAfter = loadavg()[0];
process.stdout.write(`${JSON.stringify(result)}\n`);
