/**
 * DELETE /auth/passkeys/:id: removes one of the caller's passkeys (404 for anything
 * else, so ids are not probed), unless it is the account's last way to sign in (409).
 * Needs a recent sign-in; the owner is mailed.
 */
import type { AccessClaims } from '../../auth/access-token.js';
import type { ClientInfo, FlowDeps } from '../deps.js';
import { accountForFactorChange } from '../shared/step-up.js';
import { LastSignInMethodError, NotFoundError } from '../../errors.js';
import { NOTICE, notifyOwner } from '../shared/notices.js';

export async function removePasskey(
  deps: Pick<FlowDeps, 'config' | 'directory' | 'events' | 'mailer' | 'passkeys'>,
  claims: AccessClaims,
  id: string,
  client: ClientInfo,
): Promise<void> {
  const account = await accountForFactorChange(deps, claims, 'remove');
  const name = (await deps.passkeys.listByUser(account.id)).find((p) => p.id === id)?.name;
  const outcome = await deps.passkeys.remove(account.id, id);
  if (outcome === 'not_found') throw new NotFoundError('No such passkey');
  if (outcome === 'last_sign_in_method') throw new LastSignInMethodError();
  await deps.events.record('passkey_removed', {
    userId: claims.sub,
    ip: client.ip,
    userAgent: client.userAgent,
    detail: { passkey: id },
  });
  notifyOwner(deps, account.email, NOTICE.passkeyRemoved(name ?? 'Passkey'), client);
}
