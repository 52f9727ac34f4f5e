/** Opening a session and issuing the token pair of a session. */
import type { Account } from '../../persistence/directory/user-directory.js';
import type { SessionAuth } from '../../store/store.js';
import { signAccessToken } from '../../auth/access-token.js';
import type { FlowDeps, ClientInfo, TokenPair } from '../deps.js';
import { mintRefreshToken, newSessionId } from '../../auth/refresh-token.js';

type TokenAccount = Pick<Account, 'id' | 'email' | 'roles' | 'emailVerified'>;

/** An access token of the session, carrying its last proof of identity (`auth_time`, `amr`). */
export function issueAccess(
  deps: Pick<FlowDeps, 'keys' | 'tokenOptions'>,
  account: TokenAccount,
  sid: string,
  auth: SessionAuth,
): Promise<{ token: string; expiresIn: number }> {
  return signAccessToken(deps.keys, deps.tokenOptions, {
    uid: account.id,
    email: account.email,
    sid,
    roles: account.roles,
    emailVerified: account.emailVerified,
    authTime: auth.authTime,
    amr: auth.amr,
  });
}

export async function issuePair(
  deps: Pick<FlowDeps, 'keys' | 'tokenOptions'>,
  account: TokenAccount,
  sid: string,
  refreshToken: string,
  auth: SessionAuth,
): Promise<TokenPair> {
  const access = await issueAccess(deps, account, sid, auth);
  return {
    access_token: access.token,
    refresh_token: refreshToken,
    token_type: 'bearer',
    expires_in: access.expiresIn,
  };
}

/** At most this much of a User-Agent is kept, printable characters only. */
const MAX_USER_AGENT = 256;

export function cleanUserAgent(ua: string): string {
  return ua.replace(/[^\x20-\x7e]/g, '').slice(0, MAX_USER_AGENT);
}

/** Seconds since the epoch: the `auth_time` of a proof made now. */
export const nowSeconds = (): number => Math.floor(Date.now() / 1000);

/**
 * Opens a session for an account whose credentials were just checked (`amr` says which:
 * RFC 8176 method references), and issues its tokens. If the account changed meanwhile (password changed or reset, disabled,
 * deleted: its security stamp moved), the new session is ended at once and no token
 * is handed out, so no session outlives the credentials that opened it.
 */
export async function openSession(
  deps: Pick<FlowDeps, 'config' | 'store' | 'directory' | 'keys' | 'tokenOptions'>,
  account: Account,
  client: ClientInfo,
  amr: readonly string[],
): Promise<{ pair: TokenPair; sid: string } | 'stale'> {
  const sid = newSessionId();
  const auth: SessionAuth = { authTime: nowSeconds(), amr };
  const refresh = mintRefreshToken(account.id, sid);
  await deps.store.createSession({
    uid: account.id,
    sid,
    email: account.email,
    refreshHash: refresh.hash,
    ttlSeconds: deps.config.jwt.refreshTokenTtl,
    maxPerUser: deps.config.maxSessionsPerUser,
    ip: client.ip,
    userAgent: cleanUserAgent(client.userAgent),
    auth,
  });
  const now = await deps.directory.findById(account.id);
  if (!now || now.disabled || now.securityStamp !== account.securityStamp) {
    await deps.store.deleteSession(account.id, sid);
    return 'stale';
  }
  return { pair: await issuePair(deps, now, sid, refresh.token, auth), sid };
}
