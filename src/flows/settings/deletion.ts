/**
 * DELETE /auth/account: the caller deletes their account, and every session with it. The
 * password in the body is the proof of identity; the owner is mailed.
 */
import type { AccessClaims } from '../../auth/access-token.js';
import type { FlowDeps, ClientInfo } from '../deps.js';
import { checkPassword } from '../shared/password-check.js';
import { InvalidCredentialsError, InvalidTokenError } from '../../errors.js';
import { NOTICE, notifyOwner } from '../shared/notices.js';

export async function deleteOwnAccount(
  deps: Pick<FlowDeps, 'config' | 'store' | 'directory' | 'events' | 'hasher' | 'hashing' | 'mailer'>,
  claims: AccessClaims,
  password: string,
  client: ClientInfo,
): Promise<void> {
  const account = await deps.directory.findById(claims.sub);
  if (!account) throw new InvalidTokenError();
  if ((await checkPassword(deps, account.email, account, password, client)) === 'wrong') {
    // A wrong password with a valid token: someone else may hold the token.
    await deps.events.record('account_deletion_refused', {
      userId: account.id,
      ip: client.ip,
      userAgent: client.userAgent,
      detail: { reason: 'wrong_password' },
    });
    throw new InvalidCredentialsError();
  }
  await deps.directory.deleteAccount(account.id);
  const revoked = await deps.store.deleteAllSessions(account.id);
  await deps.events.record('account_deleted', {
    userId: account.id,
    ip: client.ip,
    userAgent: client.userAgent,
    detail: { email: account.email, revoked },
  });
  notifyOwner(deps, account.email, NOTICE.accountDeleted(), client);
}
