/** Opening a session and issuing the token pair of a session. */
import { signAccessToken } from './access-token.js';
import type { AuthDeps, ClientInfo, TokenPair } from './deps.js';
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

/** At most this much of a User-Agent is kept, printable characters only. */
const MAX_USER_AGENT = 256;

function cleanUserAgent(ua: string): string {
  return ua.replace(/[^\x20-\x7e]/g, '').slice(0, MAX_USER_AGENT);
}

export async function openSession(
  deps: AuthDeps,
  uid: string,
  email: string,
  client: ClientInfo,
): Promise<TokenPair> {
  const sid = newSessionId();
  const refresh = mintRefreshToken(uid, sid);
  await deps.store.createSession({
    uid,
    sid,
    email,
    refreshHash: refresh.hash,
    ttlSeconds: deps.config.jwt.refreshTokenTtl,
    maxPerUser: deps.config.maxSessionsPerUser,
    ip: client.ip,
    userAgent: cleanUserAgent(client.userAgent),
  });
  return issuePair(deps, { uid, email, sid }, refresh.token);
}
