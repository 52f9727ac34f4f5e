/** Opening a session and issuing the token pair of a session. */
import { signAccessToken } from './access-token.js';
import type { AuthDeps, TokenPair } from './deps.js';
import { mintRefreshToken, newSessionId } from './refresh-token.js';

export async function issuePair(
  deps: AuthDeps,
  session: { uid: string; email: string; sid: string },
  refreshToken: string,
): Promise<TokenPair> {
  const access = await signAccessToken(deps.keys, deps.tokenOptions, session);
  return {
    access_token: access.token,
    refresh_token: refreshToken,
    token_type: 'bearer',
    expires_in: access.expiresIn,
  };
}

export async function openSession(deps: AuthDeps, uid: string, email: string): Promise<TokenPair> {
  const sid = newSessionId();
  const refresh = mintRefreshToken(uid, sid);
  await deps.store.createSession({
    uid,
    sid,
    email,
    refreshHash: refresh.hash,
    ttlSeconds: deps.config.jwt.refreshTokenTtl,
    maxPerUser: deps.config.maxSessionsPerUser,
  });
  return issuePair(deps, { uid, email, sid }, refresh.token);
}
