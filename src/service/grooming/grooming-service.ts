import type {
  AgeBand,
  GroomingAlert,
  MessageInput,
  MessageScore,
} from '../../core/grooming/conversation-risk.js';
import type { GroomingModel } from '../../core/grooming/grooming-model.js';
import type { AuditLog } from '../ports/audit-log.js';
import type { CaseStore } from '../ports/case-store.js';
import { newId } from '../new-id.js';
import {
  defaultGroomingMonitorLimits,
  GroomingMonitor,
  type AuthorRisk,
  type GroomingMonitorLimits,
} from './grooming-monitor.js';

export interface AssessedMessage extends MessageScore {
  /** The review case the alert opened, when this message raised one. */
  readonly caseId?: number;
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

/**
 * Chat messages in, grooming assessments out: the monitor keeps each conversation's rolling
 * state and each author's risk across conversations (in this process's memory, bounded: the
 * conversations and authors idle longest are forgotten past the limits); an alert
 * opens a review case (verdict `review`, content `conversation:<id>`, uploader = the author)
 * and is audit-logged with its reasons, never with message text.
 */
export class GroomingService {
  private readonly monitor: GroomingMonitor;
  private readonly alerts = new Map<string, Array<GroomingAlert & { caseId: number }>>();

  constructor(
    private readonly model: GroomingModel,
    private readonly deps: {
      readonly caseStore: Pick<CaseStore, 'open'>;
      readonly auditLog: Pick<AuditLog, 'append'>;
    },
    limits: Omit<GroomingMonitorLimits, 'onEvict'> = defaultGroomingMonitorLimits,
  ) {
    this.monitor = new GroomingMonitor(model, {
      ...limits,
      onEvict: (id) => this.alerts.delete(id),
    });
  }

  async addMessages(
    conversationId: string,
    messages: readonly MessageInput[],
    ageBands: ReadonlyMap<string, AgeBand> | undefined,
    actor: string,
  ): Promise<AssessedMessage[]> {
    const out: AssessedMessage[] = [];
    for (const message of messages) {
      const score = this.monitor.add(conversationId, message, ageBands);
      if (score.alert === null) {
        out.push(score);
        continue;
      }
      const alertId = newId('grm');
      const opened = await this.deps.caseStore.open({
        id: alertId,
        verdict: 'review',
        contentId: `conversation:${conversationId}`.slice(0, 200),
        uploaderId: score.alert.author.slice(0, 200),
        matches: [],
      });
      await this.deps.auditLog.append({
        actor,
        action: 'grooming.alert',
        subject: `conversation:${conversationId}`.slice(0, 300),
        details: {
          alertId,
          caseId: opened.case.id,
          author: score.alert.author,
          messageIndex: score.alert.messageIndex,
          score: score.alert.score,
          reasons: [...score.alert.reasons],
          evidenceMessages: [...score.alert.evidenceMessages],
        },
      });
      const list = this.alerts.get(conversationId) ?? [];
      list.push({ ...score.alert, caseId: opened.case.id });
      this.alerts.set(conversationId, list);
      out.push({ ...score, caseId: opened.case.id });
    }
    return out;
  }

  conversation(conversationId: string): ConversationView | undefined {
    const state = this.monitor.conversation(conversationId);
    if (!state) return undefined;
    return {
      id: conversationId,
      messages: state.messages,
      risk: state.currentRisk,
      likelyGroomer: state.likelyGroomer,
      authors: Object.fromEntries(state.authorRisks()),
      alerts: this.alerts.get(conversationId) ?? [],
      threshold: this.model.threshold,
    };
  }

  author(authorId: string): AuthorRisk | undefined {
    return this.monitor.authorRisk(authorId);
  }
}
