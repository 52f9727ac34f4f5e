/**
 * DELETE /auth/passkeys/:id: removes one of the caller's passkeys (404 for anything
 * else, so ids are not probed), unless it is the account's last way to sign in (409).
 */
import type { AccessClaims } from '../../auth/access-token.js';
import type { ClientInfo } from '../../auth/deps.js';
import { LastSignInMethodError, NotFoundError } from '../../errors.js';
import type { PasskeyDeps } from './deps.js';

export async function removePasskey(
  deps: PasskeyDeps,
  claims: AccessClaims,
  id: string,
  client: ClientInfo,
): Promise<void> {
  const outcome = await deps.passkeys.remove(claims.sub, id);
  if (outcome === 'not_found') throw new NotFoundError('No such passkey');
  if (outcome === 'last_sign_in_method') throw new LastSignInMethodError();
  await deps.auth.audit('passkey_removed', {
    userId: claims.sub,
    ip: client.ip,
    userAgent: client.userAgent,
    detail: { passkey: id },
  });
}
