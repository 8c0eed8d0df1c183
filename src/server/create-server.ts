import multipart from '@fastify/multipart';
import swagger from '@fastify/swagger';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import {
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
} from 'fastify-type-provider-zod';
import { newId } from '../service/new-id.js';
import type { Metrics } from './metrics.js';
import { installProblemHandlers } from './problem.js';
import type { BankRouteDeps } from './routes/banks.js';
import { registerBankRoutes } from './routes/banks.js';
import type { CaseRouteDeps } from './routes/cases.js';
import { registerCaseRoutes } from './routes/cases.js';
import { registerConversationRoutes, type ConversationRouteDeps } from './routes/conversations.js';
import { registerHealthRoutes, type HealthRouteDeps } from './routes/health.js';
import { registerScanRoutes, type ScanRouteDeps } from './routes/scan.js';
import { registerStreamRoutes, type StreamRouteDeps } from './routes/streams.js';

export interface ServerLimits {
  /** Largest request body (an uploaded image), bytes. */
  readonly maxBytes: number;
  /** Longest time a request may take, ms (0: none). */
  readonly requestTimeoutMs: number;
}

export interface ServerDeps {
  readonly metrics: Metrics;
  readonly limits: ServerLimits;
  readonly banks: BankRouteDeps;
  readonly scan: ScanRouteDeps;
  readonly cases: CaseRouteDeps;
  readonly conversations: ConversationRouteDeps;
  readonly streams: StreamRouteDeps;
  readonly health: Omit<HealthRouteDeps, 'metrics'>;
  readonly logger?: FastifyServerOptions['logger'];
}

const IMPORT_TYPES = [
  'text/csv',
  'text/tab-separated-values',
  'application/x-ndjson',
  'application/jsonl',
  'text/plain',
];

/** The HTTP API: routes, validation, auth, problem+json errors, OpenAPI, metrics. */
export async function createServer(deps: ServerDeps): Promise<FastifyInstance> {
  const app = Fastify({
    logger: deps.logger ?? false,
    bodyLimit: deps.limits.maxBytes,
    requestTimeout: deps.limits.requestTimeoutMs,
    genReqId: () => newId('req'),
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  installProblemHandlers(app);

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Safeguard API',
        version: '1',
        description: 'Scan uploads against hash banks (PDQ, MD5, SHA-256) before storing them.',
      },
      components: {
        securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'An API key' } },
      },
      security: [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
  });
  await app.register(multipart, {
    limits: { fileSize: deps.limits.maxBytes, files: 1, fields: 10, fieldSize: 1024, parts: 12 },
    throwFileSizeLimit: true,
  });
  app.addContentTypeParser(
    /^image\/.*/,
    { parseAs: 'buffer', bodyLimit: deps.limits.maxBytes },
    (_req, body, done) => {
      done(null, body);
    },
  );
  // Videos are streamed to a spool file by the scan route, never buffered whole.
  for (const type of [/^video\/.*/, 'application/octet-stream']) {
    app.addContentTypeParser(type, (_req, payload, done) => {
      done(null, payload);
    });
  }
  // Signal files are streamed into the import transaction, never buffered whole.
  app.addContentTypeParser(IMPORT_TYPES, (_req, payload, done) => {
    done(null, payload);
  });

  app.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    deps.metrics.requests.inc({ route, method: request.method, status: String(reply.statusCode) });
    deps.metrics.latency.observe({ route }, reply.elapsedTime / 1000);
    done();
  });

  registerHealthRoutes(app, { metrics: deps.metrics, ...deps.health });
  app.get('/openapi.json', { schema: { hide: true } }, () => app.swagger());
  registerScanRoutes(app, deps.scan);
  registerBankRoutes(app, deps.banks);
  registerCaseRoutes(app, deps.cases);
  registerConversationRoutes(app, deps.conversations);
  registerStreamRoutes(app, deps.streams);
  await app.ready();
  return app;
}
