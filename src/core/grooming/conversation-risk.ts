import type { ConversationRiskState } from './conversation-state.js';
import { statedAge } from './detect-signals.js';
import type { GroomingModel } from './grooming-model.js';
import { extractMessageFeatures, windowVector, type MessageFeatures } from './hash-features.js';
import { MAX_MESSAGE_CHARS } from './normalize-text.js';
import type { SignalCode, SignalHit } from './signal-codes.js';
import { scoreVector } from './grooming-model.js';

export const ageBands = ['minor', 'adult', 'unknown'] as const;
export type AgeBand = (typeof ageBands)[number];

export type AlertReason = SignalCode | 'age_gap' | 'language';

export interface GroomingAlert {
  readonly author: string;
  readonly messageIndex: number;
  readonly score: number;
  readonly threshold: number;
  readonly reasons: readonly AlertReason[];
  /** The author's messages in the window that justify the alert, with the detector spans. */
  readonly evidence: readonly SignalHit[];
  readonly evidenceMessages: readonly number[];
}

export interface MessageInput {
  readonly author?: string | null;
  readonly text?: string | null;
  /** Clock time as given by the platform; used only to report order problems, never as a feature. */
  readonly time?: string | number | null;
}

export interface MessageScore {
  readonly messageIndex: number;
  readonly author: string;
  readonly hits: readonly SignalHit[];
  /** The author's current window probability (0 until minMessages). */
  readonly authorScore: number;
  /** The lowest of the author's last `persistence` window probabilities: what alerts compare. */
  readonly sustainedScore: number;
  /** The highest risk any participant reached so far in this conversation. */
  readonly conversationRisk: number;
  readonly likelyGroomer: string | null;
  readonly truncated: boolean;
  readonly alert: GroomingAlert | null;
}

interface AuthorState {
  readonly window: Array<{ index: number; features: MessageFeatures }>;
  count: number;
  recent: number[];
  peak: number;
  alerted: boolean;
  statedAge: number | undefined;
}

export const UNKNOWN_AUTHOR = 'unknown';

/**
 * Rolling grooming risk of one conversation, updated message by message. Each author has a
 * window of their last `model.window` messages; the window's probability is that author's
 * current risk, and the conversation's risk is the highest any author reached. An author whose
 * risk crosses the model's operating point raises one alert.
 */
export class ConversationRisk {
  private readonly authors = new Map<string, AuthorState>();
  private messageCount = 0;
  private risk = 0;
  private groomer: string | null = null;
  private lastTime: string | number | null = null;
  /** Messages whose time went backwards (kept, scored in arrival order). */
  outOfOrder = 0;
  /** Alerts raised so far (at most one per author). */
  alerts = 0;

  constructor(
    private readonly model: GroomingModel,
    private readonly declaredAges: ReadonlyMap<string, AgeBand> = new Map(),
  ) {}

  /** The state as plain data (conversation-state.ts): what `restore` takes back. */
  snapshot(): ConversationRiskState {
    return {
      messages: this.messageCount,
      risk: this.risk,
      likelyGroomer: this.groomer,
      lastTime: this.lastTime,
      outOfOrder: this.outOfOrder,
      alerts: this.alerts,
      declaredAges: [...this.declaredAges],
      authors: [...this.authors].map(([author, s]) => ({
        author,
        count: s.count,
        recent: [...s.recent],
        peak: s.peak,
        alerted: s.alerted,
        statedAge: s.statedAge ?? null,
        window: s.window.map(({ index, features: f }) => ({
          index,
          buckets: [...f.buckets],
          hits: f.hits,
          isQuestion: f.isQuestion,
          secondPerson: f.secondPerson,
        })),
      })),
    };
  }

  /** A conversation continued from a snapshot, as if it had never left memory. */
  static restore(model: GroomingModel, state: ConversationRiskState): ConversationRisk {
    const risk = new ConversationRisk(model, new Map(state.declaredAges));
    risk.messageCount = state.messages;
    risk.risk = state.risk;
    risk.groomer = state.likelyGroomer;
    risk.lastTime = state.lastTime;
    risk.outOfOrder = state.outOfOrder;
    risk.alerts = state.alerts;
    for (const a of state.authors)
      risk.authors.set(a.author, {
        count: a.count,
        recent: [...a.recent],
        peak: a.peak,
        alerted: a.alerted,
        statedAge: a.statedAge ?? undefined,
        window: a.window.map((m) => ({
          index: m.index,
          features: {
            buckets: Uint32Array.from(m.buckets),
            hits: m.hits,
            isQuestion: m.isQuestion,
            secondPerson: m.secondPerson,
            normalized: '', // read only when the message arrives (stated age)
          },
        })),
      });
    return risk;
  }

  get messages(): number {
    return this.messageCount;
  }

  get currentRisk(): number {
    return this.risk;
  }

  get likelyGroomer(): string | null {
    return this.groomer;
  }

  /** Peak risk per author so far. */
  authorRisks(): Map<string, number> {
    return new Map([...this.authors].map(([a, s]) => [a, s.peak]));
  }

  add(message: MessageInput): MessageScore {
    const messageIndex = this.messageCount++;
    const author =
      typeof message.author === 'string' && message.author.trim() !== ''
        ? message.author
        : UNKNOWN_AUTHOR;
    const rawText = typeof message.text === 'string' ? message.text : '';
    const truncated = rawText.length > MAX_MESSAGE_CHARS;
    const text = truncated ? rawText.slice(0, MAX_MESSAGE_CHARS) : rawText;
    const time = message.time ?? null;
    if (time !== null && this.lastTime !== null && time < this.lastTime) this.outOfOrder++;
    if (time !== null) this.lastTime = time;

    const features = extractMessageFeatures(text, messageIndex);
    let state = this.authors.get(author);
    if (state === undefined) {
      state = { window: [], count: 0, recent: [], peak: 0, alerted: false, statedAge: undefined };
      this.authors.set(author, state);
    }
    state.count++;
    state.window.push({ index: messageIndex, features });
    if (state.window.length > this.model.window) state.window.shift();
    state.statedAge = statedAge(features.normalized) ?? state.statedAge;

    let authorScore = 0;
    let sustainedScore = 0;
    let alert: GroomingAlert | null = null;
    if (state.count >= this.model.minMessages) {
      const shift = this.ageShift(author);
      authorScore = scoreVector(
        this.model,
        windowVector(state.window.map((w) => w.features)),
        shift,
      );
      state.recent.push(authorScore);
      if (state.recent.length > this.model.persistence) state.recent.shift();
      if (state.recent.length === this.model.persistence)
        sustainedScore = Math.min(...state.recent);
      if (sustainedScore > state.peak) state.peak = sustainedScore;
      if (state.peak > this.risk) {
        this.risk = state.peak;
        this.groomer = author;
      }
      if (!state.alerted && sustainedScore >= this.model.threshold) {
        state.alerted = true;
        this.alerts++;
        alert = this.buildAlert(author, state, messageIndex, sustainedScore, shift);
      }
    }
    return {
      messageIndex,
      author,
      hits: features.hits,
      authorScore,
      sustainedScore,
      conversationRisk: this.risk,
      likelyGroomer: this.groomer,
      truncated,
      alert,
    };
  }

  private isMinor(author: string): boolean {
    const declared = this.declaredAges.get(author);
    if (declared !== undefined && declared !== 'unknown') return declared === 'minor';
    const age = this.authors.get(author)?.statedAge;
    return age !== undefined && age < 18;
  }

  /** Logit shift from the participants' age bands: an adult talking to a minor raises risk. */
  private ageShift(author: string): number {
    if (this.declaredAges.get(author) === 'minor') return this.model.minorAuthorShift;
    if (this.isMinor(author)) return 0;
    for (const other of this.authors.keys())
      if (other !== author && this.isMinor(other)) return this.model.ageGapBoost;
    for (const [other, band] of this.declaredAges)
      if (other !== author && band === 'minor') return this.model.ageGapBoost;
    return 0;
  }

  private buildAlert(
    author: string,
    state: AuthorState,
    messageIndex: number,
    score: number,
    shift: number,
  ): GroomingAlert {
    const evidence = state.window.flatMap((w) => w.features.hits);
    const reasons: AlertReason[] = [...new Set(evidence.map((h) => h.code))];
    if (shift > 0) reasons.push('age_gap');
    if (reasons.length === 0) reasons.push('language');
    return {
      author,
      messageIndex,
      score,
      threshold: this.model.threshold,
      reasons,
      evidence,
      evidenceMessages: state.window.map((w) => w.index),
    };
  }
}
