import { createHash } from 'node:crypto';
import { ageBands, type AgeBand } from './conversation-risk.js';
import type { GroomingModel } from './grooming-model.js';
import { signalCodes, type SignalCode, type SignalHit } from './signal-codes.js';

/**
 * The state of one ConversationRisk as plain data, so that it can be kept outside the process
 * (a database row) and restored exactly: JSON keeps every number as it was, so a restored
 * conversation scores the next message as the one that never left memory would.
 *
 * It holds hashed features, never message text: each window message is its n-gram buckets and
 * detector hits (the hits' short spans are what an alert cites as evidence).
 */
export interface WindowMessageState {
  readonly index: number;
  readonly buckets: readonly number[];
  readonly hits: readonly SignalHit[];
  readonly isQuestion: boolean;
  readonly secondPerson: boolean;
}

export interface AuthorRiskState {
  readonly author: string;
  readonly count: number;
  /** The author's last window probabilities (at most `persistence`). */
  readonly recent: readonly number[];
  readonly peak: number;
  readonly alerted: boolean;
  readonly statedAge: number | null;
  readonly window: readonly WindowMessageState[];
}

export interface ConversationRiskState {
  readonly messages: number;
  readonly risk: number;
  readonly likelyGroomer: string | null;
  readonly lastTime: string | number | null;
  readonly outOfOrder: number;
  readonly alerts: number;
  readonly declaredAges: ReadonlyArray<readonly [string, AgeBand]>;
  readonly authors: readonly AuthorRiskState[];
}

/**
 * A short fingerprint of a model: its weights, bias and operating point. Stored with a
 * conversation's state so that state built under another model is recognised.
 */
export function groomingModelFingerprint(model: GroomingModel): string {
  const hash = createHash('sha256');
  hash.update(
    new Uint8Array(model.weights.buffer, model.weights.byteOffset, model.weights.byteLength),
  );
  const { bias, threshold, window, minMessages, persistence, ageGapBoost, minorAuthorShift } =
    model;
  hash.update(
    JSON.stringify([
      bias,
      threshold,
      window,
      minMessages,
      persistence,
      ageGapBoost,
      minorAuthorShift,
    ]),
  );
  return hash.digest('hex').slice(0, 16);
}

/**
 * The state carried over to another model: what was concluded stays (message count, each
 * author's peak risk and alert, the likely groomer, stated ages); the rolling windows and the
 * recent window scores go, since they were features and probabilities of the old model. The
 * windows refill from the next messages.
 */
export function carryOverToModel(state: ConversationRiskState): ConversationRiskState {
  return { ...state, authors: state.authors.map((a) => ({ ...a, recent: [], window: [] })) };
}

export type StateParse =
  | { readonly ok: true; readonly state: ConversationRiskState }
  | { readonly ok: false; readonly issues: string[] };

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const isCount = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;
const isProbability = (v: unknown): v is number =>
  typeof v === 'number' && Number.isFinite(v) && v >= 0 && v <= 1;
const isAgeBand = (v: unknown): v is AgeBand =>
  typeof v === 'string' && (ageBands as readonly string[]).includes(v);
const isCode = (v: unknown): v is SignalCode =>
  typeof v === 'string' && (signalCodes as readonly string[]).includes(v);

/** A detector hit read back from stored data, or undefined if it is not one. */
export function parseSignalHit(v: unknown): SignalHit | undefined {
  if (!isRecord(v) || !isCode(v.code) || !isCount(v.messageIndex)) return undefined;
  const span = v.span;
  if (!Array.isArray(span) || span.length !== 2 || !isCount(span[0]) || !isCount(span[1]))
    return undefined;
  if (typeof v.text !== 'string') return undefined;
  return { code: v.code, messageIndex: v.messageIndex, span: [span[0], span[1]], text: v.text };
}

function parseWindowMessage(v: unknown, bucketLimit: number): WindowMessageState | undefined {
  if (!isRecord(v) || !isCount(v.index)) return undefined;
  const { buckets, hits } = v;
  if (!Array.isArray(buckets) || !buckets.every((b) => isCount(b) && b < bucketLimit))
    return undefined;
  if (!Array.isArray(hits) || typeof v.isQuestion !== 'boolean') return undefined;
  if (typeof v.secondPerson !== 'boolean') return undefined;
  const parsedHits = hits.map(parseSignalHit);
  if (parsedHits.some((h) => h === undefined)) return undefined;
  return {
    index: v.index,
    buckets: buckets as number[],
    hits: parsedHits as SignalHit[],
    isQuestion: v.isQuestion,
    secondPerson: v.secondPerson,
  };
}

function parseAuthor(
  v: unknown,
  bucketLimit: number,
  issues: string[],
): AuthorRiskState | undefined {
  if (!isRecord(v) || typeof v.author !== 'string') {
    issues.push('an author entry has no author name');
    return undefined;
  }
  const name = JSON.stringify(v.author);
  if (!isCount(v.count)) issues.push(`author ${name}: count must be a whole number`);
  if (!Array.isArray(v.recent) || !v.recent.every(isProbability))
    issues.push(`author ${name}: recent must be probabilities`);
  if (!isProbability(v.peak)) issues.push(`author ${name}: peak must be a probability`);
  if (typeof v.alerted !== 'boolean') issues.push(`author ${name}: alerted must be a boolean`);
  if (v.statedAge !== null && !isCount(v.statedAge))
    issues.push(`author ${name}: statedAge must be a whole number or null`);
  const window = Array.isArray(v.window)
    ? v.window.map((m) => parseWindowMessage(m, bucketLimit))
    : [undefined];
  if (window.some((m) => m === undefined))
    issues.push(
      `author ${name}: window must be messages {index, buckets, hits, isQuestion, secondPerson}`,
    );
  return {
    author: v.author,
    count: v.count as number,
    recent: v.recent as number[],
    peak: v.peak as number,
    alerted: v.alerted as boolean,
    statedAge: v.statedAge as number | null,
    window: window as WindowMessageState[],
  };
}

/**
 * Checks a parsed state object field by field; `bucketLimit` is the number of hashed n-gram
 * buckets (a bucket at or past it cannot have come from this feature layout).
 */
export function parseConversationRiskState(value: unknown, bucketLimit: number): StateParse {
  if (!isRecord(value)) return { ok: false, issues: ['state is not an object'] };
  const issues: string[] = [];
  const { messages, risk, likelyGroomer, lastTime, outOfOrder, alerts, declaredAges, authors } =
    value;
  if (!isCount(messages)) issues.push('messages must be a whole number');
  if (!isProbability(risk)) issues.push('risk must be a probability');
  if (likelyGroomer !== null && typeof likelyGroomer !== 'string')
    issues.push('likelyGroomer must be a string or null');
  if (lastTime !== null && typeof lastTime !== 'string' && typeof lastTime !== 'number')
    issues.push('lastTime must be a string, a number or null');
  if (!isCount(outOfOrder)) issues.push('outOfOrder must be a whole number');
  if (!isCount(alerts)) issues.push('alerts must be a whole number');
  const bandsOk =
    Array.isArray(declaredAges) &&
    declaredAges.every(
      (e) => Array.isArray(e) && e.length === 2 && typeof e[0] === 'string' && isAgeBand(e[1]),
    );
  if (!bandsOk) issues.push('declaredAges must be [author, minor|adult|unknown] pairs');
  if (!Array.isArray(authors)) issues.push('authors must be a list');
  const parsedAuthors = Array.isArray(authors)
    ? authors.map((a) => parseAuthor(a, bucketLimit, issues))
    : [];
  if (issues.length > 0) return { ok: false, issues };
  return {
    ok: true,
    state: {
      messages: messages as number,
      risk: risk as number,
      likelyGroomer: likelyGroomer as string | null,
      lastTime: lastTime as string | number | null,
      outOfOrder: outOfOrder as number,
      alerts: alerts as number,
      declaredAges: declaredAges as Array<[string, AgeBand]>,
      authors: parsedAuthors as AuthorRiskState[],
    },
  };
}
