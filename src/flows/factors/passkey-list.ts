/** GET /auth/passkeys: the caller's passkeys, oldest first. */
import type { AccessClaims } from '../../auth/access-token.js';
import type { FlowDeps } from '../deps.js';
import { passkeyView, type PasskeyView } from '../shared/passkey-views.js';

export async function listPasskeys(
  deps: Pick<FlowDeps, 'passkeys'>,
  claims: AccessClaims,
): Promise<PasskeyView[]> {
  return (await deps.passkeys.listByUser(claims.sub)).map(passkeyView);
}
