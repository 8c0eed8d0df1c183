import { createHmac, timingSafeEqual } from 'node:crypto';

/** The header that carries a webhook's signature: `t=<unix seconds>,v1=<hex HMAC-SHA256>`. */
export const SIGNATURE_HEADER = 'safeguard-signature';

/**
 * Signs a webhook body the way the receiver checks it: HMAC-SHA256 with the shared secret over
 * `${t}.${body}`, where t is the send time in Unix seconds. The timestamp in the signed text
 * lets the receiver refuse a replayed old delivery.
 */
export function signWebhook(secret: string, body: string, timestampSec: number): string {
  const t = Math.floor(timestampSec);
  const v1 = createHmac('sha256', secret).update(`${t}.${body}`).digest('hex');
  return `t=${t},v1=${v1}`;
}

/** Checks a signature header against the body: right key, and sent within `toleranceSec`. */
export function verifyWebhookSignature(
  secret: string,
  header: string,
  body: string,
  nowSec: number,
  toleranceSec = 300,
): boolean {
  const fields = new Map(
    header.split(',').map((part) => {
      const at = part.indexOf('=');
      return [part.slice(0, at).trim(), part.slice(at + 1).trim()] as const;
    }),
  );
  const t = Number(fields.get('t'));
  const given = fields.get('v1') ?? '';
  if (!Number.isInteger(t) || Math.abs(nowSec - t) > toleranceSec) return false;
  const expected = signWebhook(secret, body, t).split('v1=')[1];
  return (
    given.length === expected.length &&
    timingSafeEqual(Buffer.from(given, 'utf8'), Buffer.from(expected, 'utf8'))
  );
}
