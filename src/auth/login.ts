/**
 * Checking a password and opening a session. The account comes from the accounts
 * database (one indexed lookup); the limits, the session and its tokens from the
 * session store. A disabled account answers 403 `account_disabled`, but only after a
 * correct password (a wrong one gets the usual 401).
 */
import { AccountDisabledError, InvalidCredentialsError, InvalidRequestError } from '../errors.js';
import type { AuthDeps, ClientInfo, TokenPair } from './deps.js';
import { parseEmail } from './email.js';
import { checkPassword } from './password-check.js';
import { openSession } from './session-tokens.js';

export async function login(
  deps: AuthDeps,
  emailInput: string,
  password: string,
  client: ClientInfo,
): Promise<TokenPair> {
  const email = parseEmail(emailInput);
  if (!email) throw new InvalidRequestError('email must be a valid email address');
  try {
    // In a flood, the excess is refused before it costs a lookup or a limit check.
    deps.hashing.shedIfFull();
  } catch (err) {
    deps.onEvent('login_shed');
    throw err;
  }
  const account = await deps.directory.findByEmail(email);
  const where = { ip: client.ip, userAgent: client.userAgent };
  if ((await checkPassword(deps, email, account, password, client)) === 'wrong' || !account) {
    deps.onEvent('login_failure');
    await deps.audit('login_failure', { userId: account?.id ?? null, ...where, detail: { email } });
    throw new InvalidCredentialsError();
  }
  if (account.disabled) {
    await deps.audit('login_disabled', { userId: account.id, ...where });
    throw new AccountDisabledError();
  }
  const opened = await openSession(deps, account, client);
  if (opened === 'stale') {
    // The password changed, or the account was disabled or deleted, while this login ran.
    deps.onEvent('login_failure');
    throw new InvalidCredentialsError();
  }
  deps.onEvent('login_success');
  await deps.audit('login_success', { userId: account.id, ...where, detail: { sid: opened.sid } });
  return opened.pair;
}
