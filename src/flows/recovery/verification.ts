/**
 * POST /auth/email-verification/request (signed in) and POST /auth/email-verification.
 * The link verifies the address it was mailed to, once (EMAIL_VERIFICATION_TTL); the
 * account's `email_verified` shows in /auth/me and, from the next token on, in the
 * `email_verified` claim. The same route takes the link of an email change
 * (src/flows/settings/email.ts), which moves the account to the new address and verifies it.
 */
import type { AccessClaims } from '../../auth/access-token.js';
import type { FlowDeps, ClientInfo } from '../deps.js';
import { EmailTakenError, InvalidLinkTokenError, InvalidTokenError } from '../../errors.js';
import type { Account } from '../../persistence/directory/user-directory.js';
import type { TokenGrant } from '../../persistence/one-time-tokens.js';
import { NOTICE, notifyOwner } from '../shared/notices.js';
import { requireMailer, sendVerificationMail } from '../shared/account-mail.js';
import { countVerificationRequest } from '../shared/request-limits.js';

/** Mails a verification link, unless the address is verified already (202 either way). */
export async function requestEmailVerification(
  deps: Pick<FlowDeps, 'config' | 'store' | 'directory' | 'events' | 'links' | 'mailer'>,
  claims: AccessClaims,
): Promise<void> {
  const account = await deps.directory.findById(claims.sub);
  if (!account || account.disabled) throw new InvalidTokenError();
  const mailer = requireMailer(deps);
  if (account.emailVerified) return;
  await countVerificationRequest(deps, account.id);
  await sendVerificationMail(deps, mailer, account);
}

export async function confirmEmailVerification(
  deps: Pick<FlowDeps, 'directory' | 'events' | 'links' | 'mailer'>,
  token: string,
  client: ClientInfo,
): Promise<{ email: string; email_verified: true }> {
  const grant = await deps.links.consume('email_verification', token);
  if (!grant) {
    const change = await deps.links.consume('email_change', token);
    if (change) {
      const moved = await completeEmailChange(deps, change, client);
      return { email: moved.email, email_verified: true };
    }
  }
  const account = grant ? await deps.directory.findById(grant.userId) : null;
  // The address changed since the link was sent: the link verifies nothing.
  if (!grant || !account || account.disabled || account.email !== grant.email) {
    throw new InvalidLinkTokenError();
  }
  if (!account.emailVerified) await deps.directory.setEmailVerified(account.id);
  await deps.links.revokeAll('email_verification', account.id);
  await deps.events.record('email_verified', {
    userId: account.id,
    ip: client.ip,
    userAgent: client.userAgent,
  });
  return { email: account.email, email_verified: true };
}

/** Uses an email-change link (taken already): the account moves to the proven address. */
export async function completeEmailChange(
  deps: Pick<FlowDeps, 'directory' | 'events' | 'links' | 'mailer'>,
  grant: TokenGrant,
  client: ClientInfo,
): Promise<Account> {
  const account = await deps.directory.findById(grant.userId);
  if (!account || account.disabled) throw new InvalidLinkTokenError();
  const changed = await deps.directory.changeEmail(account.id, account.email, grant.email);
  if (changed === 'email_taken') throw new EmailTakenError();
  if (!changed) throw new InvalidLinkTokenError();
  await deps.links.revokeAll('email_change', account.id);
  await deps.links.revokeAll('email_verification', account.id);
  await deps.events.record('email_changed', {
    userId: account.id,
    ip: client.ip,
    userAgent: client.userAgent,
    detail: { from: account.email, to: changed.email },
  });
  notifyOwner(deps, account.email, NOTICE.emailChanged(changed.email), client);
  return changed;
}
