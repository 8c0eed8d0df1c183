import { describe, expect, it } from 'vitest';
import { detectSignals, statedAge } from '../../../src/core/grooming/detect-signals.js';
import type { SignalCode } from '../../../src/core/grooming/signal-codes.js';

const codes = (text: string): SignalCode[] => [
  ...new Set(detectSignals(text, 0).map((h) => h.code)),
];

/** Each detector: phrases (invented for these tests) that must fire, and near misses that must not. */
const cases: Record<SignalCode, { fire: string[]; quiet: string[] }> = {
  age_question: {
    fire: ['how old r u?', 'Howold are you', 'whats ur age', 'asl?', 'what grade are you in'],
    quiet: ['this bread is old', 'how are you'],
  },
  age_minor: {
    fire: ['im 13', "i'm only 14 years old", 'I am 12 yo'],
    quiet: ['im 30', 'i have 13 apples', 'page 13'],
  },
  age_adult: { fire: ['im 34', 'i am 21 years old'], quiet: ['im 13', 'room 34'] },
  personal_info: {
    fire: ['where do u live', 'what school do you go to', 'give me ur number'],
    quiet: ['i live near the park', 'what a day'],
  },
  photo_request: {
    fire: ['send me a pic', 'got any pix?', 'can i see u', 'turn on ur cam'],
    quiet: ['nice picture of the lake', 'i sent the report'],
  },
  compliment: {
    fire: ['ur sooo cute', 'you are really pretty', 'you seem mature for your age'],
    quiet: ['the puppy is cute', 'you are late'],
  },
  exclusivity: {
    fire: ["you're the only one i talk to", 'just you and me', 'we have a special bond'],
    quiet: ['the only bus left', 'me and my team'],
  },
  secrecy: {
    fire: [
      'dont tell ur mom',
      'donttell anyone',
      'dont tell her about me',
      'this is our little secret',
      'delete our chat ok',
    ],
    quiet: ['tell me a joke', 'the secret ingredient is salt'],
  },
  adult_check: {
    fire: [
      'is ur mom home?',
      'r u alone',
      'anyone else home with you',
      'when do ur parents get home',
    ],
    quiet: ['my mom is home', 'home alone is a movie'],
  },
  isolation: {
    fire: ['ur parents dont understand you', 'i understand u better', "you don't need them"],
    quiet: ['i understand the problem', 'parents evening is on monday'],
  },
  platform_move: {
    fire: ['add me on snap', 'do u have kik', 'whats ur snap', "let's talk on a private chat"],
    quiet: ['snap peas are tasty', 'add more salt'],
  },
  gift_money: {
    fire: ['i will buy you a phone', "i'll pay for it", 'want a gift card?'],
    quiet: ['i bought a phone', 'the shop sells gifts'],
  },
  meeting: {
    fire: [
      'wanna meet up tomorrow',
      'when can we meet',
      "i'll come pick u up",
      'come over to my place',
    ],
    quiet: ['what time is the meeting', 'nice to meet new people at work'],
  },
  sexual_escalation: {
    fire: ['have u ever been kissed', 'what r u wearing', 'are you a virgin'],
    quiet: ['what are you reading', 'she kissed the frog in the story'],
  },
  sexual_content: {
    fire: ['do you like sex', 'are you naked'],
    quiet: ['sixty students', 'nakedness of the trees'],
  },
};

describe('detectSignals', () => {
  for (const [code, { fire, quiet }] of Object.entries(cases) as [
    SignalCode,
    (typeof cases)[SignalCode],
  ][]) {
    for (const text of fire)
      it(`${code} fires on "${text}"`, () => expect(codes(text)).toContain(code));
    for (const text of quiet)
      it(`${code} stays quiet on "${text}"`, () => expect(codes(text)).not.toContain(code));
  }

  it('says nothing on ordinary chat', () => {
    for (const text of ['hey', 'lol ok', 'my computer will not boot', 'see you at practice', ''])
      expect(detectSignals(text, 3)).toEqual([]);
  });

  it('gives the message index, the original span and the original words', () => {
    const text = 'OK but DONT   tell ur mom!!';
    const [hit] = detectSignals(text, 7);
    expect(hit).toBeDefined();
    expect(hit?.messageIndex).toBe(7);
    expect(hit?.code).toBe('secrecy');
    const [a, b] = hit?.span ?? [0, 0];
    expect(text.slice(a, b)).toBe(hit?.text);
    expect(hit?.text.startsWith('DONT')).toBe(true);
  });

  it('reads stated ages', () => {
    expect(statedAge('im 13 lol')).toBe(13);
    expect(statedAge('i am 42')).toBe(42);
    expect(statedAge('i have 3 dogs')).toBeUndefined();
  });
});
