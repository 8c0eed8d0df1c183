import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { SafeguardError } from '../../core/errors.js';
import { verdicts } from '../../core/policy/decide-verdict.js';
import { streamEndReasons, streamStatuses } from '../../service/ports/stream-store.js';
import type { StreamRecord } from '../../service/ports/stream-store.js';
import { MAX_SAMPLE_FPS } from '../../service/streams/stream-input.js';
import type { StreamService } from '../../service/streams/stream-service.js';
import type { AuditRecorder } from '../audit-recorder.js';
import { requireScope, type Authenticator } from '../auth.js';
import { matchSchema, scanResponseSchema, toMatchResponse } from './scan.js';

const platformId = z.string().min(1).max(200);
const idParams = z.object({ id: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'not a stream id') });

const streamMatchSchema = z.object({
  bank: z.string(),
  signalType: z.enum(['pdq', 'md5', 'sha256', 'vpdq']),
  value: z.string(),
  action: z.enum(['block', 'review']),
  distance: z.number().int(),
  verdict: z.enum(verdicts),
  firstTimestamp: z.number().describe('seconds into the stream of the first matching frame'),
  lastTimestamp: z.number(),
  firstSeenAt: z.string(),
  frames: z.number().int().describe('frames that matched this signal'),
  caseId: z.number().int().optional(),
});

const streamSchema = z.object({
  id: z.string(),
  name: z.string().optional(),
  url: z.string().optional().describe('credentials in the URL are not shown'),
  callbackUrl: z.string().optional(),
  sampleFps: z.number(),
  contentId: z.string().optional(),
  uploaderId: z.string().optional(),
  status: z.enum(streamStatuses),
  endReason: z.enum(streamEndReasons).optional(),
  error: z.string().optional(),
  framesSampled: z.number().int(),
  lastFrameAt: z.string().optional(),
  matched: z.boolean(),
  matches: z.array(streamMatchSchema),
  createdAt: z.string(),
  updatedAt: z.string(),
  endedAt: z.string().optional(),
  monitored: z
    .boolean()
    .optional()
    .describe('whether the server that answered runs this stream’s monitor'),
});

/** A URL's user and password are never echoed back. */
function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.username === '' && parsed.password === '') return url;
    parsed.username = '';
    parsed.password = '';
    return parsed.toString();
  } catch {
    return url;
  }
}

function toStreamResponse(r: StreamRecord & { monitored?: boolean }): z.infer<typeof streamSchema> {
  return {
    id: r.id,
    ...(r.name === undefined ? {} : { name: r.name }),
    ...(r.url === undefined ? {} : { url: redact(r.url) }),
    ...(r.callbackUrl === undefined ? {} : { callbackUrl: redact(r.callbackUrl) }),
    sampleFps: r.sampleFps,
    ...(r.contentId === undefined ? {} : { contentId: r.contentId }),
    ...(r.uploaderId === undefined ? {} : { uploaderId: r.uploaderId }),
    status: r.status,
    ...(r.endReason === undefined ? {} : { endReason: r.endReason }),
    ...(r.error === undefined ? {} : { error: r.error }),
    framesSampled: r.framesSampled,
    ...(r.lastFrameAt === undefined ? {} : { lastFrameAt: r.lastFrameAt }),
    matched: r.matches.length > 0,
    matches: r.matches.map((m) => ({
      bank: m.bank,
      signalType: m.signalType,
      value: m.value,
      action: m.action,
      distance: m.distance,
      verdict: m.verdict,
      firstTimestamp: m.firstTimestamp,
      lastTimestamp: m.lastTimestamp,
      firstSeenAt: m.firstSeenAt,
      frames: m.frames,
      ...(m.caseId === undefined ? {} : { caseId: m.caseId }),
    })),
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
    ...(r.endedAt === undefined ? {} : { endedAt: r.endedAt }),
    ...(r.monitored === undefined ? {} : { monitored: r.monitored }),
  };
}

/** A pushed frame: multipart field `file` (and fields), or a raw image/* body. */
async function readFrame(
  request: FastifyRequest,
): Promise<{ bytes: Uint8Array; fields: Record<string, string> }> {
  if (!request.isMultipart()) {
    if (request.body instanceof Buffer) return { bytes: request.body, fields: {} };
    throw new SafeguardError(
      'unsupported_media_type',
      'send the frame as multipart/form-data (field "file") or as a raw image/* body',
    );
  }
  const fields: Record<string, string> = {};
  let bytes: Uint8Array | undefined;
  for await (const part of request.parts()) {
    if (part.type === 'file') {
      const buffer = await part.toBuffer();
      if (part.fieldname !== 'file' || bytes) {
        throw new SafeguardError('invalid_argument', "send one frame, in the field 'file'", {
          pointer: `/body/${part.fieldname}`,
        });
      }
      bytes = buffer;
    } else if (typeof part.value === 'string') {
      fields[part.fieldname] = part.value;
    }
  }
  if (!bytes) {
    throw new SafeguardError(
      'invalid_argument',
      "no frame: send it in the multipart field 'file'",
      {
        pointer: '/body/file',
      },
    );
  }
  return { bytes, fields };
}

export interface StreamRouteDeps {
  readonly streams: StreamService;
  readonly authenticator: Authenticator;
  readonly audit: AuditRecorder;
  readonly maxBytes: number;
}

export function registerStreamRoutes(root: FastifyInstance, deps: StreamRouteDeps): void {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const scope = requireScope(deps.authenticator, 'streams');

  app.post('/v1/streams', {
    onRequest: scope,
    schema: {
      tags: ['streams'],
      summary: 'Monitor a live stream: frames are matched as it plays; a match calls you back',
      description:
        'Give `url` (HLS, RTMP, RTSP, SRT, TCP/UDP MPEG-TS) to have Safeguard pull and sample the stream, and/or push frames to `/v1/streams/{id}/frames`. With `callbackUrl`, signed `stream.match` and `stream.ended` events are POSTed there (header `Safeguard-Signature: t=…,v1=…`, HMAC-SHA256 of `t.body`).',
      body: z
        .object({
          url: z.string().min(1).max(2048).optional(),
          callbackUrl: z.string().min(1).max(2048).optional(),
          sampleFps: z.number().positive().max(MAX_SAMPLE_FPS).optional(),
          name: platformId.optional(),
          contentId: platformId.optional(),
          uploaderId: platformId.optional(),
        })
        .strict(),
      response: { 201: streamSchema },
    },
    handler: async (request, reply) => {
      const record = await deps.streams.register(request.body, request.principal?.keyId);
      await deps.audit.record(request, 'stream.register', `stream:${record.id}`, {
        pulled: record.url !== undefined,
        callback: record.callbackUrl !== undefined,
        sampleFps: record.sampleFps,
        contentId: record.contentId,
      });
      return reply
        .code(201)
        .send(toStreamResponse({ ...record, monitored: record.url !== undefined }));
    },
  });

  app.get('/v1/streams', {
    onRequest: scope,
    schema: {
      tags: ['streams'],
      summary: 'Registered streams, newest first',
      querystring: z.object({
        status: z.enum(streamStatuses).optional(),
        before: idParams.shape.id.optional(),
        limit: z.coerce.number().int().min(1).max(1000).default(100),
      }),
      response: {
        200: z.object({ streams: z.array(streamSchema), next: z.string().optional() }),
      },
    },
    handler: async (request) => {
      const page = await deps.streams.list(request.query);
      return {
        streams: page.streams.map(toStreamResponse),
        ...(page.next === undefined ? {} : { next: page.next }),
      };
    },
  });

  app.get('/v1/streams/:id', {
    onRequest: scope,
    schema: {
      tags: ['streams'],
      summary: "A stream's status, frames sampled, matches and error",
      params: idParams,
      response: { 200: streamSchema },
    },
    handler: async (request) => {
      const record = await deps.streams.get(request.params.id);
      if (!record) throw new SafeguardError('not_found', `no stream ${request.params.id}`);
      return toStreamResponse(record);
    },
  });

  app.delete('/v1/streams/:id', {
    onRequest: scope,
    schema: {
      tags: ['streams'],
      summary: 'Stop monitoring a stream',
      params: idParams,
      response: { 200: streamSchema },
    },
    handler: async (request) => {
      const record = await deps.streams.stop(request.params.id);
      await deps.audit.record(request, 'stream.stop', `stream:${record.id}`, {
        status: record.status,
        framesSampled: record.framesSampled,
      });
      return toStreamResponse(record);
    },
  });

  app.post('/v1/streams/:id/frames', {
    onRequest: scope,
    bodyLimit: deps.maxBytes,
    schema: {
      tags: ['streams'],
      summary: 'Push one frame of a stream (an image) for matching',
      description:
        'The frame as multipart/form-data field `file` or a raw `image/*` body; `timestamp` (seconds into the stream) in the query or a form field. A newly matched signal opens a case and sends `stream.match`, as for pulled streams.',
      params: idParams,
      querystring: z.object({ timestamp: z.coerce.number().min(0).optional() }),
      response: {
        200: z.object({
          streamId: z.string(),
          verdict: z.enum(verdicts),
          matches: z.array(matchSchema),
          reasons: z.array(z.string()),
          hashes: scanResponseSchema.shape.hashes,
          timestamp: z.number(),
          caseId: z.number().int().optional(),
        }),
      },
    },
    handler: async (request) => {
      const { bytes, fields } = await readFrame(request);
      const timestamp = z.coerce
        .number()
        .min(0)
        .optional()
        .parse(fields.timestamp ?? request.query.timestamp);
      const result = await deps.streams.pushFrame(request.params.id, bytes, { timestamp });
      return {
        streamId: result.streamId,
        verdict: result.verdict,
        matches: result.matches.map(toMatchResponse),
        reasons: [...result.reasons],
        hashes: result.hashes,
        timestamp: result.timestamp,
        ...(result.caseId === undefined ? {} : { caseId: result.caseId }),
      };
    },
  });
}
