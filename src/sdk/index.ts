/**
 * The Safeguard SDK: a typed client of the HTTP API and upload middleware for Express and
 * Fastify. Standalone: Node 20 built-ins and the global fetch, FormData and Blob only.
 */
export * from './types.js';
export {
  SafeguardApiError,
  isSafeguardApiError,
  type SafeguardApiErrorInit,
} from './safeguard-api-error.js';
export {
  createClient,
  type SafeguardClient,
  type SafeguardClientOptions,
} from './create-client.js';
export type { FetchLike } from './send-request.js';
export { verifyWebhook } from './verify-webhook.js';
export type {
  ScanErrorPolicy,
  ScannedUpload,
  UploadInfo,
  UploadMiddlewareOptions,
} from './scan-uploads.js';
export {
  safeguardExpress,
  type ExpressLikeRequest,
  type ExpressLikeResponse,
  type ExpressNext,
  type ExpressUploadedFile,
  type SafeguardExpressOptions,
} from './express.js';
export {
  safeguardFastify,
  type FastifyLikeReply,
  type FastifyLikeRequest,
  type SafeguardFastifyOptions,
} from './fastify.js';
