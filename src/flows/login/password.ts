/**
 * Checking a password and opening a session. The account comes from the accounts
 * database (one indexed lookup); the limits, the session and its tokens from the
 * session store. A disabled account answers 403 `account_disabled`, but only after a
 * correct password (a wrong one gets the usual 401); so does an unverified email when
 * REQUIRE_VERIFIED_EMAIL is on (403 `email_not_verified`, and a new link is mailed
 * within the verification limit). With TOTP on, a correct password opens no session: it
 * yields an `mfa_token` for the second step (login-mfa.ts).
 */
import { sendVerificationMail } from '../shared/account-mail.js';
import type { Account } from '../../persistence/directory/user-directory.js';
import { countVerificationRequest } from '../shared/request-limits.js';
import {
  AccountDisabledError,
  EmailNotVerifiedError,
  InvalidCredentialsError,
  InvalidRequestError,
  TooManyAttemptsError,
} from '../../errors.js';
import type { FlowDeps, ClientInfo, TokenPair } from '../deps.js';
import { parseEmail } from '../../auth/email.js';
import { issueMfaTicket, type MfaChallenge } from './mfa-ticket.js';
import type { Approach } from '../../auth/admission.js';
import { checkPassword, type PasswordVerdict } from '../shared/password-check.js';
import { openSession } from '../shared/session-tokens.js';

export async function login(
  deps: Pick<
    FlowDeps,
    | 'config'
    | 'store'
    | 'directory'
    | 'events'
    | 'keys'
    | 'hasher'
    | 'hashing'
    | 'tokenOptions'
    | 'links'
    | 'mailer'
  >,
  emailInput: string,
  password: string,
  client: ClientInfo,
): Promise<TokenPair | MfaChallenge> {
  const email = parseEmail(emailInput);
  if (!email) throw new InvalidRequestError('email must be a valid email address');
  let approach: Approach;
  try {
    // In a flood, the excess is refused before it costs a lookup or a limit check.
    approach = deps.hashing.approach();
  } catch (err) {
    await deps.events.record('login_shed');
    throw err;
  }
  let verdict: PasswordVerdict;
  let account: Account | null;
  try {
    account = await deps.directory.findByEmail(email);
    verdict = await checkPassword(deps, email, account, password, client, approach);
  } finally {
    approach.leave();
  }
  const where = { ip: client.ip, userAgent: client.userAgent };
  if (verdict === 'wrong' || !account) {
    await deps.events.record('login_failure', { userId: account?.id ?? null, ...where, detail: { email } });
    throw new InvalidCredentialsError();
  }
  if (account.disabled) {
    await deps.events.record('login_disabled', { userId: account.id, ...where });
    throw new AccountDisabledError();
  }
  if (deps.config.accounts.requireVerifiedEmail && !account.emailVerified) {
    await deps.events.record('login_unverified', { userId: account.id, ...where });
    await resendVerification(deps, account);
    throw new EmailNotVerifiedError();
  }
  if (account.mfaEnabled) {
    await deps.events.record('mfa_required');
    return issueMfaTicket(deps, account);
  }
  const opened = await openSession(deps, account, client, ['pwd']);
  if (opened === 'stale') {
    // The password changed, or the account was disabled or deleted, while this login ran.
    await deps.events.record('login_stale');
    throw new InvalidCredentialsError();
  }
  await deps.events.record('login_success', { userId: account.id, ...where, detail: { sid: opened.sid } });
  return opened.pair;
}

/** A new verification link for the owner of a correct password, within the limit. */
async function resendVerification(
  deps: Pick<FlowDeps, 'config' | 'store' | 'events' | 'links' | 'mailer'>,
  account: Account,
): Promise<void> {
  if (!deps.mailer) return;
  try {
    await countVerificationRequest(deps, account.id);
  } catch (err) {
    if (err instanceof TooManyAttemptsError) return;
    throw err;
  }
  await sendVerificationMail(deps, deps.mailer, account);
}
