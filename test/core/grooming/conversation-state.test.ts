import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ConversationRisk,
  type AgeBand,
  type MessageInput,
} from '../../../src/core/grooming/conversation-risk.js';
import {
  carryOverToModel,
  groomingModelFingerprint,
  parseConversationRiskState,
} from '../../../src/core/grooming/conversation-state.js';
import { HASH_SIZE } from '../../../src/core/grooming/hash-features.js';
import { loadGroomingModel } from '../../../src/service/grooming/model-file.js';

const model = loadGroomingModel();

// Invented lines (never corpus text): ordinary chat and a few that trip the detectors.
const lines = [
  'hey whats up',
  'how old r u',
  'im 13',
  'i am 34 years old',
  'ur really mature for ur age',
  'is ur mom home right now',
  'dont tell anyone we talk ok',
  'add me on snap instead',
  'send me a pic of u',
  'i can buy u a new phone',
  'wanna meet up after school tomorrow',
  'did you finish the homework',
  'the bus was late again today',
  'lol same',
  '',
  'ok',
];

const messageArb = fc.record({
  author: fc.constantFrom('a', 'b', 'c', '', null),
  text: fc.constantFrom(...lines),
  time: fc.option(fc.integer({ min: 0, max: 20 }), { nil: null }),
});

const bandsArb = fc
  .dictionary(fc.constantFrom('a', 'b', 'c'), fc.constantFrom<AgeBand>('minor', 'adult', 'unknown'))
  .map((d) => new Map(Object.entries(d)));

/** Snapshot, through JSON text (as stored), parsed and restored. */
function roundTrip(risk: ConversationRisk): ConversationRisk {
  const text = JSON.stringify(risk.snapshot());
  const parsed = parseConversationRiskState(JSON.parse(text), HASH_SIZE);
  if (!parsed.ok) throw new Error(parsed.issues.join('; '));
  return ConversationRisk.restore(model, parsed.state);
}

describe('ConversationRisk state', () => {
  it('a conversation stored and restored at any point scores on exactly as one never stored', () => {
    fc.assert(
      fc.property(
        fc.array(messageArb, { minLength: 1, maxLength: 40 }),
        fc.array(fc.nat(), { maxLength: 4 }),
        bandsArb,
        (messages: MessageInput[], cuts, bands) => {
          const whole = new ConversationRisk(model, bands);
          const expected = messages.map((m) => whole.add(m));
          const at = new Set(cuts.map((c) => c % messages.length));
          let pieces = new ConversationRisk(model, bands);
          const actual = messages.map((m, i) => {
            if (at.has(i)) pieces = roundTrip(pieces);
            return pieces.add(m);
          });
          expect(actual).toEqual(expected);
          expect(pieces.snapshot()).toEqual(whole.snapshot());
          expect(roundTrip(pieces).snapshot()).toEqual(whole.snapshot());
        },
      ),
      { numRuns: 150, seed: 20261129 },
    );
  });

  it('keeps no message text, only hashed features and detector spans', () => {
    const risk = new ConversationRisk(model);
    risk.add({ author: 'a', text: 'the purple giraffe sings at midnight' });
    risk.add({ author: 'a', text: 'is ur mom home right now' });
    const text = JSON.stringify(risk.snapshot());
    expect(text).not.toContain('giraffe');
    expect(text).not.toContain('right now');
  });

  it('names what is wrong with a damaged state instead of throwing', () => {
    const good = (() => {
      const risk = new ConversationRisk(model, new Map([['b', 'minor']]));
      for (const text of lines) risk.add({ author: 'a', text });
      return risk.snapshot();
    })();
    expect(parseConversationRiskState(good, HASH_SIZE).ok).toBe(true);
    const bad = (over: Record<string, unknown>) => {
      const parsed = parseConversationRiskState({ ...good, ...over }, HASH_SIZE);
      return parsed.ok ? [] : parsed.issues;
    };
    expect(parseConversationRiskState(null, HASH_SIZE)).toEqual({
      ok: false,
      issues: ['state is not an object'],
    });
    expect(bad({ messages: -1 })).toEqual(['messages must be a whole number']);
    expect(bad({ risk: 2 })).toEqual(['risk must be a probability']);
    expect(bad({ declaredAges: [['b', 'toddler']] })).toEqual([
      'declaredAges must be [author, minor|adult|unknown] pairs',
    ]);
    expect(bad({ authors: 'a' })).toEqual(['authors must be a list']);
    const author = good.authors[0];
    expect(author).toBeDefined();
    const window = author?.window ?? [];
    expect(
      bad({ authors: [{ ...author, window: [{ ...window[0], buckets: [HASH_SIZE] }] }] }),
    ).toEqual([
      'author "a": window must be messages {index, buckets, hits, isQuestion, secondPerson}',
    ]);
    expect(bad({ authors: [{ ...author, peak: 'high', alerted: 1 }] })).toEqual([
      'author "a": peak must be a probability',
      'author "a": alerted must be a boolean',
    ]);
  });

  it('carries what was concluded over to another model, not the windows', () => {
    const risk = new ConversationRisk(model);
    for (const text of lines) risk.add({ author: 'a', text });
    const state = risk.snapshot();
    const carried = carryOverToModel(state);
    expect(carried.messages).toBe(state.messages);
    expect(carried.authors[0]).toMatchObject({
      author: 'a',
      count: state.authors[0]?.count,
      peak: state.authors[0]?.peak,
      alerted: state.authors[0]?.alerted,
      recent: [],
      window: [],
    });
    const restored = ConversationRisk.restore(model, carried);
    const next = restored.add({ author: 'a', text: 'ok' });
    expect(next.messageIndex).toBe(state.messages);
    expect(next.conversationRisk).toBeGreaterThanOrEqual(state.risk);
  });

  it('fingerprints a model by its weights and operating point', () => {
    const same = groomingModelFingerprint(model);
    expect(same).toMatch(/^[0-9a-f]{16}$/);
    expect(groomingModelFingerprint({ ...model })).toBe(same);
    expect(groomingModelFingerprint({ ...model, threshold: model.threshold + 0.01 })).not.toBe(
      same,
    );
    const weights = Float32Array.from(model.weights);
    weights[5] = (weights[5] ?? 0) + 1;
    expect(groomingModelFingerprint({ ...model, weights })).not.toBe(same);
  });
});
