import { describe, expect, it } from 'vitest';
import type { AgeBand } from '../../../src/core/grooming/conversation-risk.js';
import { GroomingMonitor } from '../../../src/service/grooming/grooming-monitor.js';
import { loadGroomingModel } from '../../../src/service/grooming/model-file.js';
import { risky } from './invented-chats.js';

/**
 * Invented online tutoring lessons (T the tutor, S a pupil of 12 or 13). The held-out
 * evaluation has a tutoring slice that training never sees; a lesson is full of what grooming
 * detectors look for (age questions, compliments, photos of homework, a parent at home, a move
 * to a video app, the next meeting), and a false alert on it is one on a child's teacher.
 */
const lessons: readonly (readonly [string, string])[][] = [
  [
    ['T', 'hi sam, ready for maths today?'],
    ['S', 'yes'],
    ['T', 'great. last week we did fractions, do you remember how to add 1/3 and 1/4?'],
    ['S', 'you make the bottoms the same'],
    ['T', 'exactly, the common denominator. what is it here?'],
    ['S', '12'],
    ['T', 'well done! so 4/12 plus 3/12?'],
    ['S', '7/12'],
    ['T', "perfect, you're getting really good at this"],
    ['S', 'thanks'],
    ['T', 'can you send me a photo of your homework sheet so i can check it?'],
    ['S', 'ok one sec'],
    ['T', 'got it. question 5 has a small mistake, look at the sign'],
    ['S', 'oh i see'],
    ['T', 'nice. same time next tuesday at 4?'],
    ['S', 'yes see you then'],
  ],
  [
    ['T', 'good afternoon! how was school?'],
    ['S', 'good we had a test in science'],
    ['T', 'how did it go?'],
    ['S', 'i think ok'],
    ['T', 'how old are you now, 12 or 13? i need it for the reading level'],
    ['S', '12'],
    ['T', 'ok then this book is a good fit. read the first page aloud please'],
    ['S', 'the old man walked to the harbour every morning'],
    ['T', 'lovely reading. what do you think harbour means?'],
    ['S', 'where boats stay'],
    ['T', "yes! you're a smart one"],
    ['S', 'haha'],
    ['T', 'is your mum or dad home? i need one of them to sign the progress form'],
    ['S', 'my mum is here'],
    ['T', 'great, ask her to email me please'],
    ['T', "that's all for today, well done"],
  ],
  [
    ['S', 'hi miss'],
    ['T', 'hi! did you finish the essay?'],
    ['S', 'almost'],
    ['T', "don't worry, we can finish it together"],
    ['S', 'ok'],
    [
      'T',
      "let's switch to google meet, the chat here is laggy. i'll send the link to your mum's email",
    ],
    ['S', 'ok'],
    ['T', 'read me your first paragraph'],
    ['S', 'my favourite place is my grandmas garden because it is quiet'],
    ['T', 'beautiful sentence. add one more detail about what you can see there'],
    ['S', 'there are apple trees'],
    ['T', "great job, you're a very good writer"],
    ['S', 'thank you'],
    ['T', 'homework: finish the last paragraph by friday'],
    ['S', 'ok bye'],
    ['T', 'bye, have a nice weekend'],
  ],
  [
    ['T', "hey alex, are you ready? we're doing algebra"],
    ['S', 'ugh ok'],
    ['T', "i know, but you'll like it once it clicks. solve x + 5 = 12"],
    ['S', 'x is 7'],
    ['T', 'yes! now 2x = 18'],
    ['S', '9'],
    ['T', "you're on fire today"],
    ['S', 'lol'],
    ['T', 'what is your favourite subject at school?'],
    ['S', 'pe'],
    ['T', 'haha fair. do you play any sports?'],
    ['S', 'football'],
    ['T', 'cool. ok last one: 3x - 4 = 11'],
    ['S', '5'],
    [
      'T',
      "perfect. i'll give you a gift card for the quiz app if you keep this up, your mum agreed",
    ],
    ['S', 'nice thanks'],
    ['T', 'see you thursday'],
  ],
  [
    ['T', "hello, this is your first lesson with me, i'm your english tutor"],
    ['S', 'hi'],
    ['T', 'tell me a bit about yourself, how old are you and what grade are you in?'],
    ['S', 'im 13 in 7th grade'],
    ['T', 'great. what do you like to read?'],
    ['S', 'comics mostly'],
    ['T', 'comics are reading too! who is your favourite character?'],
    ['S', 'spiderman'],
    ['T', "nice choice. let's write three sentences about him"],
    ['S', 'he is funny. he lives in new york. he can climb walls'],
    ['T', 'excellent, now join two of them with because'],
    ['S', 'he is funny because he makes jokes when he fights'],
    ['T', "you're a natural"],
    ['S', 'thanks'],
    ['T', 'can i have your email so i can send the worksheet?'],
    ['S', 'ask my dad'],
    ['T', "of course, i'll message him. see you next week"],
  ],
];

const bands: ReadonlyMap<string, AgeBand> = new Map([
  ['S', 'minor'],
  ['T', 'adult'],
]);

describe('committed grooming model on invented tutoring lessons', () => {
  it('alerts when the adult of the same kind of chat walks through the grooming stages', () => {
    const monitor = new GroomingMonitor(loadGroomingModel());
    risky.forEach((text, i) => {
      monitor.add('chat', { author: 'T', text }, bands);
      monitor.add('chat', { author: 'S', text: i % 2 ? 'ok' : 'idk' }, bands);
    });
    expect(monitor.conversation('chat')?.alerts).toBe(1);
    expect(monitor.conversation('chat')?.likelyGroomer).toBe('T');
  });

  it.each([
    ['without age bands', new Map<string, AgeBand>()],
    ['with the pupil declared a minor and the tutor an adult', bands],
  ])('raises no alert %s', (_, ageBands) => {
    const monitor = new GroomingMonitor(loadGroomingModel());
    lessons.forEach((lesson, i) => {
      for (const [author, text] of lesson) monitor.add(`lesson-${i}`, { author, text }, ageBands);
    });
    const alerts = lessons.map((_, i) => monitor.conversation(`lesson-${i}`)?.alerts);
    expect(alerts).toEqual(lessons.map(() => 0));
  });
});
