import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Checks a Safeguard webhook (`scan.completed`, `stream.match`, `stream.ended`) before you act
 * on it: `header` is the `Safeguard-Signature` request header (`t=<unix s>,v1=<hex>`), `body`
 * the raw request body as received, `secret` the server's SAFEGUARD_WEBHOOK_SECRET. True when
 * the HMAC-SHA256 of `${t}.${body}` matches and t is within `toleranceSec` of now (so an old
 * delivery replayed later is refused).
 */
export function verifyWebhook(
  secret: string,
  header: string | undefined,
  body: string,
  options: { toleranceSec?: number; nowSec?: number } = {},
): boolean {
  if (!header) return false;
  const fields = new Map(
    header.split(',').map((part) => {
      const at = part.indexOf('=');
      return [part.slice(0, at).trim(), part.slice(at + 1).trim()] as const;
    }),
  );
  const t = Number(fields.get('t'));
  const given = fields.get('v1') ?? '';
  const now = options.nowSec ?? Date.now() / 1000;
  if (!Number.isInteger(t) || Math.abs(now - t) > (options.toleranceSec ?? 300)) return false;
  const expected = createHmac('sha256', secret).update(`${t}.${body}`).digest('hex');
  return (
    given.length === expected.length &&
    timingSafeEqual(Buffer.from(given, 'utf8'), Buffer.from(expected, 'utf8'))
  );
}
