/**
 * The request and response types of the Safeguard HTTP API, written by hand to mirror the
 * route schemas (src/server/routes/*.ts). The SDK imports nothing from the server: a change
 * there must be made here too (test/sdk/client.test.ts runs every method against a real
 * server, so a drift shows up as a failing test).
 */

/** A scan's outcome: `block` refuses the upload, `review` keeps it for a moderator. */
export const verdicts = ['allow', 'review', 'block'] as const;
export type Verdict = (typeof verdicts)[number];

/** What a match in a bank does. */
export const bankActions = ['block', 'review'] as const;
export type BankAction = (typeof bankActions)[number];

/** `match` banks flag content; `allow` banks suppress known false positives. */
export const bankKinds = ['match', 'allow'] as const;
export type BankKind = (typeof bankKinds)[number];

/** Every signal type a bank can hold. */
export const signalTypes = ['pdq', 'md5', 'sha256', 'vpdq', 'photodna', 'url'] as const;
export type SignalType = (typeof signalTypes)[number];

/** The signal types scans and lookups match. */
export const hashTypes = ['pdq', 'md5', 'sha256'] as const;
export type HashType = (typeof hashTypes)[number];

/** Signal file formats the server reads (import). */
export const signalFileFormats = [
  'csv',
  'tsv',
  'jsonl',
  'threatexchange',
  'threatexchange-dataset-csv',
] as const;
export type SignalFileFormat = (typeof signalFileFormats)[number];

/** Signal file formats the server writes (export). */
export const signalWriteFormats = ['csv', 'tsv', 'jsonl', 'threatexchange'] as const;
export type SignalWriteFormat = (typeof signalWriteFormats)[number];

/** `open` awaits a moderator; `confirmed` and `false_positive` are decisions. */
export const caseStatuses = ['open', 'confirmed', 'false_positive'] as const;
export type CaseStatus = (typeof caseStatuses)[number];

// ---------------------------------------------------------------------------------------------
// Scans and lookups

export interface SignalMetadata {
  readonly category?: string;
  readonly source?: string;
  readonly sourceId?: string;
  readonly note?: string;
}

/** One bank signal an upload matched. */
export interface Match {
  readonly bank: string;
  readonly signalType: HashType | 'vpdq';
  /** The banked hash; for vpdq, the SHA-256 of the banked video's frame list. */
  readonly value: string;
  /** Hamming distance for PDQ (vPDQ: the closest frames); 0 for exact hashes. */
  readonly distance: number;
  readonly action: BankAction;
  readonly metadata: SignalMetadata | null;
  /** Videos and streams: seconds into the upload of the frames that matched. */
  readonly timestamps?: readonly number[];
  /** vPDQ matches: how much of each video matched. */
  readonly video?: VideoMatchFigures;
}

export interface VideoMatchFigures {
  /** Percent of the upload's frames found in the banked video. */
  readonly queryPct: number;
  /** Percent of the banked video's frames found in the upload. */
  readonly targetPct: number;
  readonly queryMatched: number;
  readonly queryFrames: number;
  readonly targetMatched: number;
  readonly targetFrames: number;
  readonly pairs: ReadonlyArray<{
    readonly queryTimestamp: number;
    readonly targetTimestamp: number;
    readonly distance: number;
  }>;
}

/** What a video scan decoded and hashed. */
export interface VideoSummary {
  readonly format: string;
  readonly codec: string;
  readonly width: number;
  readonly height: number;
  readonly fps: number;
  readonly durationSec?: number;
  readonly framesHashed: number;
  readonly framesCompared: number;
  readonly everyNthFrame: number;
}

/** `submitVideo`'s answer: the job to poll (or to hear about at the callback URL). */
export interface JobAccepted {
  readonly jobId: string;
  readonly status: 'queued';
  readonly statusUrl: string;
  readonly reason: string;
}

export interface SubmitVideoOptions extends PlatformIds {
  /** Receives a signed `scan.completed` event when the job ends (see verifyWebhook). */
  readonly callbackUrl?: string;
  readonly contentType?: string;
  readonly filename?: string;
}

/** A background scan (a long video), `GET /v1/jobs/:id`. */
export interface Job {
  readonly jobId: string;
  readonly kind: string;
  readonly status: 'queued' | 'running' | 'done' | 'failed';
  readonly contentId?: string;
  readonly uploaderId?: string;
  readonly createdAt: string;
  readonly startedAt?: string;
  readonly finishedAt?: string;
  /** When done: the scan. */
  readonly result?: ScanResult;
  /** When failed. */
  readonly error?: { readonly code: string; readonly message: string };
}

export interface ScanHashes {
  readonly pdq?: string;
  /** PDQ quality, 0-100. */
  readonly quality?: number;
  readonly md5?: string;
  readonly sha256?: string;
}

/** The answer of `POST /v1/scan` and `POST /v1/lookup`. */
export interface ScanResult {
  readonly scanId: string;
  readonly verdict: Verdict;
  readonly matches: readonly Match[];
  readonly reasons: readonly string[];
  readonly hashes: ScanHashes;
  readonly contentId?: string;
  readonly uploaderId?: string;
  /** The review case a `review` or `block` verdict opened. */
  readonly caseId?: number;
  /** Video scans. */
  readonly video?: VideoSummary;
}

/** A recorded scan or lookup, `GET /v1/scans/:id`. */
export interface ScanRecord {
  readonly scanId: string;
  readonly kind: 'image' | 'lookup' | 'video' | 'stream';
  readonly verdict: Verdict;
  /** ISO 8601, UTC. */
  readonly createdAt: string;
  readonly contentId?: string;
  readonly uploaderId?: string;
  readonly hashes: ScanHashes;
  readonly matches: readonly Match[];
  readonly reasons: readonly string[];
  readonly durationMs: number;
  readonly caseId?: number;
}

/** Your platform's ids for an upload and its uploader (1-200 characters each). */
export interface PlatformIds {
  readonly contentId?: string;
  readonly uploaderId?: string;
}

export interface ScanOptions extends PlatformIds {
  /**
   * Long videos are scanned in the background by the server: `scan` then polls the job every
   * second and returns its scan, waiting at most this long (ms; default 600,000).
   */
  readonly waitMs?: number;
  /** The image's media type in the multipart part; default: the Blob's type, or sniffed. */
  readonly contentType?: string;
  /** The file name in the multipart part; default `upload`. */
  readonly filename?: string;
}

/** An image to scan: bytes, a Blob (or File), or a stream of byte chunks (read to the end). */
export type ScanInput =
  Uint8Array | ArrayBuffer | Blob | ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>;

/** A PDQ hash (64 hex digits), with its quality when known. */
export type PdqLookup = string | { readonly hash: string; readonly quality?: number };

/** `POST /v1/lookup`: hashes computed elsewhere (at most 100 of each type). */
export interface LookupRequest extends PlatformIds {
  readonly pdq?: readonly PdqLookup[];
  readonly md5?: readonly string[];
  readonly sha256?: readonly string[];
}

// ---------------------------------------------------------------------------------------------
// Banks and signals

export interface Bank {
  readonly id: number;
  readonly name: string;
  readonly action: BankAction;
  readonly kind: BankKind;
  /** Largest PDQ Hamming distance that matches, 0-255. */
  readonly pdqThreshold: number;
  readonly enabled: boolean;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly signalCount: number;
}

export interface NewBank {
  readonly name: string;
  readonly action?: BankAction;
  readonly kind?: BankKind;
  readonly pdqThreshold?: number;
}

export interface BankPatch {
  readonly name?: string;
  readonly action?: BankAction;
  readonly kind?: BankKind;
  readonly pdqThreshold?: number;
  readonly enabled?: boolean;
}

/** Identifies a signal within a bank. */
export interface SignalKey {
  readonly type: SignalType;
  readonly value: string;
}

export interface NewSignal extends SignalKey {
  readonly metadata?: SignalMetadata | null;
}

export interface Signal {
  readonly id: number;
  readonly type: SignalType;
  readonly value: string;
  readonly metadata: SignalMetadata | null;
  readonly addedAt: string;
}

export interface ListSignalsOptions {
  /** Signals with a larger id than this; 0 (the default) starts at the beginning. */
  readonly afterId?: number;
  /** 1-10,000; default 1,000. */
  readonly limit?: number;
}

export interface SignalPage {
  readonly signals: readonly Signal[];
  /** Pass as `afterId` for the next page; null on the last page. */
  readonly nextAfterId: number | null;
}

export interface AddSignalsResult {
  readonly added: number;
  /** Signals the bank already held (counted, not doubled). */
  readonly duplicates: number;
}

export interface RemoveSignalsResult {
  readonly removed: number;
}

export interface ImportOptions {
  /** The file's format; default: detected by the server. */
  readonly format?: SignalFileFormat;
  /** The signal type of lines that name none. */
  readonly type?: SignalType;
  /** The request's Content-Type; default: derived from `format` (text/plain without one). */
  readonly contentType?: string;
}

export interface ImportResult {
  readonly added: number;
  readonly duplicates: number;
  readonly lines: number;
}

// ---------------------------------------------------------------------------------------------
// Cases

export interface Case {
  readonly id: number;
  readonly scanId: string;
  readonly status: CaseStatus;
  readonly verdict: 'review' | 'block';
  readonly contentId?: string;
  readonly uploaderId?: string;
  /** Names of the banks the scan matched. */
  readonly banks: readonly string[];
  readonly createdAt: string;
  /** Changes with every update: pass it back as `expectedUpdatedAt` to decide safely. */
  readonly updatedAt: string;
  readonly decidedBy?: string;
  readonly decidedAt?: string;
  readonly note?: string;
}

export interface ListCasesOptions {
  readonly status?: CaseStatus;
  /** The `next` cursor of the previous page. */
  readonly before?: string;
  /** 1-500; default 50. */
  readonly limit?: number;
}

export interface CasePage {
  readonly cases: readonly Case[];
  /** Pass as `before` for the next page; absent on the last page. */
  readonly next?: string;
  readonly counts: {
    readonly open: number;
    readonly confirmed: number;
    readonly false_positive: number;
  };
}

export interface CaseDecisionRequest {
  readonly status: CaseStatus;
  /** A new note (at most 10,000 characters); null removes it; absent keeps it. */
  readonly note?: string | null;
  /** The `updatedAt` you saw; a case changed since is refused with `conflict` (409). */
  readonly expectedUpdatedAt?: string;
}

// ---------------------------------------------------------------------------------------------
// Errors

/** The `code` of the server's problem+json errors. */
export const serverErrorCodes = [
  'invalid_argument',
  'not_found',
  'conflict',
  'empty_file',
  'file_too_large',
  'image_too_large',
  'unsupported_format',
  'corrupt_image',
  'corrupt_video',
  'video_too_long',
  'not_a_file',
  'io_error',
  'unauthorized',
  'forbidden',
  'unsupported_media_type',
  'rate_limited',
  'timeout',
  'unavailable',
  'internal',
] as const;
export type ServerErrorCode = (typeof serverErrorCodes)[number];

/**
 * Codes the client gives when no problem document came back: `network_error` (no answer),
 * `timeout` (no answer in time: status 0, unlike the server's own 503 `timeout`),
 * `unexpected_response` (an answer that is not the API's, e.g. from a proxy).
 */
export const clientErrorCodes = ['network_error', 'timeout', 'unexpected_response'] as const;
export type ClientErrorCode = (typeof clientErrorCodes)[number];

export type ApiErrorCode = ServerErrorCode | ClientErrorCode;

/** An RFC 9457 problem document, as the server sends it. */
export interface Problem {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  readonly code: ServerErrorCode;
  /** JSON Pointer (RFC 6901) to the offending part of the request, when known. */
  readonly pointer?: string;
  readonly requestId: string;
  readonly details?: Record<string, unknown>;
}

// ---------------------------------------------------------------------------------------------
// Live streams

export const streamStatuses = [
  'starting',
  'live',
  'ended',
  'stalled',
  'failed',
  'stopped',
] as const;
export type StreamStatus = (typeof streamStatuses)[number];

/** `POST /v1/streams`: a URL to pull (HLS, RTMP, RTSP, SRT, TCP/UDP MPEG-TS), or none to push. */
export interface NewStream extends PlatformIds {
  readonly url?: string;
  /** Receives signed `stream.match` and `stream.ended` events (see verifyWebhook). */
  readonly callbackUrl?: string;
  /** Frames sampled per second (default 1, at most 10). */
  readonly sampleFps?: number;
  readonly name?: string;
}

/** One banked signal a stream showed, once however many frames showed it. */
export interface StreamMatch {
  readonly bank: string;
  readonly signalType: HashType | 'vpdq';
  readonly value: string;
  readonly action: BankAction;
  readonly distance: number;
  readonly verdict: Verdict;
  readonly firstTimestamp: number;
  readonly lastTimestamp: number;
  readonly firstSeenAt: string;
  readonly frames: number;
  readonly caseId?: number;
}

export interface Stream {
  readonly id: string;
  readonly name?: string;
  readonly url?: string;
  readonly callbackUrl?: string;
  readonly sampleFps: number;
  readonly contentId?: string;
  readonly uploaderId?: string;
  readonly status: StreamStatus;
  readonly endReason?: 'ended' | 'stalled' | 'unreachable' | 'failed' | 'stopped';
  readonly error?: string;
  readonly framesSampled: number;
  readonly lastFrameAt?: string;
  readonly matched: boolean;
  readonly matches: readonly StreamMatch[];
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly endedAt?: string;
}

/** The answer to a pushed frame. */
export interface StreamFrameResult {
  readonly streamId: string;
  readonly verdict: Verdict;
  readonly matches: readonly Match[];
  readonly reasons: readonly string[];
  readonly hashes: ScanHashes;
  readonly timestamp: number;
  /** Set when this frame showed a signal the stream had not shown before. */
  readonly caseId?: number;
}
