/**
 * Refresh-token rotation with reuse detection, one atomic store operation per call.
 * The successor is derived from the presented token, so a retry of a rotation whose
 * answer was lost (or was a 503) within `REFRESH_RETRY_GRACE` gets the same successor,
 * still alive, instead of being taken for reuse; N concurrent refreshes of one token
 * all get that same successor. Anything older is reuse and revokes the session. The
 * new access token carries the account's current roles, read from the database, and the
 * session's `auth_time` and `amr` (a refresh proves nothing new about the person).
 */
import { InvalidGrantError } from '../../errors.js';
import type { FlowDeps, ClientInfo, TokenPair } from '../deps.js';
import { parseRefreshToken, successorOf } from '../../auth/refresh-token.js';
import { issuePair } from '../shared/session-tokens.js';

export async function refresh(
  deps: Pick<FlowDeps, 'config' | 'store' | 'directory' | 'events' | 'keys' | 'tokenOptions' | 'refreshKey'>,
  refreshToken: string,
  client: ClientInfo,
): Promise<TokenPair> {
  const parsed = parseRefreshToken(refreshToken);
  if (!parsed) {
    await deps.events.record('refresh_invalid');
    throw new InvalidGrantError();
  }
  const account = await deps.directory.findById(parsed.uid);
  if (!account || account.disabled) {
    // Its sessions were ended with it; make sure of it, then refuse.
    await deps.store.deleteSession(parsed.uid, parsed.sid);
    await deps.events.record('refresh_invalid');
    throw new InvalidGrantError();
  }
  const next = successorOf(deps.refreshKey, refreshToken, parsed);
  const result = await deps.store.rotateRefresh({
    uid: parsed.uid,
    sid: parsed.sid,
    presentedHash: parsed.hash,
    nextHash: next.hash,
    ttlSeconds: deps.config.jwt.refreshTokenTtl,
    retryGraceMs: deps.config.jwt.refreshRetryGraceSeconds * 1000,
  });
  switch (result.status) {
    case 'rotated':
    case 'retried': {
      await deps.events.record(result.status === 'rotated' ? 'refresh_rotated' : 'refresh_retried');
      // The new access token carries the session's last proof of identity, not a new one.
      const auth = await deps.store.sessionAuth(parsed.uid, parsed.sid);
      if (!auth) throw new InvalidGrantError();
      return issuePair(deps, account, parsed.sid, next.token, auth);
    }
    case 'reused':
      // A theft signal: where the old token came from is what an investigation needs.
      await deps.events.record('refresh_reused', {
        userId: parsed.uid,
        ip: client.ip,
        userAgent: client.userAgent,
        detail: { sid: parsed.sid },
      });
      throw new InvalidGrantError('The refresh token was already used; the session has been revoked');
    default:
      await deps.events.record('refresh_invalid');
      throw new InvalidGrantError();
  }
}
