/**
 * Ending sessions: logout, logout-all and RFC 7009 revocation, each audited with the
 * client's address and User-Agent. A revocation is audited only when it ended a session
 * (anyone may post any token, so unknown ones must not write rows).
 */
import { InvalidTokenError } from '../../errors.js';
import { verifyAccessToken, type AccessClaims } from '../../auth/access-token.js';
import type { FlowDeps, ClientInfo } from '../deps.js';
import { parseRefreshToken } from '../../auth/refresh-token.js';

export async function logout(
  deps: Pick<FlowDeps, 'store' | 'events'>,
  claims: AccessClaims,
  client: ClientInfo,
): Promise<void> {
  await deps.store.deleteSession(claims.sub, claims.sid);
  await deps.events.record('logout', {
    userId: claims.sub,
    ip: client.ip,
    userAgent: client.userAgent,
    detail: { sid: claims.sid },
  });
}

export async function logoutAll(
  deps: Pick<FlowDeps, 'store' | 'events'>,
  claims: AccessClaims,
  client: ClientInfo,
): Promise<number> {
  const n = await deps.store.deleteAllSessions(claims.sub);
  await deps.events.record('logout_all', {
    userId: claims.sub,
    ip: client.ip,
    userAgent: client.userAgent,
    detail: { revoked: n },
  });
  return n;
}

/** RFC 7009: revokes an access or refresh token's session; unknown tokens are not an error. */
export async function revoke(
  deps: Pick<FlowDeps, 'store' | 'events' | 'keys' | 'tokenOptions'>,
  token: string,
  hint: string | undefined,
  client: ClientInfo,
): Promise<void> {
  const ended = (uid: string, sid: string, tokenType: string): Promise<void> =>
    deps.events.record('token_revoked', {
      userId: uid,
      ip: client.ip,
      userAgent: client.userAgent,
      detail: { sid, token_type: tokenType },
    });
  const tryRefresh = async (): Promise<boolean> => {
    const parsed = parseRefreshToken(token);
    if (!parsed) return false;
    if (await deps.store.deleteSessionByRefresh(parsed.uid, parsed.sid, parsed.hash)) {
      await ended(parsed.uid, parsed.sid, 'refresh_token');
    }
    return true;
  };
  const tryAccess = async (): Promise<boolean> => {
    let claims: AccessClaims;
    try {
      claims = await verifyAccessToken(deps.keys, deps.tokenOptions, token);
    } catch (err) {
      if (err instanceof InvalidTokenError) return false;
      throw err;
    }
    if (await deps.store.deleteSession(claims.sub, claims.sid)) {
      await ended(claims.sub, claims.sid, 'access_token');
    }
    return true;
  };
  const order = hint === 'access_token' ? [tryAccess, tryRefresh] : [tryRefresh, tryAccess];
  for (const attempt of order) if (await attempt()) break;
  await deps.events.record('revoke');
}
