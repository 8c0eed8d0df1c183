import { describe, expect, it } from 'vitest';
import { ConversationRisk } from '../../../src/core/grooming/conversation-risk.js';
import type { GroomingModel } from '../../../src/core/grooming/grooming-model.js';
import {
  FEATURE_COUNT,
  HASH_SIZE,
  behaviourFeatureNames,
} from '../../../src/core/grooming/hash-features.js';

/** A hand-set model: only the behaviour "any:<code>" features carry weight. */
function toyModel(over: Partial<GroomingModel> = {}): GroomingModel {
  const weights = new Float32Array(FEATURE_COUNT);
  behaviourFeatureNames.forEach((name, i) => {
    if (name.startsWith('any:')) weights[HASH_SIZE + i] = 2;
  });
  return {
    weights,
    bias: -3,
    threshold: 0.7,
    window: 4,
    minMessages: 2,
    persistence: 1,
    ageGapBoost: 1,
    minorAuthorShift: -2,
    stats: {},
    ...over,
  };
}

describe('ConversationRisk', () => {
  it('raises one alert on the author whose window crosses, with reasons and evidence lines', () => {
    const state = new ConversationRisk(toyModel());
    const msgs = [
      { author: 'a', text: 'hi there' },
      { author: 'b', text: 'hey' },
      { author: 'a', text: 'is ur mom home?' },
      { author: 'b', text: 'no why' },
      { author: 'a', text: 'dont tell anyone we talk' },
      { author: 'a', text: 'ok?' },
    ];
    const scores = msgs.map((m) => state.add(m));
    const alerts = scores.flatMap((s) => (s.alert ? [s.alert] : []));
    expect(alerts).toHaveLength(1);
    const alert = alerts[0];
    expect(alert?.author).toBe('a');
    expect(alert?.reasons).toEqual(expect.arrayContaining(['adult_check']));
    expect(alert?.evidence.map((e) => e.messageIndex)).toContain(2);
    expect(state.likelyGroomer).toBe('a');
    expect(scores[0]?.authorScore).toBe(0); // below minMessages: no score yet
    expect(scores.map((s) => s.conversationRisk)).toEqual(
      [...scores.map((s) => s.conversationRisk)].sort((x, y) => x - y),
    );
  });

  it('stays quiet on an ordinary chat', () => {
    const state = new ConversationRisk(toyModel());
    for (const text of [
      'the update broke wifi',
      'which version?',
      'the latest one',
      'roll back then',
    ])
      expect(state.add({ author: text.length % 2 ? 'x' : 'y', text }).alert).toBeNull();
    expect(state.alerts).toBe(0);
  });

  it('an adult talking to a declared minor scores higher than the same words to an adult', () => {
    const words = ['hey', 'what r u wearing'];
    const run = (bands: Map<string, 'minor' | 'adult'>) => {
      const s = new ConversationRisk(toyModel({ threshold: 0.99 }), bands);
      s.add({ author: 'kid', text: 'hello' });
      return Math.max(...words.map((text) => s.add({ author: 'grown', text }).authorScore));
    };
    const toMinor = run(
      new Map([
        ['kid', 'minor'],
        ['grown', 'adult'],
      ]),
    );
    const toAdult = run(
      new Map([
        ['kid', 'adult'],
        ['grown', 'adult'],
      ]),
    );
    expect(toMinor).toBeGreaterThan(toAdult);
  });

  it('handles empty, huge, unknown-author, out-of-order and U+FFFD input', () => {
    const state = new ConversationRisk(toyModel());
    expect(state.add({ author: null, text: null }).author).toBe('unknown');
    expect(state.add({ author: '', text: '' }).hits).toEqual([]);
    const huge = state.add({ author: 'a', text: 'x '.repeat(1_000_000) });
    expect(huge.truncated).toBe(true);
    state.add({ author: 'a', text: 'hi', time: '10:05' });
    state.add({ author: 'a', text: 'hi again', time: '10:01' });
    expect(state.outOfOrder).toBe(1);
    expect(
      state.add({ author: 'a', text: '\uFFFD\uFFFD r u alone \uFFFD' }).hits.map((h) => h.code),
    ).toContain('adult_check');
    expect(state.messages).toBe(6);
  });
});
