import type { FastifyReply, FastifyRequest } from 'fastify';
import { sendProblem } from './problem.js';

/** Who is calling: the API key that authenticated the request. */
export interface Principal {
  readonly keyId: string;
  readonly name: string;
  readonly scopes: readonly string[];
}

export interface Authenticator {
  /** The key's principal, or undefined for an unknown, revoked or malformed token. */
  authenticate(token: string): Promise<Principal | undefined>;
}

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
  }
}

/** `admin` holds every scope. */
export function grants(principal: Principal, scope: string): boolean {
  return principal.scopes.includes('admin') || principal.scopes.includes(scope);
}

/**
 * An onRequest hook that admits requests bearing `Authorization: Bearer <key>` with `scope`. The
 * 401 and 403 bodies say exactly what is missing; the token itself is never logged.
 */
export function requireScope(authenticator: Authenticator, scope: string) {
  // Runs as an onRequest hook: before the body is read or validated, so a caller without the
  // right key learns nothing about the request shape and sends no upload for nothing.
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const header = request.headers.authorization;
    if (!header) {
      await sendProblem(
        reply,
        request,
        'unauthorized',
        'missing Authorization header: send "Authorization: Bearer <api key>"',
      );
      return;
    }
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match) {
      await sendProblem(
        reply,
        request,
        'unauthorized',
        'malformed Authorization header: expected "Bearer <api key>"',
      );
      return;
    }
    const principal = await authenticator.authenticate(match[1]);
    if (!principal) {
      await sendProblem(reply, request, 'unauthorized', 'unknown or revoked API key');
      return;
    }
    if (!grants(principal, scope)) {
      await sendProblem(
        reply,
        request,
        'forbidden',
        `API key '${principal.name}' lacks the scope '${scope}' (it has: ${principal.scopes.join(', ') || 'none'})`,
        { details: { required: scope, granted: principal.scopes } },
      );
      return;
    }
    request.principal = principal;
  };
}
