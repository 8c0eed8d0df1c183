import { rm } from 'node:fs/promises';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { SafeguardError } from '../../core/errors.js';
import { verdicts } from '../../core/policy/decide-verdict.js';
import type { MatchReport } from '../../service/match-hashes.js';
import type { JobStore } from '../../service/ports/job-store.js';
import type { VideoInfo } from '../../service/ports/video-decoder.js';
import {
  lookupHashes,
  scanImage,
  type ScanDeps,
  type ScanMeta,
  type ScanResult,
} from '../../service/scan.js';
import { describeJob, type VideoScanJobs } from '../../service/video-scan-jobs.js';
import { readScanUpload } from '../read-scan-upload.js';
import { requireScope, type Authenticator } from '../auth.js';

const metadataSchema = z
  .object({
    category: z.string().optional(),
    source: z.string().optional(),
    sourceId: z.string().optional(),
    note: z.string().optional(),
  })
  .nullable();

const videoFiguresSchema = z.object({
  queryPct: z.number().describe("percent of the upload's frames found in the banked video"),
  targetPct: z.number().describe("percent of the banked video's frames found in the upload"),
  queryMatched: z.number().int(),
  queryFrames: z.number().int(),
  targetMatched: z.number().int(),
  targetFrames: z.number().int(),
  pairs: z.array(
    z.object({
      queryTimestamp: z.number(),
      targetTimestamp: z.number(),
      distance: z.number().int(),
    }),
  ),
});

export const matchSchema = z.object({
  bank: z.string(),
  signalType: z.enum(['pdq', 'md5', 'sha256', 'vpdq']),
  value: z.string(),
  distance: z.number().int(),
  action: z.enum(['block', 'review']),
  metadata: metadataSchema,
  timestamps: z
    .array(z.number())
    .optional()
    .describe('videos and streams: seconds into the upload of the frames that matched'),
  video: videoFiguresSchema.optional(),
});

/** A match as the API shows it (the internal report minus the bank id). */
export function toMatchResponse(m: MatchReport): z.infer<typeof matchSchema> {
  return {
    bank: m.bank,
    signalType: m.signalType,
    value: m.value,
    distance: m.distance,
    action: m.action,
    metadata: m.metadata,
    ...(m.timestamps === undefined ? {} : { timestamps: [...m.timestamps] }),
    ...(m.video === undefined
      ? {}
      : { video: { ...m.video, pairs: m.video.pairs.map((p) => ({ ...p })) } }),
  };
}

const videoSummarySchema = z.object({
  format: z.string(),
  codec: z.string(),
  width: z.number().int(),
  height: z.number().int(),
  fps: z.number(),
  durationSec: z.number().optional(),
  framesHashed: z.number().int(),
  framesCompared: z.number().int(),
  everyNthFrame: z.number().int(),
});

export const scanResponseSchema = z.object({
  scanId: z.string(),
  verdict: z.enum(verdicts),
  matches: z.array(matchSchema),
  reasons: z.array(z.string()),
  hashes: z.object({
    pdq: z.string().optional(),
    quality: z.number().int().optional(),
    md5: z.string().optional(),
    sha256: z.string().optional(),
  }),
  contentId: z.string().optional(),
  uploaderId: z.string().optional(),
  caseId: z.number().int().optional(),
  video: videoSummarySchema.optional(),
});

const platformId = z.string().min(1).max(200);

export interface ScanRouteDeps {
  readonly scan: ScanDeps;
  readonly authenticator: Authenticator;
  /** Records the scan (and its case and audit entry); returns the case id when one opened. */
  readonly onScanned: (request: FastifyRequest, result: ScanResult) => Promise<{ caseId?: number }>;
  readonly maxBytes: number;
  /** Video scans; undefined: videos are refused. */
  readonly video?: VideoRouteDeps;
}

export interface VideoRouteDeps {
  readonly maxBytes: number;
  /** Where uploads are spooled while scanned. */
  readonly spoolDir: string;
  /** Videos longer than this (seconds) are scanned as background jobs. */
  readonly syncMaxSec: number;
  readonly probe: (path: string) => Promise<VideoInfo>;
  /** Scans a spooled video whose probe the route already made. */
  readonly scan: (path: string, meta: ScanMeta, info: VideoInfo) => Promise<ScanResult>;
  readonly jobs: VideoScanJobs;
  readonly jobStore: Pick<JobStore, 'get'>;
  /** Whether a webhook secret is configured (a callbackUrl needs one). */
  readonly webhooks: boolean;
}

export const jobSchema = z.object({
  jobId: z.string(),
  kind: z.string(),
  status: z.enum(['queued', 'running', 'done', 'failed']),
  contentId: z.string().optional(),
  uploaderId: z.string().optional(),
  createdAt: z.string(),
  startedAt: z.string().optional(),
  finishedAt: z.string().optional(),
  result: z.unknown().optional().describe('when done: the scan, as POST /v1/scan answers it'),
  error: z.object({ code: z.string(), message: z.string() }).optional(),
  webhook: z
    .object({
      ok: z.boolean(),
      attempts: z.number().int(),
      status: z.number().int().optional(),
      error: z.string().optional(),
    })
    .optional(),
});

const jobAcceptedSchema = z.object({
  jobId: z.string(),
  status: z.literal('queued'),
  statusUrl: z.string(),
  reason: z.string(),
});

const callbackUrlSchema = z
  .string()
  .url()
  .max(2000)
  .refine((u) => /^https?:\/\//i.test(u), 'must be an http:// or https:// URL');

export function toResponse(result: ScanResult, caseId: number | undefined) {
  return {
    scanId: result.scanId,
    verdict: result.verdict,
    matches: result.matches.map(toMatchResponse),
    reasons: [...result.reasons],
    hashes: result.hashes,
    ...(result.contentId === undefined ? {} : { contentId: result.contentId }),
    ...(result.uploaderId === undefined ? {} : { uploaderId: result.uploaderId }),
    ...(caseId === undefined ? {} : { caseId }),
    ...(result.video === undefined ? {} : { video: result.video }),
  };
}

export function registerScanRoutes(root: FastifyInstance, deps: ScanRouteDeps): void {
  const app = root.withTypeProvider<ZodTypeProvider>();

  app.post('/v1/scan', {
    onRequest: requireScope(deps.authenticator, 'scan'),
    bodyLimit: deps.maxBytes,
    schema: {
      tags: ['scan'],
      summary: 'Scan an image or a video before storing it: block, review or allow',
      description:
        "The file as multipart/form-data field `file` (with optional fields `contentId`, `uploaderId`, `callbackUrl`, `async`), or as a raw `image/*`, `video/*` or `application/octet-stream` body (the same in the query). Videos longer than the server's limit for a synchronous scan (or sent with `async=true`) are scanned in the background: the answer is 202 with a job to poll at `GET /v1/jobs/{id}`, and `callbackUrl` receives a signed `scan.completed` event.",
      querystring: z.object({
        contentId: platformId.optional(),
        uploaderId: platformId.optional(),
        callbackUrl: callbackUrlSchema.optional(),
        async: z.enum(['true', 'false']).optional(),
      }),
      response: { 200: scanResponseSchema, 202: jobAcceptedSchema },
    },
    handler: async (request, reply) => {
      const upload = await readScanUpload(request, {
        maxImageBytes: deps.maxBytes,
        maxVideoBytes: deps.video?.maxBytes ?? deps.maxBytes,
        spoolDir: deps.video?.spoolDir,
      });
      let keepFile = false;
      try {
        const { fields } = upload;
        const meta = z
          .object({ contentId: platformId.optional(), uploaderId: platformId.optional() })
          .parse({
            contentId: fields.contentId ?? request.query.contentId,
            uploaderId: fields.uploaderId ?? request.query.uploaderId,
          });
        if (upload.kind === 'image') {
          const result = await scanImage(deps.scan, upload.bytes, meta);
          const { caseId } = await deps.onScanned(request, result);
          return toResponse(result, caseId);
        }
        const video = deps.video;
        if (!video) throw new SafeguardError('unsupported_media_type', 'videos are not scanned');
        const options = z
          .object({
            callbackUrl: callbackUrlSchema.optional(),
            async: z.enum(['true', 'false']).optional(),
          })
          .parse({
            callbackUrl: fields.callbackUrl ?? request.query.callbackUrl,
            async: fields.async ?? request.query.async,
          });
        if (options.callbackUrl !== undefined && !video.webhooks) {
          throw new SafeguardError(
            'invalid_argument',
            'callbackUrl needs SAFEGUARD_WEBHOOK_SECRET on the server (events are signed)',
            { pointer: '/querystring/callbackUrl' },
          );
        }
        const info = await video.probe(upload.path);
        const long = info.durationSec === undefined || info.durationSec > video.syncMaxSec;
        if (options.async === 'true' || long) {
          const job = await video.jobs.submit(
            { path: upload.path, ...meta },
            {
              ...(options.callbackUrl === undefined ? {} : { callbackUrl: options.callbackUrl }),
              ...(request.principal?.keyId === undefined ? {} : { keyId: request.principal.keyId }),
            },
          );
          keepFile = true;
          void reply.code(202);
          return {
            jobId: job.id,
            status: 'queued' as const,
            statusUrl: `/v1/jobs/${job.id}`,
            reason:
              options.async === 'true'
                ? 'asked for a background scan'
                : `the video lasts ${info.durationSec?.toFixed(1) ?? 'an unknown time'} s, over ${video.syncMaxSec} s: scanned in the background`,
          };
        }
        const result = await video.scan(upload.path, meta, info);
        const { caseId } = await deps.onScanned(request, result);
        return toResponse(result, caseId);
      } finally {
        if (upload.kind === 'video' && !keepFile) await rm(upload.path, { force: true });
      }
    },
  });

  if (deps.video) {
    const jobStore = deps.video.jobStore;
    app.get('/v1/jobs/:id', {
      onRequest: requireScope(deps.authenticator, 'scan'),
      schema: {
        tags: ['scan'],
        summary:
          'A background scan (a long video): queued, running, done (with the scan) or failed',
        params: z.object({ id: z.string().max(64) }),
        response: { 200: jobSchema },
      },
      handler: async (request) => {
        const job = await jobStore.get(request.params.id);
        if (!job) {
          throw new SafeguardError('not_found', `no job ${request.params.id}`, {
            pointer: '/params/id',
          });
        }
        return describeJob(job);
      },
    });
  }

  const pdqEntry = z.union([
    z.string(),
    z.object({ hash: z.string(), quality: z.number().int().min(0).max(100).optional() }),
  ]);
  app.post('/v1/lookup', {
    onRequest: requireScope(deps.authenticator, 'lookup'),
    schema: {
      tags: ['scan'],
      summary: 'Match hashes computed elsewhere; the image never travels',
      body: z
        .object({
          pdq: z.array(pdqEntry).max(100).optional(),
          md5: z.array(z.string()).max(100).optional(),
          sha256: z.array(z.string()).max(100).optional(),
          contentId: platformId.optional(),
          uploaderId: platformId.optional(),
        })
        .strict(),
      response: { 200: scanResponseSchema },
    },
    handler: async (request) => {
      const { contentId, uploaderId, ...hashes } = request.body;
      const result = await lookupHashes(deps.scan, hashes, { contentId, uploaderId });
      const { caseId } = await deps.onScanned(request, result);
      return toResponse(result, caseId);
    },
  });
}
