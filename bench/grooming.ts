/**
 * npm run bench:grooming — streaming grooming scorer throughput on one core: synthetic
 * conversations (invented phrases, seeded) replayed message by message through the committed
 * model. Prints one JSON line: messages per second on one core and the per-message latency
 * percentiles.
 */
import { performance } from 'node:perf_hooks';
import { ConversationRisk } from '../src/core/grooming/conversation-risk.js';
import { createRandom } from '../src/core/grooming/random.js';
import { loadGroomingModel } from '../src/service/grooming/model-file.js';

const PHRASES = [
  'hey how was your day',
  'pretty good, just got back from practice',
  'what are you up to tonight',
  'not much, homework and then a movie maybe',
  'lol same here',
  'did you see the game yesterday?',
  'my laptop keeps freezing after the update',
  'try rebooting into safe mode first',
  'sooo bored rn',
  'wanna play later?',
  'brb dinner',
  'ok ttyl',
  'that song is stuck in my head all day',
  'we should get pizza on friday',
  'how old r u btw',
  'is anyone else home with you',
];
const CONVERSATIONS = 2_000;
const MESSAGES = 40;

const model = loadGroomingModel();
const random = createRandom(42);
const conversations = Array.from({ length: CONVERSATIONS }, () =>
  Array.from({ length: MESSAGES }, (_, i) => ({
    author: `user-${i % 2}`,
    text: Array.from(
      { length: 1 + Math.floor(random() * 2) },
      () => PHRASES[Math.floor(random() * PHRASES.length)],
    ).join(' '),
  })),
);

// Warm-up: the JIT and the regular expressions.
for (const c of conversations.slice(0, 100)) {
  const state = new ConversationRisk(model);
  for (const m of c) state.add(m);
}

const latencies = new Float64Array(CONVERSATIONS * MESSAGES);
let k = 0;
const start = performance.now();
for (const c of conversations) {
  const state = new ConversationRisk(model);
  for (const m of c) {
    const t0 = performance.now();
    state.add(m);
    latencies[k++] = performance.now() - t0;
  }
}
const seconds = (performance.now() - start) / 1000;
latencies.sort();
const pct = (p: number) =>
  latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? 0;
process.stdout.write(
  `${JSON.stringify({
    bench: 'grooming',
    messages: latencies.length,
    messagesPerSecondPerCore: Math.round(latencies.length / seconds),
    latencyMs: { p50: pct(0.5), p99: pct(0.99), max: pct(1) },
  })}\n`,
);
