/** Ending sessions: logout, logout-all and RFC 7009 revocation. */
import { InvalidTokenError } from '../errors.js';
import { verifyAccessToken, type AccessClaims } from './access-token.js';
import type { AuthDeps } from './deps.js';
import { parseRefreshToken } from './refresh-token.js';

export async function logout(deps: AuthDeps, claims: AccessClaims): Promise<void> {
  await deps.store.deleteSession(claims.sub, claims.sid);
  deps.onEvent('logout');
}

export async function logoutAll(deps: AuthDeps, claims: AccessClaims): Promise<number> {
  const n = await deps.store.deleteAllSessions(claims.sub);
  deps.onEvent('logout_all');
  await deps.audit('logout_all', { userId: claims.sub, detail: { revoked: n } });
  return n;
}

/** RFC 7009: revokes an access or refresh token's session; unknown tokens are not an error. */
export async function revoke(deps: AuthDeps, token: string, hint: string | undefined): Promise<void> {
  const tryRefresh = async (): Promise<boolean> => {
    const parsed = parseRefreshToken(token);
    if (!parsed) return false;
    await deps.store.deleteSessionByRefresh(parsed.uid, parsed.sid, parsed.hash);
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
    await deps.store.deleteSession(claims.sub, claims.sid);
    return true;
  };
  const order = hint === 'access_token' ? [tryAccess, tryRefresh] : [tryRefresh, tryAccess];
  for (const attempt of order) if (await attempt()) break;
  deps.onEvent('revoke');
}
