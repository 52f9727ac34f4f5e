/**
 * Session-bound verification: a valid signature is not enough, the session must be
 * alive in the store. Only the cryptographic check is cached (it cannot change for a
 * given token string); the session check runs on every request. The session's
 * last-seen time is updated at most once a minute, off the request's critical path.
 */
import { InvalidTokenError } from '../../errors.js';
import { verifyAccessToken, type AccessClaims } from '../../auth/access-token.js';
import type { FlowDeps } from '../deps.js';

export async function authenticate(
  deps: Pick<FlowDeps, 'verified' | 'keys' | 'tokenOptions' | 'store' | 'lastTouched'>,
  token: string,
): Promise<AccessClaims> {
  let claims = deps.verified.get(token);
  if (!claims) {
    claims = await verifyAccessToken(deps.keys, deps.tokenOptions, token);
    deps.verified.set(token, claims);
  }
  if (!(await deps.store.isSessionAlive(claims.sub, claims.sid))) throw new InvalidTokenError();
  if (deps.lastTouched.due(claims.sid)) {
    // A hint for the session list, not a security decision: a failed write is dropped.
    deps.store.touchSession(claims.sub, claims.sid).catch(() => undefined);
  }
  return claims;
}
