/**
 * POST /auth/password-reset/request and POST /auth/password-reset.
 *
 * The request answers 202 with the same body whether or not the email has an account,
 * and in the same time: after the limits (keyed on the email typed, not on an account),
 * the lookup, the token and the mail happen in the background. The link carries a
 * single-use token (256 bits, only its SHA-256 stored, PASSWORD_RESET_TTL). Using it
 * sets the new password (the password policy applies, and a refused password leaves
 * the link usable), voids the account's other reset links and ends every session of
 * the account at once, everywhere. It also counts as proof of the address.
 *
 * By default a reset also removes every other factor of the account (its passkeys and
 * TOTP with its recovery codes): whoever lost control of the account gets it back whole,
 * without a passkey or authenticator someone else planted. `keep_factors: true` keeps
 * them, except on an account whose address was not verified before the reset: factors
 * added before anyone proved the address cannot be trusted to be the owner's. The owner
 * is mailed about the reset.
 */
import type { FlowDeps, ClientInfo } from '../deps.js';
import { parseEmail } from '../../auth/email.js';
import { acceptNewPassword } from '../shared/new-password.js';
import { normalisePassword } from '../../auth/password-input.js';
import { InvalidLinkTokenError, InvalidRequestError } from '../../errors.js';
import { requireMailer } from '../shared/account-mail.js';
import { NOTICE, notifyOwner } from '../shared/notices.js';
import { countResetRequest } from '../shared/request-limits.js';

export async function requestPasswordReset(
  deps: Pick<FlowDeps, 'config' | 'store' | 'directory' | 'events' | 'links' | 'mailer' | 'background'>,
  emailInput: string,
  client: ClientInfo,
): Promise<void> {
  const email = parseEmail(emailInput);
  if (!email) throw new InvalidRequestError('email must be a valid email address');
  const mailer = requireMailer(deps);
  await countResetRequest(deps, email, client);
  await deps.events.record('password_reset_requested');
  deps.background.run('password reset request', async () => {
    const account = await deps.directory.findByEmail(email);
    if (!account || account.disabled) return;
    const ttl = deps.config.accounts.passwordResetTtlSeconds;
    const token = await deps.links.issue('password_reset', { userId: account.id, email: account.email }, ttl);
    mailer.sendPasswordReset({ to: account.email, token, expiresInSeconds: ttl });
    await deps.events.record('password_reset_mailed', {
      userId: account.id,
      ip: client.ip,
      userAgent: client.userAgent,
    });
  });
}

export async function resetPassword(
  deps: Pick<
    FlowDeps,
    | 'config'
    | 'store'
    | 'directory'
    | 'events'
    | 'hasher'
    | 'hashing'
    | 'passwordPolicy'
    | 'links'
    | 'mailer'
    | 'totp'
    | 'passkeys'
  >,
  token: string,
  newPassword: string,
  client: ClientInfo,
  options: { keepFactors?: boolean } = {},
): Promise<{ revoked: number; factors_removed: { passkeys: number; totp: boolean } }> {
  const grant = await deps.links.peek('password_reset', token);
  const account = grant ? await deps.directory.findById(grant.userId) : null;
  if (!grant || !account || account.disabled) throw new InvalidLinkTokenError();
  // A password the policy refuses leaves the link usable for a better one.
  await acceptNewPassword(deps, newPassword, { email: account.email });
  const hash = await deps.hashing.run(() => deps.hasher.hash(normalisePassword(newPassword)));
  if (!(await deps.links.consume('password_reset', token))) throw new InvalidLinkTokenError();
  // A new security stamp: a login that read the old password opens no session.
  await deps.directory.setPasswordHash(account.id, hash);
  await deps.links.revokeAll('password_reset', account.id);
  if (!account.emailVerified && grant.email === account.email) {
    await deps.directory.setEmailVerified(account.id);
  }
  const removeFactors = !options.keepFactors || !account.emailVerified;
  const removed = removeFactors
    ? { passkeys: await deps.passkeys.removeAll(account.id), totp: await deps.totp.remove(account.id) }
    : { passkeys: 0, totp: false };
  const revoked = await deps.store.deleteAllSessions(account.id);
  await deps.events.record('password_reset', {
    userId: account.id,
    ip: client.ip,
    userAgent: client.userAgent,
    detail: { revoked, passkeys_removed: removed.passkeys, totp_removed: removed.totp },
  });
  const what = [
    removed.passkeys > 0 ? `${removed.passkeys} passkey(s)` : '',
    removed.totp ? 'two-factor login' : '',
  ].filter((w) => w !== '');
  notifyOwner(
    deps,
    account.email,
    NOTICE.passwordReset(
      what.length > 0
        ? `, every session ended and ${what.join(' and ')} removed`
        : ', and every session ended',
    ),
    client,
  );
  return { revoked, factors_removed: removed };
}
