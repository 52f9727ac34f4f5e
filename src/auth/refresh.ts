/** Refresh-token rotation with reuse detection (one atomic store operation). */
import { InvalidGrantError } from '../errors.js';
import type { AuthDeps, TokenPair } from './deps.js';
import { mintRefreshToken, parseRefreshToken } from './refresh-token.js';
import { issuePair } from './session-tokens.js';

export async function refresh(deps: AuthDeps, refreshToken: string): Promise<TokenPair> {
  const parsed = parseRefreshToken(refreshToken);
  if (!parsed) {
    deps.onEvent('refresh_invalid');
    throw new InvalidGrantError();
  }
  const next = mintRefreshToken(parsed.uid, parsed.sid);
  const result = await deps.store.rotateRefresh(
    parsed.uid,
    parsed.sid,
    parsed.hash,
    next.hash,
    deps.config.jwt.refreshTokenTtl,
  );
  if (result.status === 'rotated') {
    deps.onEvent('refresh_rotated');
    return issuePair(deps, result.session, next.token);
  }
  if (result.status === 'reused') {
    deps.onEvent('refresh_reused');
    throw new InvalidGrantError('The refresh token was already used; the session has been revoked');
  }
  deps.onEvent('refresh_invalid');
  throw new InvalidGrantError();
}
