import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { SafeguardError } from '../../core/errors.js';
import { verdicts } from '../../core/policy/decide-verdict.js';
import { decideCase } from '../../service/cases.js';
import { caseStatuses, type Case, type CaseStore } from '../../service/ports/case-store.js';
import type { Scan, ScanStore } from '../../service/ports/scan-store.js';
import type { AuditRecorder } from '../audit-recorder.js';
import { requireScope, type Authenticator } from '../auth.js';
import { scanKinds } from '../../service/ports/scan-store.js';
import { matchSchema, toMatchResponse } from './scan.js';

const caseSchema = z.object({
  id: z.number().int(),
  scanId: z.string(),
  status: z.enum(caseStatuses),
  verdict: z.enum(['review', 'block']),
  contentId: z.string().optional(),
  uploaderId: z.string().optional(),
  banks: z.array(z.string()),
  createdAt: z.string(),
  updatedAt: z.string(),
  decidedBy: z.string().optional(),
  decidedAt: z.string().optional(),
  note: z.string().optional(),
});

const scanSchema = z.object({
  scanId: z.string(),
  kind: z.enum(scanKinds),
  verdict: z.enum(verdicts),
  createdAt: z.string(),
  contentId: z.string().optional(),
  uploaderId: z.string().optional(),
  hashes: z.object({
    pdq: z.string().optional(),
    quality: z.number().optional(),
    md5: z.string().optional(),
    sha256: z.string().optional(),
  }),
  matches: z.array(matchSchema),
  reasons: z.array(z.string()),
  durationMs: z.number(),
  caseId: z.number().int().optional(),
});

export interface CaseRouteDeps {
  readonly caseStore: CaseStore;
  readonly scanStore: ScanStore;
  readonly authenticator: Authenticator;
  readonly audit: AuditRecorder;
  /** Scans not yet written by the batching recorder, by id. */
  readonly pendingScan: (id: string) => Scan | undefined;
}

const toCase = (c: Case) => ({ ...c, banks: [...c.banks] });

export function registerCaseRoutes(root: FastifyInstance, deps: CaseRouteDeps): void {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const cases = requireScope(deps.authenticator, 'cases');

  app.get('/v1/scans/:id', {
    onRequest: requireScope(deps.authenticator, 'scan'),
    schema: {
      tags: ['scan'],
      summary: 'A recorded scan or lookup',
      params: z.object({ id: z.string().min(1).max(64) }),
      response: { 200: scanSchema },
    },
    handler: async (request) => {
      const scan =
        deps.pendingScan(request.params.id) ?? (await deps.scanStore.get(request.params.id));
      if (!scan) throw new SafeguardError('not_found', `no scan ${request.params.id}`);
      const opened =
        scan.verdict === 'allow' ? undefined : await deps.caseStore.getByScanId(scan.id);
      return {
        scanId: scan.id,
        kind: scan.kind,
        verdict: scan.verdict,
        createdAt: scan.createdAt,
        ...(scan.contentId === undefined ? {} : { contentId: scan.contentId }),
        ...(scan.uploaderId === undefined ? {} : { uploaderId: scan.uploaderId }),
        hashes: scan.hashes,
        matches: scan.matches.map(toMatchResponse),
        reasons: [...scan.reasons],
        durationMs: scan.durationMs,
        ...(opened ? { caseId: opened.id } : {}),
      };
    },
  });

  app.get('/v1/cases', {
    onRequest: cases,
    schema: {
      tags: ['cases'],
      summary: 'Cases, newest first, with counts by status',
      querystring: z.object({
        status: z.enum(caseStatuses).optional(),
        before: z.string().max(200).optional(),
        limit: z.coerce.number().int().min(1).max(500).default(50),
      }),
      response: {
        200: z.object({
          cases: z.array(caseSchema),
          next: z.string().optional(),
          counts: z.object({ open: z.number(), confirmed: z.number(), false_positive: z.number() }),
        }),
      },
    },
    handler: async (request) => {
      const page = await deps.caseStore.list(request.query);
      return {
        cases: page.cases.map(toCase),
        ...(page.next ? { next: page.next } : {}),
        counts: { ...page.counts },
      };
    },
  });

  app.get('/v1/cases/:id', {
    onRequest: cases,
    schema: {
      tags: ['cases'],
      summary: 'One case',
      params: z.object({ id: z.coerce.number().int().min(1) }),
      response: { 200: caseSchema },
    },
    handler: async (request) => {
      const found = await deps.caseStore.get(request.params.id);
      if (!found) throw new SafeguardError('not_found', `no case ${request.params.id}`);
      return toCase(found);
    },
  });

  app.patch('/v1/cases/:id', {
    onRequest: cases,
    schema: {
      tags: ['cases'],
      summary: 'Decide a case: confirmed, false_positive, or reopen',
      params: z.object({ id: z.coerce.number().int().min(1) }),
      body: z
        .object({
          status: z.enum(caseStatuses),
          note: z.string().max(10_000).nullable().optional(),
          expectedUpdatedAt: z.string().optional(),
        })
        .strict(),
      response: { 200: caseSchema },
    },
    handler: async (request) => {
      const actor = request.principal ? `key:${request.principal.keyId}` : 'unknown';
      const decision = await deps.audit.withChange(async (tx, record) => {
        const decided = await decideCase(
          { caseStore: tx.cases },
          request.params.id,
          request.body,
          actor,
        );
        await record(request, 'case.update', `case:${decided.case.id}`, {
          from: decided.from,
          to: decided.to,
          noteChanged: decided.noteChanged,
          scanId: decided.case.scanId,
        });
        return decided;
      });
      return toCase(decision.case);
    },
  });
}
