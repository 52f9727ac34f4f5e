/** The mailer, when this server sends mail, and the verification mail both flows send. */
import type { Account } from '../../persistence/directory/user-directory.js';
import type { FlowDeps } from '../deps.js';
import { FeatureDisabledError } from '../../errors.js';
import type { Mailer } from '../../mail/mailer.js';

/** The mailer, or 403 `feature_disabled` (production without SMTP_URL sends no mail). */
export function requireMailer(deps: Pick<FlowDeps, 'mailer'>): Mailer {
  if (!deps.mailer) {
    throw new FeatureDisabledError('This server sends no mail (SMTP_URL is not configured)');
  }
  return deps.mailer;
}

/** Issues a verification link for the account's current email and queues the mail. */
export async function sendVerificationMail(
  deps: Pick<FlowDeps, 'config' | 'events' | 'links'>,
  mailer: Mailer,
  account: Account,
): Promise<void> {
  const ttl = deps.config.accounts.emailVerificationTtlSeconds;
  const token = await deps.links.issue(
    'email_verification',
    { userId: account.id, email: account.email },
    ttl,
  );
  mailer.sendEmailVerification({ to: account.email, token, expiresInSeconds: ttl });
  await deps.events.record('email_verification_sent', { userId: account.id });
}
