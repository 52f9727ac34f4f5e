/**
 * Creating an account. Each address may try REGISTER_MAX_PER_IP times an hour (any
 * outcome counts), which bounds both the accounts a flood can create and how fast
 * `409 email_taken` can be used to learn which emails have accounts.
 */
import { randomUUID } from 'node:crypto';
import { EmailTakenError, InvalidRequestError, RegistrationDisabledError } from '../../errors.js';
import { sendVerificationMail } from '../shared/account-mail.js';
import { countRegistration, countVerificationRequest } from '../shared/request-limits.js';
import type { FlowDeps, ClientInfo } from '../deps.js';
import { parseEmail } from '../../auth/email.js';
import { acceptNewPassword } from '../shared/new-password.js';
import { normalisePassword } from '../../auth/password-input.js';

export async function register(
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
    | 'background'
  >,
  emailInput: string,
  password: string,
  client: ClientInfo,
): Promise<{ id: string; email: string }> {
  if (!deps.config.allowRegistration) throw new RegistrationDisabledError();
  const email = parseEmail(emailInput);
  if (!email) throw new InvalidRequestError('email must be a valid email address');
  // Every attempt counts, taken or not: 409 email_taken is no quick way to list accounts.
  await countRegistration(deps, client);
  await acceptNewPassword(deps, password, { email });
  const passwordHash = await deps.hashing.run(() => deps.hasher.hash(normalisePassword(password)));
  const account = await deps.directory.createAccount({ id: randomUUID(), email, passwordHash });
  if (account === 'email_taken') throw new EmailTakenError();
  await deps.events.record('register', { userId: account.id, ip: client.ip, userAgent: client.userAgent });
  // Login will ask for a verified address: the first link goes out now.
  const mailer = deps.mailer;
  if (deps.config.accounts.requireVerifiedEmail && mailer) {
    deps.background.run('verification mail at registration', async () => {
      await countVerificationRequest(deps, account.id);
      await sendVerificationMail(deps, mailer, account);
    });
  }
  return { id: account.id, email: account.email };
}
