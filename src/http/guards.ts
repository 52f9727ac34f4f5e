/**
 * preHandlers that protect routes: `requireSession` (a valid access token of a live
 * session, its claims put on the request) and `requireOpsToken` (OPS_TOKEN, when set).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { AccessClaims } from '../auth/access-token.js';
import type { ClientInfo } from '../flows/deps.js';
import { authenticate } from '../flows/sessions/authenticate.js';
import { InvalidTokenError, UnauthorizedError } from '../errors.js';
import { authorizationOf, bearerTokenOf, parseBearer } from './bearer.js';

declare module 'fastify' {
  interface FastifyRequest {
    claims: AccessClaims | undefined;
  }
}

export function requireSession(deps: Parameters<typeof authenticate>[0]) {
  return async (request: FastifyRequest): Promise<void> => {
    request.claims = await authenticate(deps, bearerTokenOf(request));
  };
}

/** The client's address (per TRUST_PROXY) and User-Agent. */
export function clientOf(request: FastifyRequest): ClientInfo {
  return { ip: request.ip, userAgent: request.headers['user-agent'] ?? '' };
}

/** The claims `requireSession` put on the request. */
export function claimsOf(request: FastifyRequest): AccessClaims {
  if (!request.claims) throw new InvalidTokenError();
  return request.claims;
}

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

/** Guards the operations routes with `Authorization: Bearer $OPS_TOKEN` when OPS_TOKEN is set. */
export function requireOpsToken(opsToken: string | undefined): (request: FastifyRequest) => Promise<void> {
  const expected = opsToken === undefined ? undefined : digest(opsToken);
  return async (request) => {
    if (!expected) return;
    const token = parseBearer(authorizationOf(request));
    if (token === undefined || !timingSafeEqual(digest(token), expected)) throw new UnauthorizedError();
  };
}
