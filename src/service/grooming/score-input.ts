import {
  ageBands,
  type AgeBand,
  type MessageInput,
} from '../../core/grooming/conversation-risk.js';

/** One message to score, from either input shape of `safeguard grooming score`. */
export interface ScoreInputMessage {
  readonly conversation: string;
  readonly message: MessageInput;
  readonly ageBands: ReadonlyMap<string, AgeBand>;
}

const rec = (v: unknown): Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
const isAgeBand = (v: unknown): v is AgeBand =>
  typeof v === 'string' && (ageBands as readonly string[]).includes(v);

function bandsOf(v: unknown): Map<string, AgeBand> {
  const out = new Map<string, AgeBand>();
  for (const [author, band] of Object.entries(rec(v))) if (isAgeBand(band)) out.set(author, band);
  return out;
}

function messageOf(v: unknown): MessageInput {
  const m = rec(v);
  const time = m.time;
  return {
    author: typeof m.author === 'string' ? m.author : null,
    text: typeof m.text === 'string' ? m.text : null,
    time: typeof time === 'string' || typeof time === 'number' ? time : null,
  };
}

/**
 * Accepts a whole conversation per line (`{id, messages: [{author, text, time}], ageBands?}`,
 * the corpus format) or one message per line (`{conversation, author, text, time?, ageBands?}`).
 * `ageBands` maps an author id to `minor`, `adult` or `unknown`.
 */
export function toScoreMessages(value: unknown, line: number): ScoreInputMessage[] {
  const r = rec(value);
  const bands = bandsOf(r.ageBands);
  if (Array.isArray(r.messages)) {
    const id = typeof r.id === 'string' ? r.id : `line-${line}`;
    return r.messages.map((m) => ({ conversation: id, message: messageOf(m), ageBands: bands }));
  }
  const id = typeof r.conversation === 'string' ? r.conversation : 'default';
  return [{ conversation: id, message: messageOf(r), ageBands: bands }];
}
