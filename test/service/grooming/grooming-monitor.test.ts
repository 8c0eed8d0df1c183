import { describe, expect, it } from 'vitest';
import { ConversationRisk } from '../../../src/core/grooming/conversation-risk.js';
import { GroomingMonitor } from '../../../src/service/grooming/grooming-monitor.js';
import { loadGroomingModel } from '../../../src/service/grooming/model-file.js';
import { toScoreMessages } from '../../../src/service/grooming/score-input.js';
import { risky } from './invented-chats.js';

const model = loadGroomingModel();

const ordinary = [
  'did you finish the homework',
  'almost, the last question is hard',
  'the bus was late again today',
  'lol same, i missed first period',
  'want to study together at the library',
  'sure, see you at lunch',
];

describe('committed grooming model', () => {
  it('loads with an operating point chosen by cross-validation', () => {
    expect(model.threshold).toBeGreaterThan(0);
    expect(model.threshold).toBeLessThan(1);
    expect(model.window).toBeGreaterThan(0);
    expect(model.stats).toHaveProperty('crossValidation');
  });

  it('scores deterministically', () => {
    const run = () => {
      const state = new ConversationRisk(model);
      return risky.map((text) => state.add({ author: 'a', text }).authorScore);
    };
    expect(run()).toEqual(run());
  });

  it('ranks a conversation walking through the grooming stages above an ordinary one', () => {
    const monitor = new GroomingMonitor(model);
    risky.forEach((text, i) => {
      monitor.add('c1', { author: 'adult', text });
      monitor.add('c1', { author: 'kid', text: i % 3 === 0 ? 'ok' : 'idk' });
    });
    ordinary.forEach((text, i) => monitor.add('c2', { author: i % 2 ? 'p' : 'q', text }));
    const c1 = monitor.conversation('c1');
    const c2 = monitor.conversation('c2');
    expect(c1?.likelyGroomer).toBe('adult');
    expect(c1?.currentRisk ?? 0).toBeGreaterThan(c2?.currentRisk ?? 1);
    expect(c2?.alerts).toBe(0);
  });

  it('aggregates an author across conversations', () => {
    const monitor = new GroomingMonitor(model);
    for (const id of ['x', 'y'])
      for (const text of risky) monitor.add(id, { author: 'same', text });
    monitor.add('z', { author: 'other', text: 'hello' });
    const same = monitor.authorRisk('same');
    expect(same?.conversations).toBe(2);
    expect(same?.risk).toBeGreaterThan(monitor.authorRisk('other')?.risk ?? 1);
    expect(monitor.authorRisk('nobody')).toBeUndefined();
  });
});

describe('toScoreMessages', () => {
  it('reads a conversation per line and a message per line, tolerating junk', () => {
    const conv = toScoreMessages(
      {
        id: 'c',
        ageBands: { k: 'minor', g: 'grown-up' },
        messages: [{ author: 'k', text: 'hi' }, 42],
      },
      1,
    );
    expect(conv).toHaveLength(2);
    expect(conv[0]?.ageBands.get('k')).toBe('minor');
    expect(conv[0]?.ageBands.has('g')).toBe(false);
    expect(conv[1]?.message).toEqual({ author: null, text: null, time: null });
    expect(
      toScoreMessages({ conversation: 'd', author: 'a', text: 'yo', time: 5 }, 2)[0]?.conversation,
    ).toBe('d');
    expect(toScoreMessages(null, 3)[0]?.conversation).toBe('default');
  });
});

describe('GroomingMonitor memory bounds', () => {
  const say = (author: string, text: string) => ({ author, text });

  it('forgets the conversation idle longest past maxConversations, and says so', () => {
    const evicted: string[] = [];
    const monitor = new GroomingMonitor(model, {
      maxConversations: 2,
      maxAuthors: 100,
      onEvict: (id) => evicted.push(id),
    });
    monitor.add('c1', say('a', 'hi'));
    monitor.add('c2', say('b', 'hi'));
    monitor.add('c1', say('a', 'still here')); // c1 is now the most recent
    monitor.add('c3', say('c', 'hi'));
    expect(evicted).toEqual(['c2']);
    expect(monitor.conversation('c2')).toBeUndefined();
    expect(monitor.conversation('c1')?.messages).toBe(2);
    expect(monitor.size).toEqual({ conversations: 2, authors: 3 });
    // A forgotten conversation starts afresh.
    monitor.add('c2', say('b', 'back'));
    expect(monitor.conversation('c2')?.messages).toBe(1);
    expect(evicted).toEqual(['c2', 'c1']);
  });

  it('forgets the author idle longest past maxAuthors; a flood of ids stays bounded', () => {
    const monitor = new GroomingMonitor(model, { maxConversations: 50, maxAuthors: 10 });
    for (let i = 0; i < 5000; i++) monitor.add(`conv-${i}`, say(`user-${i}`, 'hello there'));
    expect(monitor.size).toEqual({ conversations: 50, authors: 10 });
    expect(monitor.authorRisk('user-0')).toBeUndefined();
    expect(monitor.authorRisk('user-4999')).toMatchObject({ conversations: 1 });
  });
});
