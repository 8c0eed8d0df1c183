import type { FastifyInstance } from 'fastify';
import type { Metrics } from '../metrics.js';
import { requireScope, type Authenticator } from '../auth.js';
import { sendProblem } from '../problem.js';

export interface HealthRouteDeps {
  readonly metrics: Metrics;
  /** Throws (or rejects) when the server cannot serve: database unreachable, index not loaded. */
  readonly ready: () => Promise<void>;
  /**
   * What /metrics serves when this process is one of several workers: the whole group's
   * metrics (see cluster.ts). Default: this process's registry.
   */
  readonly render?: () => Promise<{ text: string; contentType: string }>;
  /** Who may read /metrics (a key with scope `metrics`); undefined: anyone. */
  readonly metricsAuthenticator?: Authenticator;
}

/**
 * /healthz (the process is up) and /readyz (it can serve) without a key; /metrics (Prometheus)
 * with a key of scope `metrics`, unless the server is configured to serve it to anyone.
 */
export function registerHealthRoutes(app: FastifyInstance, deps: HealthRouteDeps): void {
  app.get('/healthz', { schema: { hide: true } }, () => ({ status: 'ok' }));
  app.get('/readyz', { schema: { hide: true } }, async (request, reply) => {
    try {
      await deps.ready();
      return { status: 'ready' };
    } catch (error) {
      return sendProblem(
        reply,
        request,
        'unavailable',
        `not ready: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  });
  const onRequest =
    deps.metricsAuthenticator === undefined
      ? undefined
      : requireScope(deps.metricsAuthenticator, 'metrics');
  app.get('/metrics', { schema: { hide: true }, onRequest }, async (request, reply) => {
    if (deps.render === undefined) {
      return reply
        .type(deps.metrics.registry.contentType)
        .send(await deps.metrics.registry.metrics());
    }
    try {
      const { text, contentType } = await deps.render();
      return await reply.type(contentType).send(text);
    } catch (error) {
      return sendProblem(
        reply,
        request,
        'unavailable',
        error instanceof Error ? error.message : String(error),
      );
    }
  });
}
