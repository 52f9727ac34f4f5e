/**
 * POST /auth/password: a new password for the caller, after the current one is checked
 * (within the login limits). Every other session of the account ends, at once,
 * everywhere; the caller's own session stays. The current password is this change's
 * proof of identity (no separate step-up); the owner is mailed.
 */
import type { AccessClaims } from '../../auth/access-token.js';
import type { FlowDeps, ClientInfo } from '../deps.js';
import { checkPassword } from '../shared/password-check.js';
import { acceptNewPassword } from '../shared/new-password.js';
import { normalisePassword } from '../../auth/password-input.js';
import { InvalidCredentialsError, InvalidTokenError } from '../../errors.js';
import { NOTICE, notifyOwner } from '../shared/notices.js';

export async function changePassword(
  deps: Pick<
    FlowDeps,
    'config' | 'store' | 'directory' | 'events' | 'hasher' | 'hashing' | 'passwordPolicy' | 'mailer'
  >,
  claims: AccessClaims,
  currentPassword: string,
  newPassword: string,
  client: ClientInfo,
): Promise<{ revoked: number }> {
  const account = await deps.directory.findById(claims.sub);
  if (!account || account.disabled) throw new InvalidTokenError();
  await acceptNewPassword(deps, newPassword, { email: account.email });
  if ((await checkPassword(deps, account.email, account, currentPassword, client)) === 'wrong') {
    await deps.events.record('login_failure', {
      userId: account.id,
      ip: client.ip,
      userAgent: client.userAgent,
      detail: { during: 'password_change' },
    });
    throw new InvalidCredentialsError();
  }
  const hash = await deps.hashing.run(() => deps.hasher.hash(normalisePassword(newPassword)));
  await deps.directory.setPasswordHash(account.id, hash);
  const revoked = await deps.store.deleteOtherSessions(account.id, claims.sid);
  await deps.events.record('password_changed', {
    userId: account.id,
    ip: client.ip,
    userAgent: client.userAgent,
    detail: { revoked },
  });
  notifyOwner(deps, account.email, NOTICE.passwordChanged(), client);
  return { revoked };
}
