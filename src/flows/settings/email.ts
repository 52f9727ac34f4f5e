/**
 * POST /auth/email: a new email address for the caller. It needs a recent sign-in
 * (src/flows/shared/step-up.ts): a stolen access token cannot move the account, and with it its
 * password resets, to another mailbox. The new address gets a single-use link
 * (EMAIL_VERIFICATION_TTL) to the verification page; the change happens only when that
 * link is posted to POST /auth/email-verification (src/flows/recovery/verification.ts),
 * and the new address is verified by it. The current address is told at the request and again at the change. Requests
 * share the verification mail limit of the account.
 */
import type { AccessClaims } from '../../auth/access-token.js';
import type { FlowDeps, ClientInfo } from '../deps.js';
import { parseEmail } from '../../auth/email.js';
import { requireRecentAuth } from '../shared/step-up.js';
import { EmailTakenError, InvalidRequestError, InvalidTokenError } from '../../errors.js';
import { requireMailer } from '../shared/account-mail.js';
import { NOTICE, notifyOwner } from '../shared/notices.js';
import { countVerificationRequest } from '../shared/request-limits.js';

export async function requestEmailChange(
  deps: Pick<FlowDeps, 'config' | 'store' | 'directory' | 'events' | 'links' | 'mailer'>,
  claims: AccessClaims,
  emailInput: string,
  client: ClientInfo,
): Promise<void> {
  const email = parseEmail(emailInput);
  if (!email) throw new InvalidRequestError('email must be a valid email address');
  const account = await deps.directory.findById(claims.sub);
  if (!account || account.disabled) throw new InvalidTokenError();
  const mailer = requireMailer(deps);
  requireRecentAuth(deps, claims);
  if (email === account.email) throw new InvalidRequestError('This is the current email address');
  if (await deps.directory.findByEmail(email)) throw new EmailTakenError();
  await countVerificationRequest(deps, account.id);
  const ttl = deps.config.accounts.emailVerificationTtlSeconds;
  const token = await deps.links.issue('email_change', { userId: account.id, email }, ttl);
  mailer.sendEmailChange({ to: email, token, expiresInSeconds: ttl });
  await deps.events.record('email_change_requested', {
    userId: account.id,
    ip: client.ip,
    userAgent: client.userAgent,
    detail: { to: email },
  });
  notifyOwner(deps, account.email, NOTICE.emailChangeRequested(email), client);
}
