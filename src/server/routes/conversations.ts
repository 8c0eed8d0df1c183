import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { SafeguardError } from '../../core/errors.js';
import { ageBands, type AgeBand } from '../../core/grooming/conversation-risk.js';
import type { GroomingService } from '../../service/grooming/grooming-service.js';
import { requireScope, type Authenticator } from '../auth.js';

const messageSchema = z.object({
  id: z
    .string()
    .min(1)
    .max(200)
    .optional()
    .describe(
      "the platform's id of the message: a retried message with the same id and author is answered with its first assessment (duplicate: true) and not scored again",
    ),
  author: z.string().min(1).max(200),
  text: z.string().max(100_000),
  time: z.union([z.string().max(64), z.number()]).optional(),
});

const hitSchema = z.object({
  code: z.string(),
  messageIndex: z.number().int(),
  span: z.array(z.number().int()),
  text: z.string(),
});

const alertSchema = z.object({
  author: z.string(),
  messageIndex: z.number().int(),
  score: z.number(),
  threshold: z.number(),
  reasons: z.array(z.string()),
  evidence: z.array(hitSchema),
  evidenceMessages: z.array(z.number().int()),
  caseId: z.number().int(),
});

const idParams = z.object({ id: z.string().min(1).max(200) });

export interface ConversationRouteDeps {
  readonly grooming: GroomingService;
  readonly authenticator: Authenticator;
}

export function registerConversationRoutes(
  root: FastifyInstance,
  deps: ConversationRouteDeps,
): void {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const scope = requireScope(deps.authenticator, 'conversations');

  app.post('/v1/conversations/:id/messages', {
    onRequest: scope,
    schema: {
      tags: ['conversations'],
      summary: 'Assess chat messages for grooming as they arrive (one or a batch, in order)',
      params: idParams,
      body: z.union([
        messageSchema.extend({ ageBands: z.record(z.string(), z.enum(ageBands)).optional() }),
        z.object({
          messages: z.array(messageSchema).min(1).max(1000),
          ageBands: z.record(z.string(), z.enum(ageBands)).optional(),
        }),
      ]),
      response: {
        200: z.object({
          conversationId: z.string(),
          assessments: z.array(
            z.object({
              messageIndex: z.number().int(),
              author: z.string(),
              hits: z.array(hitSchema),
              authorScore: z.number(),
              conversationRisk: z.number(),
              likelyGroomer: z.string().nullable(),
              truncated: z.boolean(),
              alert: alertSchema.nullable(),
              duplicate: z
                .literal(true)
                .optional()
                .describe('the message id was scored before: its first assessment, without hits'),
            }),
          ),
          alert: alertSchema.nullable(),
        }),
      },
    },
    handler: async (request) => {
      const body = request.body;
      const messages = 'messages' in body ? body.messages : [body];
      const bands = body.ageBands
        ? new Map<string, AgeBand>(Object.entries(body.ageBands))
        : undefined;
      const actor = request.principal ? `key:${request.principal.keyId}` : 'unknown';
      const assessed = await deps.grooming.addMessages(request.params.id, messages, bands, actor);
      const assessments = assessed.map((a) => ({
        messageIndex: a.messageIndex,
        author: a.author,
        hits: a.hits.map((h) => ({ ...h, span: [...h.span] })),
        authorScore: a.authorScore,
        conversationRisk: a.conversationRisk,
        likelyGroomer: a.likelyGroomer,
        truncated: a.truncated,
        alert: a.alert && a.caseId !== undefined ? toAlert(a.alert, a.caseId) : null,
        ...(a.duplicate ? { duplicate: true as const } : {}),
      }));
      return {
        conversationId: request.params.id,
        assessments,
        alert: assessments.find((a) => a.alert !== null)?.alert ?? null,
      };
    },
  });

  app.get('/v1/conversations/:id', {
    onRequest: scope,
    schema: {
      tags: ['conversations'],
      summary: "A conversation's rolling grooming risk, likely groomer and alerts",
      params: idParams,
      response: {
        200: z.object({
          id: z.string(),
          messages: z.number().int(),
          risk: z.number(),
          threshold: z.number(),
          likelyGroomer: z.string().nullable(),
          authors: z.record(z.string(), z.number()),
          alerts: z.array(alertSchema),
        }),
      },
    },
    handler: async (request) => {
      const view = await deps.grooming.conversation(request.params.id);
      if (!view)
        throw new SafeguardError(
          'not_found',
          `no messages seen for conversation ${request.params.id}`,
        );
      return { ...view, alerts: view.alerts.map((a) => toAlert(a, a.caseId)) };
    },
  });

  app.get('/v1/authors/:id', {
    onRequest: scope,
    schema: {
      tags: ['conversations'],
      summary: "An author's grooming risk across all their conversations",
      params: idParams,
      response: {
        200: z.object({
          author: z.string(),
          risk: z.number(),
          conversations: z.number().int(),
          alertedConversations: z.number().int(),
        }),
      },
    },
    handler: async (request) => {
      const risk = await deps.grooming.author(request.params.id);
      if (!risk)
        throw new SafeguardError('not_found', `no messages seen from author ${request.params.id}`);
      return risk;
    },
  });
}

function toAlert(
  alert: {
    author: string;
    messageIndex: number;
    score: number;
    threshold: number;
    reasons: readonly string[];
    evidence: ReadonlyArray<{
      code: string;
      messageIndex: number;
      span: readonly [number, number];
      text: string;
    }>;
    evidenceMessages: readonly number[];
  },
  caseId: number,
) {
  return {
    author: alert.author,
    messageIndex: alert.messageIndex,
    score: alert.score,
    threshold: alert.threshold,
    reasons: [...alert.reasons],
    evidence: alert.evidence.map((h) => ({ ...h, span: [...h.span] })),
    evidenceMessages: [...alert.evidenceMessages],
    caseId,
  };
}
