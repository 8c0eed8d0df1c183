import { createHmac } from 'node:crypto';

/** The header that carries a webhook's signature: `t=<unix seconds>,v1=<hex HMAC-SHA256>`. */
export const SIGNATURE_HEADER = 'safeguard-signature';

/**
 * Signs a webhook body the way the receiver checks it: HMAC-SHA256 with the shared secret over
 * `${t}.${body}`, where t is the send time in Unix seconds. The timestamp in the signed text
 * lets the receiver refuse a replayed old delivery (the SDK's verifyWebhook checks both).
 */
export function signWebhook(secret: string, body: string, timestampSec: number): string {
  const t = Math.floor(timestampSec);
  const v1 = createHmac('sha256', secret).update(`${t}.${body}`).digest('hex');
  return `t=${t},v1=${v1}`;
}
