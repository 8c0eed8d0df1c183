import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { SafeguardError } from '../../core/errors.js';
import {
  ConversationRisk,
  UNKNOWN_AUTHOR,
  type AgeBand,
  type GroomingAlert,
  type MessageInput,
  type MessageScore,
} from '../../core/grooming/conversation-risk.js';
import {
  carryOverToModel,
  groomingModelFingerprint,
  type ConversationRiskState,
} from '../../core/grooming/conversation-state.js';
import type { GroomingModel } from '../../core/grooming/grooming-model.js';
import type { Atomically } from '../ports/atomic-stores.js';
import type { AuditLog } from '../ports/audit-log.js';
import type { CaseStore } from '../ports/case-store.js';
import type {
  AuthorConversationRisk,
  AuthorRiskSummary,
  GroomingStateStore,
} from '../ports/grooming-state-store.js';
import {
  decodeConversationRecord,
  encodeConversationRecord,
  type RecordedAlert,
} from './conversation-record.js';
import { SeenMessages, roundScore, seenKey } from './seen-messages.js';

export interface AssessedMessage extends MessageScore {
  /** The review case the alert opened, when this message raised one. */
  readonly caseId?: number;
  /**
   * The message's id was scored before (a retried request): this is the first assessment
   * (scores to six decimals, no detector hits), and the message was not scored again.
   */
  readonly duplicate?: true;
}

/** A message as the platform posts it: `id`, when given, makes a retry harmless. */
export interface IncomingMessage extends MessageInput {
  readonly id?: string;
}

export interface ConversationView {
  readonly id: string;
  readonly messages: number;
  readonly risk: number;
  readonly likelyGroomer: string | null;
  readonly authors: Record<string, number>;
  readonly alerts: ReadonlyArray<GroomingAlert & { caseId: number }>;
  readonly threshold: number;
}

export type AuthorRisk = AuthorRiskSummary;

export interface GroomingServiceOptions {
  /** Conversations whose state is kept in memory between requests (the idle longest go first). */
  readonly cacheSize: number;
  /** Saves tried before a request gives up on a conversation other nodes keep changing. */
  readonly maxAttempts?: number;
}

/** A conversation as this process last saved it (or read it). */
interface CachedConversation {
  readonly version: number;
  readonly risk: ConversationRisk;
  readonly alerts: RecordedAlert[];
  /** Each author's standing as of `version`: already in the store, not written again. */
  readonly standings: ReadonlyMap<string, AuthorConversationRisk>;
  readonly seen: SeenMessages;
}

const SYSTEM_ACTOR = 'system:grooming';

/**
 * Chat messages in, grooming assessments out. Each conversation's rolling state lives in the
 * grooming state store, so a restarted server or another node continues it. A request loads
 * the state (or takes it from a bounded in-memory cache), scores the messages, and saves the
 * state if nobody saved since the version it started from; otherwise it reloads and scores
 * again. A stale cache entry therefore costs a retry, never a wrong score: nothing is
 * answered before the save succeeded. Requests for one conversation in this process run one
 * after another.
 *
 * An alert opens a review case (verdict `review`, content `conversation:<id>`, uploader = the
 * author) whose scan id is derived from the conversation and author, so opening it again (a
 * retry, another node, a crash before the case was opened) finds the same case; it is
 * audit-logged once, by whoever opened the case, with its reasons, never with message text.
 */
export class GroomingService {
  readonly #model: GroomingModel;
  readonly #modelId: string;
  readonly #deps: GroomingServiceDeps;
  readonly #cacheSize: number;
  readonly #maxAttempts: number;
  readonly #cache = new Map<string, CachedConversation>();
  readonly #queues = new Map<string, Promise<void>>();

  constructor(model: GroomingModel, deps: GroomingServiceDeps, options: GroomingServiceOptions) {
    this.#model = model;
    this.#modelId = groomingModelFingerprint(model);
    this.#deps = deps;
    this.#cacheSize = Math.max(0, Math.floor(options.cacheSize));
    this.#maxAttempts = Math.max(1, options.maxAttempts ?? 20);
  }

  /** The fingerprint recorded with every conversation this service saves. */
  get modelId(): string {
    return this.#modelId;
  }

  /** Declared age bands are read when a conversation's first message arrives. */
  addMessages(
    conversationId: string,
    messages: readonly IncomingMessage[],
    ageBands: ReadonlyMap<string, AgeBand> | undefined,
    actor: string,
  ): Promise<AssessedMessage[]> {
    return this.#serially(conversationId, () =>
      this.#addMessages(conversationId, messages, ageBands, actor),
    );
  }

  async #addMessages(
    conversationId: string,
    messages: readonly IncomingMessage[],
    ageBands: ReadonlyMap<string, AgeBand> | undefined,
    actor: string,
  ): Promise<AssessedMessage[]> {
    for (let attempt = 1; ; attempt++) {
      // Taken out of the cache while in use: if anything below fails, the half-applied state
      // is dropped and the next request reads the store.
      const cached = this.#cache.get(conversationId);
      this.#cache.delete(conversationId);
      const entry = cached ?? (await this.#load(conversationId, ageBands));
      const seen = entry.seen; // changed in place, like entry.risk (see above)
      const outcomes = messages.map((m) => {
        const key = m.id === undefined ? undefined : seenKey(m.author ?? UNKNOWN_AUTHOR, m.id);
        const earlier = key === undefined ? undefined : seen.get(key);
        if (earlier !== undefined) return { earlier, author: m.author ?? UNKNOWN_AUTHOR };
        const score = entry.risk.add(m);
        if (key !== undefined) {
          // Rounded as stored, so a retry gets the same figures before and after a restart.
          seen.add({
            key,
            messageIndex: score.messageIndex,
            authorScore: roundScore(score.authorScore),
            sustainedScore: roundScore(score.sustainedScore),
            conversationRisk: roundScore(score.conversationRisk),
          });
        }
        return { score };
      });
      const scores = outcomes.flatMap((o) => (o.score === undefined ? [] : [o.score]));
      const alerts = [...entry.alerts];
      for (const s of scores)
        if (s.alert !== null)
          alerts.push({ ...s.alert, alertId: alertIdOf(conversationId, s.alert.author) });
      const state = entry.risk.snapshot();
      const standings = standingsOf(state);
      const changed = [...standings.values()].filter((a) => {
        const saved = entry.standings.get(a.author);
        return saved === undefined || saved.risk !== a.risk || saved.alerted !== a.alerted;
      });
      // A request of retried messages only changes nothing: nothing to save.
      const version =
        scores.length === 0
          ? entry.version
          : await this.#deps.stateStore.saveConversation(
              conversationId,
              encodeConversationRecord({
                model: this.#modelId,
                state,
                alerts,
                seen: seen.entries(),
              }),
              entry.version,
              changed,
            );
      if (version === undefined) {
        if (attempt >= this.#maxAttempts)
          throw new SafeguardError(
            'conflict',
            `conversation ${conversationId} kept changing on other nodes (${attempt} attempts); send the messages again`,
            { conversationId, attempts: attempt },
          );
        await sleep(Math.random() * Math.min(50, 2 ** attempt));
        continue;
      }
      await this.#openCases(conversationId, alerts, actor);
      this.#remember(conversationId, { version, risk: entry.risk, alerts, standings, seen });
      const caseOf = (author: string) => alerts.find((a) => a.author === author)?.caseId;
      return outcomes.map((o): AssessedMessage => {
        if (o.score !== undefined) {
          const caseId = o.score.alert === null ? undefined : caseOf(o.score.alert.author);
          return caseId === undefined ? o.score : { ...o.score, caseId };
        }
        const first = o.earlier;
        const raised = alerts.find(
          (a) => a.author === o.author && a.messageIndex === first.messageIndex,
        );
        return {
          messageIndex: first.messageIndex,
          authorScore: first.authorScore,
          sustainedScore: first.sustainedScore,
          conversationRisk: first.conversationRisk,
          author: o.author,
          hits: [],
          likelyGroomer: state.likelyGroomer,
          truncated: false,
          alert: raised === undefined ? null : alertOf(raised),
          ...(raised?.caseId === undefined ? {} : { caseId: raised.caseId }),
          duplicate: true,
        };
      });
    }
  }

  /** The conversation as stored now (any node's latest save); undefined if never seen. */
  async conversation(conversationId: string): Promise<ConversationView | undefined> {
    const stored = await this.#deps.stateStore.getConversation(conversationId);
    if (stored === undefined) return undefined;
    const record = this.#decode(conversationId, stored.state);
    const alerts = [...record.alerts];
    await this.#openCases(conversationId, alerts, SYSTEM_ACTOR);
    return {
      id: conversationId,
      messages: record.state.messages,
      risk: record.state.risk,
      likelyGroomer: record.state.likelyGroomer,
      authors: Object.fromEntries(record.state.authors.map((a) => [a.author, a.peak])),
      alerts: alerts.flatMap(({ alertId: _, caseId, ...alert }) =>
        caseId === undefined ? [] : [{ ...alert, caseId }],
      ),
      threshold: this.#model.threshold,
    };
  }

  author(authorId: string): Promise<AuthorRisk | undefined> {
    return this.#deps.stateStore.getAuthor(authorId);
  }

  /** Conversations held in memory now (at most the cache size). */
  get cachedConversations(): number {
    return this.#cache.size;
  }

  async #load(
    conversationId: string,
    ageBands: ReadonlyMap<string, AgeBand> | undefined,
  ): Promise<CachedConversation> {
    const stored = await this.#deps.stateStore.getConversation(conversationId);
    if (stored === undefined)
      return {
        version: 0,
        risk: new ConversationRisk(this.#model, ageBands),
        alerts: [],
        standings: new Map(),
        seen: new SeenMessages(),
      };
    const record = this.#decode(conversationId, stored.state);
    const state = record.model === this.#modelId ? record.state : carryOverToModel(record.state);
    return {
      version: stored.version,
      risk: ConversationRisk.restore(this.#model, state),
      alerts: [...record.alerts],
      standings: standingsOf(state),
      seen: new SeenMessages(record.seen),
    };
  }

  #decode(conversationId: string, text: string) {
    const parsed = decodeConversationRecord(text);
    if (!parsed.ok)
      throw new SafeguardError(
        'internal',
        `the stored grooming state of conversation ${conversationId} cannot be read: ${parsed.issues.join('; ')}. It is left as it is; delete its grooming_conversations row to start the conversation afresh.`,
        { conversationId, issues: parsed.issues },
      );
    return parsed.record;
  }

  /**
   * Opens the case of every alert that has none yet (idempotent: the case's scan id is the
   * alert id) and writes the case id into `alerts`. Audit-logs the ones this call opened.
   */
  async #openCases(conversationId: string, alerts: RecordedAlert[], actor: string) {
    for (const [i, alert] of alerts.entries()) {
      if (alert.caseId !== undefined) continue;
      const openCase = async (cases: Pick<CaseStore, 'open'>, audit: Pick<AuditLog, 'append'>) => {
        const result = await cases.open({
          id: alert.alertId,
          verdict: 'review',
          contentId: `conversation:${conversationId}`.slice(0, 200),
          uploaderId: alert.author.slice(0, 200),
          matches: [],
        });
        if (result.opened)
          await audit.append({
            actor,
            action: 'grooming.alert',
            subject: `conversation:${conversationId}`.slice(0, 300),
            details: {
              alertId: alert.alertId,
              caseId: result.case.id,
              author: alert.author,
              messageIndex: alert.messageIndex,
              score: alert.score,
              reasons: [...alert.reasons],
              evidenceMessages: [...alert.evidenceMessages],
            },
          });
        return result;
      };
      // The case and its audit entry in one transaction when the store offers one.
      const { atomically } = this.#deps;
      const opened =
        atomically === undefined
          ? await openCase(this.#deps.caseStore, this.#deps.auditLog)
          : await atomically((tx) => openCase(tx.cases, tx.audit));
      alerts[i] = { ...alert, caseId: opened.case.id };
    }
  }

  #remember(conversationId: string, entry: CachedConversation): void {
    if (this.#cacheSize === 0) return;
    this.#cache.set(conversationId, entry);
    while (this.#cache.size > this.#cacheSize)
      this.#cache.delete(this.#cache.keys().next().value as string);
  }

  /** Runs `work` after the work queued before it for the same conversation. */
  #serially<T>(conversationId: string, work: () => Promise<T>): Promise<T> {
    const previous = this.#queues.get(conversationId) ?? Promise.resolve();
    const run = previous.then(work);
    const tail = run.then(
      () => undefined,
      () => undefined,
    );
    this.#queues.set(conversationId, tail);
    void tail.then(() => {
      if (this.#queues.get(conversationId) === tail) this.#queues.delete(conversationId);
    });
    return run;
  }
}

export interface GroomingServiceDeps {
  readonly caseStore: Pick<CaseStore, 'open'>;
  readonly auditLog: Pick<AuditLog, 'append'>;
  /** Opens an alert's case and writes its audit entry in one transaction (else one after the other). */
  readonly atomically?: Atomically;
  readonly stateStore: GroomingStateStore;
}

/**
 * Each author's standing in a state. A saved state's standings are in the store (the save
 * wrote them in the same transaction), so only the ones that changed since need writing.
 */
function standingsOf(state: ConversationRiskState): Map<string, AuthorConversationRisk> {
  return new Map(
    state.authors.map((a) => [a.author, { author: a.author, risk: a.peak, alerted: a.alerted }]),
  );
}

/** The alert as raised, without what the store added (its id and case). */
function alertOf({ alertId: _, caseId: __, ...alert }: RecordedAlert): GroomingAlert {
  return alert;
}

/** The id of the alert an author raises in a conversation (at most one): the case's scan id. */
export function alertIdOf(conversationId: string, author: string): string {
  const digest = createHash('sha256').update(`${conversationId}\u0000${author}`).digest('hex');
  return `grm_${digest.slice(0, 40)}`;
}
