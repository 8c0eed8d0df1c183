import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, startHarness, type Harness } from './api-harness.js';

// Invented, non-explicit lines (never corpus text).
const grooming = [
  ['a', 'hey how old are you'],
  ['b', 'im 13'],
  ['a', 'you seem really mature for your age'],
  ['a', 'are your parents home right now'],
  ['b', 'no they are at work'],
  ['a', 'dont tell anyone we talk ok its our secret'],
  ['a', 'lets move to snapchat its more private'],
  ['a', 'i could buy you a new phone if you want'],
  ['a', 'send me a pic of you'],
  ['a', 'we should meet up at the mall saturday'],
  ['a', 'delete these messages after'],
  ['a', 'you are so special to me nobody understands you like i do'],
].map(([author, text]) => ({ author, text }));

const everyday = [
  ['x', 'did you finish the report for monday'],
  ['y', 'almost, the charts still need work'],
  ['x', 'ok send it over when you can'],
  ['y', 'will do, lunch tomorrow?'],
  ['x', 'sure, the usual place at noon'],
].map(([author, text]) => ({ author, text }));

let h: Harness;
let token: string;
const inject = (options: InjectOptions) => h.api.server.inject(options);

beforeAll(async () => {
  h = await startHarness();
  token = await h.token('conversations');
});
afterAll(async () => {
  await h.close();
});

describe('grooming over HTTP', () => {
  it('needs the conversations scope', async () => {
    const other = await h.token('scan', 'cases');
    const denied = await inject({
      method: 'GET',
      url: '/v1/conversations/c1',
      headers: bearer(other),
    });
    expect(denied.statusCode).toBe(403);
    expect(denied.json().detail).toContain("'conversations'");
  });

  it('assesses each message, alerts with reasons and evidence, and opens a review case', async () => {
    const first = await inject({
      method: 'POST',
      url: '/v1/conversations/chat-1/messages',
      headers: bearer(token),
      payload: { ...grooming[0], ageBands: { b: 'minor' } },
    });
    expect(first.statusCode).toBe(200);
    expect(first.json().assessments).toHaveLength(1);
    const rest = await inject({
      method: 'POST',
      url: '/v1/conversations/chat-1/messages',
      headers: bearer(token),
      payload: { messages: grooming.slice(1) },
    });
    const body = rest.json();
    expect(body.assessments.map((a: { messageIndex: number }) => a.messageIndex)).toEqual(
      grooming.slice(1).map((_, i) => i + 1),
    );
    expect(body.alert).not.toBeNull();
    expect(body.alert.author).toBe('a');
    expect(body.alert.reasons.length).toBeGreaterThan(0);
    expect(body.alert.evidenceMessages.length).toBeGreaterThan(0);
    const conversation = (
      await inject({ method: 'GET', url: '/v1/conversations/chat-1', headers: bearer(token) })
    ).json();
    expect(conversation).toMatchObject({
      id: 'chat-1',
      messages: grooming.length,
      likelyGroomer: 'a',
    });
    expect(conversation.alerts).toHaveLength(1);
    const author = (
      await inject({ method: 'GET', url: '/v1/authors/a', headers: bearer(token) })
    ).json();
    expect(author).toMatchObject({ author: 'a', conversations: 1, alertedConversations: 1 });
    const opened = await h.app.caseStore.get(body.alert.caseId);
    expect(opened).toMatchObject({
      status: 'open',
      verdict: 'review',
      contentId: 'conversation:chat-1',
      uploaderId: 'a',
    });
    const audit = await h.app.auditLog.list({ action: 'grooming.alert', limit: 10 });
    expect(audit).toHaveLength(1);
    expect(JSON.stringify(audit[0])).not.toContain('snapchat'); // reasons, never message text
  });

  it('does not alert on an everyday conversation', async () => {
    const res = await inject({
      method: 'POST',
      url: '/v1/conversations/chat-2/messages',
      headers: bearer(token),
      payload: { messages: everyday },
    });
    expect(res.json().alert).toBeNull();
    expect(
      (await inject({ method: 'GET', url: '/v1/authors/x', headers: bearer(token) })).json()
        .alertedConversations,
    ).toBe(0);
  });

  it('answers a retried message id with its first assessment, marked duplicate', async () => {
    const send = () =>
      inject({
        method: 'POST',
        url: '/v1/conversations/chat-3/messages',
        headers: bearer(token),
        payload: { messages: everyday.map((m, i) => ({ ...m, id: `msg-${i}` })) },
      });
    const first = await send();
    const again = await send();
    expect(again.statusCode).toBe(200);
    type Assessment = { messageIndex: number; authorScore: number; duplicate?: boolean };
    const firsts = first.json<{ assessments: Assessment[] }>().assessments;
    const retries = again.json<{ assessments: Assessment[] }>().assessments;
    expect(firsts.some((a) => 'duplicate' in a)).toBe(false);
    // The first assessment again, its scores to six decimals (as the conversation keeps them).
    const six = (x: number) => Math.round(x * 1e6) / 1e6;
    expect(retries.map((a) => [a.duplicate, a.messageIndex, a.authorScore])).toEqual(
      firsts.map((a) => [true, a.messageIndex, six(a.authorScore)]),
    );
    const view = await inject({
      method: 'GET',
      url: '/v1/conversations/chat-3',
      headers: bearer(token),
    });
    expect(view.json().messages).toBe(everyday.length);
    const badId = await inject({
      method: 'POST',
      url: '/v1/conversations/chat-3/messages',
      headers: bearer(token),
      payload: { author: 'x', text: 'hi', id: '' },
    });
    expect(badId.statusCode).toBe(400);
  });

  it('refuses malformed requests and unknown ids clearly', async () => {
    const empty = await inject({
      method: 'POST',
      url: '/v1/conversations/c/messages',
      headers: bearer(token),
      payload: { messages: [] },
    });
    expect(empty.statusCode).toBe(400);
    const badBand = await inject({
      method: 'POST',
      url: '/v1/conversations/c/messages',
      headers: bearer(token),
      payload: { author: 'a', text: 'hi', ageBands: { a: 'toddler' } },
    });
    expect(badBand.statusCode).toBe(400);
    expect(
      (await inject({ method: 'GET', url: '/v1/conversations/never', headers: bearer(token) }))
        .statusCode,
    ).toBe(404);
    expect(
      (await inject({ method: 'GET', url: '/v1/authors/nobody', headers: bearer(token) }))
        .statusCode,
    ).toBe(404);
    const huge = await inject({
      method: 'POST',
      url: '/v1/conversations/big/messages',
      headers: bearer(token),
      payload: { author: 'a', text: 'x'.repeat(50_000) },
    });
    expect(huge.statusCode).toBe(200);
    expect(huge.json().assessments[0].truncated).toBe(true);
  });
});
