import { toImageBlob } from './image-blob.js';
import { parseJson, sendRequest, type FetchLike, type Transport } from './send-request.js';
import { SafeguardApiError } from './safeguard-api-error.js';
import type {
  AddSignalsResult,
  ApiErrorCode,
  Job,
  JobAccepted,
  NewStream,
  Stream,
  StreamFrameResult,
  StreamStatus,
  PlatformIds,
  SubmitVideoOptions,
  Bank,
  BankPatch,
  Case,
  CaseDecisionRequest,
  CasePage,
  ImportOptions,
  ImportResult,
  ListCasesOptions,
  ListSignalsOptions,
  LookupRequest,
  NewBank,
  NewSignal,
  RemoveSignalsResult,
  ScanInput,
  ScanOptions,
  ScanRecord,
  ScanResult,
  SignalFileFormat,
  SignalKey,
  SignalPage,
  SignalWriteFormat,
} from './types.js';

export interface SafeguardClientOptions {
  /** Base URL of the Safeguard API, e.g. `http://127.0.0.1:8080`. */
  readonly url: string;
  /** An API key (`sg_...`) with the scopes the calls need. */
  readonly key: string;
  /** Longest a call may take, answer included, ms; default 30,000. */
  readonly timeoutMs?: number;
  /** A fetch to use instead of the global one (tests, proxies, instrumentation). */
  readonly fetch?: FetchLike;
}

/** A typed client of the Safeguard HTTP API. Every failure is a SafeguardApiError. */
export interface SafeguardClient {
  /** Scans an image before you store it (scope `scan`). */
  scan(image: ScanInput, options?: ScanOptions): Promise<ScanResult>;
  /** Matches hashes computed elsewhere; the image never travels (scope `lookup`). */
  lookup(request: LookupRequest): Promise<ScanResult>;
  /** A recorded scan or lookup (scope `scan`). */
  getScan(id: string): Promise<ScanRecord>;
  /**
   * Sends a video to be scanned in the background (scope `scan`): the answer names the job;
   * poll it with `getJob`, or give a `callbackUrl` for a signed `scan.completed` event.
   */
  submitVideo(video: ScanInput, options?: SubmitVideoOptions): Promise<JobAccepted>;
  /** A background scan (scope `scan`). */
  getJob(id: string): Promise<Job>;

  /** Monitors a live stream (scope `streams`); a match calls `callbackUrl` back, signed. */
  registerStream(stream: NewStream): Promise<Stream>;
  getStream(id: string): Promise<Stream>;
  listStreams(options?: {
    status?: StreamStatus;
    before?: string;
    limit?: number;
  }): Promise<{ streams: readonly Stream[]; next?: string }>;
  /** Stops monitoring (the stream's ffmpeg is killed); idempotent. */
  stopStream(id: string): Promise<Stream>;
  /** Pushes one frame (an image) of a stream you decode yourself. */
  pushFrame(
    id: string,
    frame: ScanInput,
    options?: { timestamp?: number },
  ): Promise<StreamFrameResult>;

  /** Scope `banks:read`. */
  listBanks(): Promise<readonly Bank[]>;
  /** Scope `banks:write`; `conflict` (409) if the name is taken. */
  createBank(bank: NewBank): Promise<Bank>;
  /** By name or id; `not_found` (404) if there is none. */
  getBank(name: string): Promise<Bank>;
  updateBank(name: string, patch: BankPatch): Promise<Bank>;
  /** Deletes the bank and its signals. */
  deleteBank(name: string): Promise<void>;
  /** Adds up to 10,000 signals; duplicates are counted, not doubled. */
  addSignals(name: string, signals: readonly NewSignal[]): Promise<AddSignalsResult>;
  /** Removes signals by type and value; they stop matching at once. */
  removeSignals(name: string, keys: readonly SignalKey[]): Promise<RemoveSignalsResult>;
  /** One page of a bank's live signals. */
  listSignals(name: string, options?: ListSignalsOptions): Promise<SignalPage>;
  /** Imports a signal file, all or nothing. */
  importSignals(
    name: string,
    body: string | Uint8Array | Blob,
    options?: ImportOptions,
  ): Promise<ImportResult>;
  /** A bank's signals as a file (default CSV). */
  exportBank(name: string, format?: SignalWriteFormat): Promise<string>;

  /** Cases, newest first, with counts by status (scope `cases`). */
  listCases(options?: ListCasesOptions): Promise<CasePage>;
  getCase(id: number): Promise<Case>;
  /** Decides, corrects or reopens a case; `conflict` (409) for a refused transition. */
  decideCase(id: number, decision: CaseDecisionRequest): Promise<Case>;
}

const importContentTypes: Record<SignalFileFormat, string> = {
  csv: 'text/csv',
  tsv: 'text/tab-separated-values',
  jsonl: 'application/x-ndjson',
  threatexchange: 'text/plain',
  'threatexchange-dataset-csv': 'text/csv',
};

const segment = (value: string | number) => encodeURIComponent(String(value));

/** Checks the options once, so a typo fails at start-up and not on the first upload. */
function toTransport(options: SafeguardClientOptions): Transport {
  let parsed: URL;
  try {
    parsed = new URL(options.url);
  } catch {
    throw new TypeError(`createClient: url '${options.url}' is not an absolute http(s) URL`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new TypeError(`createClient: url '${options.url}' is not an absolute http(s) URL`);
  }
  if (typeof options.key !== 'string' || options.key.trim() === '') {
    throw new TypeError('createClient: key is required (an API key, sg_...)');
  }
  const timeoutMs = options.timeoutMs ?? 30_000;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    throw new TypeError(`createClient: timeoutMs must be a positive number, got ${timeoutMs}`);
  }
  return {
    url: options.url,
    key: options.key.trim(),
    timeoutMs,
    // Bound late, so a fetch patched after createClient (instrumentation) is the one used.
    fetch: options.fetch ?? ((input, init) => fetch(input, init)),
  };
}

/** Creates a client of the Safeguard API at `url`, authenticated with `key`. */
export function createClient(options: SafeguardClientOptions): SafeguardClient {
  const transport = toTransport(options);

  const getJson = async <T>(path: string, query?: Record<string, string | number | undefined>) =>
    parseJson<T>(await sendRequest(transport, { method: 'GET', path, query }), `GET ${path}`);
  const sendJson = async <T>(method: 'POST' | 'PATCH', path: string, json: unknown) =>
    parseJson<T>(await sendRequest(transport, { method, path, json }), `${method} ${path}`);
  const bankPath = (name: string, rest = '') => `/v1/banks/${segment(name)}${rest}`;

  return {
    async scan(image, options = {}) {
      const form = await uploadForm(image, options);
      const answer = await sendRequest(transport, { method: 'POST', path: '/v1/scan', body: form });
      if (answer.status !== 202) return parseJson<ScanResult>(answer, 'POST /v1/scan');
      // A long video: the server scans it in the background; wait for the job.
      const accepted = parseJson<JobAccepted>(answer, 'POST /v1/scan');
      const deadline = Date.now() + (options.waitMs ?? 600_000);
      for (;;) {
        const job = await getJson<Job>(`/v1/jobs/${segment(accepted.jobId)}`);
        if (job.status === 'done' && job.result) return job.result;
        if (job.status === 'failed') {
          throw new SafeguardApiError({
            status: 422,
            code: (job.error?.code ?? 'internal') as ApiErrorCode,
            detail: job.error?.message ?? 'the background scan failed',
          });
        }
        if (Date.now() >= deadline) {
          throw new SafeguardApiError({
            status: 0,
            code: 'timeout',
            detail: `job ${accepted.jobId} was still ${job.status} after ${options.waitMs ?? 600_000} ms`,
          });
        }
        await new Promise((r) => setTimeout(r, 1000));
      }
    },
    async submitVideo(video, options = {}) {
      const form = await uploadForm(video, options, {
        async: 'true',
        ...(options.callbackUrl === undefined ? {} : { callbackUrl: options.callbackUrl }),
      });
      const answer = await sendRequest(transport, { method: 'POST', path: '/v1/scan', body: form });
      return parseJson<JobAccepted>(answer, 'POST /v1/scan');
    },
    getJob: (id) => getJson<Job>(`/v1/jobs/${segment(id)}`),
    registerStream: (stream) => sendJson<Stream>('POST', '/v1/streams', stream),
    getStream: (id) => getJson<Stream>(`/v1/streams/${segment(id)}`),
    listStreams: (options = {}) =>
      getJson<{ streams: readonly Stream[]; next?: string }>('/v1/streams', {
        status: options.status,
        before: options.before,
        limit: options.limit,
      }),
    async stopStream(id) {
      const path = `/v1/streams/${segment(id)}`;
      return parseJson<Stream>(
        await sendRequest(transport, { method: 'DELETE', path }),
        `DELETE ${path}`,
      );
    },
    async pushFrame(id, frame, options = {}) {
      const form = await uploadForm(
        frame,
        {},
        options.timestamp === undefined ? {} : { timestamp: String(options.timestamp) },
      );
      const path = `/v1/streams/${segment(id)}/frames`;
      return parseJson<StreamFrameResult>(
        await sendRequest(transport, { method: 'POST', path, body: form }),
        `POST ${path}`,
      );
    },
    lookup: (request) => sendJson<ScanResult>('POST', '/v1/lookup', request),
    getScan: (id) => getJson<ScanRecord>(`/v1/scans/${segment(id)}`),

    listBanks: async () => (await getJson<{ banks: Bank[] }>('/v1/banks')).banks,
    createBank: (bank) => sendJson<Bank>('POST', '/v1/banks', bank),
    getBank: (name) => getJson<Bank>(bankPath(name)),
    updateBank: (name, patch) => sendJson<Bank>('PATCH', bankPath(name), patch),
    async deleteBank(name) {
      await sendRequest(transport, { method: 'DELETE', path: bankPath(name) });
    },
    addSignals: (name, signals) =>
      sendJson<AddSignalsResult>('POST', bankPath(name, '/signals'), { signals }),
    removeSignals: (name, keys) =>
      sendJson<RemoveSignalsResult>('POST', bankPath(name, '/signals/remove'), {
        signals: keys.map(({ type, value }) => ({ type, value })),
      }),
    listSignals: (name, options = {}) =>
      getJson<SignalPage>(bankPath(name, '/signals'), {
        afterId: options.afterId,
        limit: options.limit,
      }),
    async importSignals(name, body, options = {}) {
      const path = bankPath(name, '/import');
      const contentType =
        options.contentType ??
        (options.format === undefined ? 'text/plain' : importContentTypes[options.format]);
      const answer = await sendRequest(transport, {
        method: 'POST',
        path,
        query: { format: options.format, type: options.type },
        body,
        contentType,
      });
      return parseJson<ImportResult>(answer, `POST ${path}`);
    },
    async exportBank(name, format = 'csv') {
      const answer = await sendRequest(transport, {
        method: 'GET',
        path: bankPath(name, '/export'),
        query: { format },
      });
      return answer.body;
    },

    listCases: (options = {}) =>
      getJson<CasePage>('/v1/cases', {
        status: options.status,
        before: options.before,
        limit: options.limit,
      }),
    getCase: (id) => getJson<Case>(`/v1/cases/${segment(id)}`),
    decideCase: (id, decision) => sendJson<Case>('PATCH', `/v1/cases/${segment(id)}`, decision),
  };
}

/** The multipart body of a scan: fields first (the server reads parts in order), then the file. */
async function uploadForm(
  file: ScanInput,
  options: PlatformIds & { readonly contentType?: string; readonly filename?: string },
  fields: Record<string, string> = {},
): Promise<FormData> {
  const form = new FormData();
  if (options.contentId !== undefined) form.append('contentId', options.contentId);
  if (options.uploaderId !== undefined) form.append('uploaderId', options.uploaderId);
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  form.append('file', await toImageBlob(file, options.contentType), options.filename ?? 'upload');
  return form;
}
