import { SafeguardError } from '../../core/errors.js';
import { SIGNATURE_HEADER, signWebhook } from './sign-webhook.js';

export interface WebhookEvent {
  /** e.g. `stream.match`, `stream.ended`, `scan.completed`. */
  readonly type: string;
  /** Unique per event: receivers use it to drop a repeated delivery. */
  readonly id: string;
  readonly createdAt: string;
  readonly data: unknown;
}

export interface WebhookSender {
  send(url: string, event: WebhookEvent): Promise<WebhookDelivery>;
}

export interface WebhookDelivery {
  readonly ok: boolean;
  readonly attempts: number;
  /** The last HTTP status, or undefined when no answer came. */
  readonly status: number | undefined;
  readonly error?: string;
}

export interface WebhookSenderOptions {
  readonly secret: string;
  /** Attempts per event (the first and the retries). Default 3. */
  readonly attempts?: number;
  /** Per attempt. Default 5000 ms. */
  readonly timeoutMs?: number;
  /** Wait before retry n (1-based). Default 200 ms, then 1 s. */
  readonly backoffMs?: (retry: number) => number;
  readonly now?: () => number;
}

/**
 * Delivers signed events by POST, JSON body, header `Safeguard-Signature: t=…,v1=…`. A 2xx is
 * delivered; anything else (or no answer in time) is retried a bounded number of times, then
 * given up and reported: never retried forever.
 */
export function createWebhookSender(options: WebhookSenderOptions): WebhookSender {
  if (options.secret.length < 32) {
    throw new SafeguardError('invalid_argument', 'the webhook secret needs at least 32 characters');
  }
  const attempts = options.attempts ?? 3;
  const timeoutMs = options.timeoutMs ?? 5000;
  const backoff = options.backoffMs ?? ((retry: number) => (retry === 1 ? 200 : 1000));
  const now = options.now ?? Date.now;
  return {
    async send(url, event) {
      const body = JSON.stringify(event);
      let status: number | undefined;
      let error: string | undefined;
      for (let attempt = 1; attempt <= attempts; attempt++) {
        if (attempt > 1) await new Promise((r) => setTimeout(r, backoff(attempt - 1)));
        try {
          const response = await fetch(url, {
            method: 'POST',
            headers: {
              'content-type': 'application/json',
              'user-agent': 'safeguard-webhooks',
              [SIGNATURE_HEADER]: signWebhook(options.secret, body, now() / 1000),
            },
            body,
            redirect: 'manual',
            signal: AbortSignal.timeout(timeoutMs),
          });
          status = response.status;
          await response.body?.cancel();
          if (response.ok) return { ok: true, attempts: attempt, status };
          error = `answered ${response.status}`;
        } catch (cause) {
          status = undefined;
          error = cause instanceof Error ? cause.message : String(cause);
        }
      }
      return { ok: false, attempts, status, ...(error === undefined ? {} : { error }) };
    },
  };
}
