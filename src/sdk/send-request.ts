import { SafeguardApiError, errorFromResponse } from './safeguard-api-error.js';

/** The fetch the client calls: the global one, or any with the same shape. */
export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

export interface Transport {
  /** Base URL of the API, e.g. `http://127.0.0.1:8080` (a path prefix is kept). */
  readonly url: string;
  /** The API key, sent as `Authorization: Bearer <key>`. */
  readonly key: string;
  /** Longest a call may take, answer body included, ms. */
  readonly timeoutMs: number;
  readonly fetch: FetchLike;
}

export type Query = Record<string, string | number | undefined>;

export interface RequestSpec {
  readonly method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  readonly path: string;
  readonly query?: Query;
  /** Sent as JSON. */
  readonly json?: unknown;
  /** Sent as is (FormData sets its own Content-Type). */
  readonly body?: FormData | Blob | string | Uint8Array;
  readonly contentType?: string;
}

/** Joins the base URL and a path, keeping a base path prefix, and adds the defined query. */
export function buildUrl(base: string, path: string, query: Query = {}): string {
  const url = new URL(path.replace(/^\/+/, ''), base.endsWith('/') ? base : `${base}/`);
  for (const [name, value] of Object.entries(query)) {
    if (value !== undefined) url.searchParams.set(name, String(value));
  }
  return url.toString();
}

/**
 * Sends one request and reads its whole answer within the timeout. Gives the status and the
 * body text of a 2xx answer; throws SafeguardApiError for anything else.
 */
export async function sendRequest(
  transport: Transport,
  spec: RequestSpec,
): Promise<{ status: number; contentType: string; body: string }> {
  const url = buildUrl(transport.url, spec.path, spec.query);
  const headers: Record<string, string> = {
    authorization: `Bearer ${transport.key}`,
    accept: 'application/json, application/problem+json;q=0.9, */*;q=0.5',
  };
  let body: RequestInit['body'];
  if (spec.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(spec.json);
  } else if (spec.body !== undefined) {
    if (spec.contentType !== undefined) headers['content-type'] = spec.contentType;
    body = spec.body;
  }

  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, transport.timeoutMs);
  try {
    const response = await transport.fetch(url, {
      method: spec.method,
      headers,
      body,
      signal: controller.signal,
    });
    const text = await response.text();
    if (response.status >= 400) throw errorFromResponse(response.status, text);
    if (response.status < 200 || response.status >= 300) {
      throw new SafeguardApiError({
        status: response.status,
        code: 'unexpected_response',
        detail: `${spec.method} ${spec.path} answered HTTP ${response.status}`,
      });
    }
    return {
      status: response.status,
      contentType: response.headers.get('content-type') ?? '',
      body: text,
    };
  } catch (error) {
    if (error instanceof SafeguardApiError) throw error;
    if (timedOut) {
      throw new SafeguardApiError(
        {
          status: 0,
          code: 'timeout',
          detail: `${spec.method} ${spec.path} got no complete answer within ${transport.timeoutMs} ms`,
        },
        { cause: error },
      );
    }
    throw new SafeguardApiError(
      {
        status: 0,
        code: 'network_error',
        detail: `${spec.method} ${url} failed: ${describeCause(error)}`,
      },
      { cause: error },
    );
  } finally {
    clearTimeout(timer);
  }
}

/** fetch's TypeError says only "fetch failed"; the reason (ECONNREFUSED, ...) is its cause. */
function describeCause(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause: unknown = error.cause;
  if (cause instanceof Error) {
    const code = (cause as Error & { code?: unknown }).code;
    return `${error.message} (${typeof code === 'string' ? `${code}: ` : ''}${cause.message})`;
  }
  return error.message;
}

/** Parses a JSON answer body, or throws `unexpected_response`. */
export function parseJson<T>(
  answer: { status: number; contentType: string; body: string },
  what: string,
): T {
  if (!/\bjson\b/i.test(answer.contentType)) {
    throw new SafeguardApiError({
      status: answer.status,
      code: 'unexpected_response',
      detail: `${what}: expected JSON, got '${answer.contentType || '(no content type)'}'`,
    });
  }
  try {
    return JSON.parse(answer.body) as T;
  } catch (error) {
    throw new SafeguardApiError(
      { status: answer.status, code: 'unexpected_response', detail: `${what}: invalid JSON` },
      { cause: error },
    );
  }
}
