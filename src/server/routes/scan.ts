import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { SafeguardError } from '../../core/errors.js';
import { verdicts } from '../../core/policy/decide-verdict.js';
import type { MatchReport } from '../../service/match-hashes.js';
import { lookupHashes, scanImage, type ScanDeps, type ScanResult } from '../../service/scan.js';
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
});

const platformId = z.string().min(1).max(200);

export interface ScanRouteDeps {
  readonly scan: ScanDeps;
  readonly authenticator: Authenticator;
  /** Records the scan (and its case and audit entry); returns the case id when one opened. */
  readonly onScanned: (request: FastifyRequest, result: ScanResult) => Promise<{ caseId?: number }>;
  readonly maxBytes: number;
}

function toResponse(result: ScanResult, caseId: number | undefined) {
  return {
    scanId: result.scanId,
    verdict: result.verdict,
    matches: result.matches.map(toMatchResponse),
    reasons: [...result.reasons],
    hashes: result.hashes,
    ...(result.contentId === undefined ? {} : { contentId: result.contentId }),
    ...(result.uploaderId === undefined ? {} : { uploaderId: result.uploaderId }),
    ...(caseId === undefined ? {} : { caseId }),
  };
}

/** Reads the uploaded image: multipart field `file`, or a raw image/* body. */
async function readUpload(
  request: FastifyRequest,
): Promise<{ bytes: Uint8Array; fields: Record<string, string> }> {
  if (request.isMultipart()) {
    const fields: Record<string, string> = {};
    let bytes: Uint8Array | undefined;
    for await (const part of request.parts()) {
      if (part.type === 'file') {
        if (part.fieldname !== 'file') {
          await part.toBuffer();
          throw new SafeguardError(
            'invalid_argument',
            `unexpected file field '${part.fieldname}': send the image as 'file'`,
            { pointer: `/body/${part.fieldname}` },
          );
        }
        if (bytes)
          throw new SafeguardError('invalid_argument', 'one file per scan', {
            pointer: '/body/file',
          });
        bytes = await part.toBuffer();
      } else if (typeof part.value === 'string') {
        fields[part.fieldname] = part.value;
      }
    }
    if (!bytes)
      throw new SafeguardError(
        'invalid_argument',
        "no file: send the image in the multipart field 'file'",
        { pointer: '/body/file' },
      );
    return { bytes, fields };
  }
  const body = request.body;
  if (!(body instanceof Buffer)) {
    throw new SafeguardError(
      'unsupported_media_type',
      'send the image as multipart/form-data (field "file") or as a raw image/* body',
    );
  }
  return { bytes: body, fields: {} };
}

export function registerScanRoutes(root: FastifyInstance, deps: ScanRouteDeps): void {
  const app = root.withTypeProvider<ZodTypeProvider>();

  app.post('/v1/scan', {
    onRequest: requireScope(deps.authenticator, 'scan'),
    bodyLimit: deps.maxBytes,
    schema: {
      tags: ['scan'],
      summary: 'Scan an image before storing it: block, review or allow',
      description:
        'The image as multipart/form-data field `file` (with optional fields `contentId`, `uploaderId`), or as a raw `image/*` body (with `contentId`, `uploaderId` in the query).',
      querystring: z.object({
        contentId: platformId.optional(),
        uploaderId: platformId.optional(),
      }),
      response: { 200: scanResponseSchema },
    },
    handler: async (request) => {
      const { bytes, fields } = await readUpload(request);
      const meta = z
        .object({ contentId: platformId.optional(), uploaderId: platformId.optional() })
        .parse({
          contentId: fields.contentId ?? request.query.contentId,
          uploaderId: fields.uploaderId ?? request.query.uploaderId,
        });
      const result = await scanImage(deps.scan, bytes, meta);
      const { caseId } = await deps.onScanned(request, result);
      return toResponse(result, caseId);
    },
  });

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
