/**
 * Checking a password and opening a session, within the shared login limits. Only
 * wrong passwords count: the limits are read before the password is checked (a
 * refused login writes nothing), a failure is counted after (so correct logins, and
 * logins shed for a server-side reason, never count), and a success clears the
 * account+IP counter. Wrong guesses already in flight when a limit is reached are
 * counted and answered 429, like the ones after it, so at most `limit` guesses per
 * window ever learn that they were wrong.
 */
import {
  InvalidCredentialsError,
  InvalidRequestError,
  OverloadedError,
  TooManyAttemptsError,
} from '../errors.js';
import type { RateLimitDecision } from '../store/store.js';
import type { AuthDeps, ClientInfo, TokenPair } from './deps.js';
import { parseEmail } from './email.js';
import { loginRules } from './login-limits.js';
import { isAcceptablePassword, normalisePassword } from './password-input.js';
import { openSession } from './session-tokens.js';

function refuseIfBlocked(deps: AuthDeps, decision: RateLimitDecision): void {
  if (decision.allowed) return;
  deps.onEvent('login_locked');
  throw new TooManyAttemptsError(decision.retryAfterSeconds);
}

export async function login(
  deps: AuthDeps,
  emailInput: string,
  password: string,
  client: ClientInfo,
): Promise<TokenPair> {
  const { store } = deps;
  const email = parseEmail(emailInput);
  if (!email) throw new InvalidRequestError('email must be a valid email address');
  const rules = loginRules(deps.config.rateLimit, email, client.ip);
  const all = [rules.accountIp, rules.ip];
  refuseIfBlocked(deps, await store.checkLoginLimits(all));

  // A password no account can have (too long) is checked against the decoy like any
  // wrong one, so the answer does not depend on whether the account exists.
  const acceptable = isAcceptablePassword(deps.config, password);
  const user = await store.findUserByEmail(email);
  const stored = acceptable ? user?.passwordHash : undefined;
  let ok: boolean;
  try {
    ok = await deps.hashing.run(() => deps.hasher.verifyOrDecoy(stored, normalisePassword(password)));
  } catch (err) {
    // Shed before the password was judged: a server-side refusal, so nothing is counted.
    if (err instanceof OverloadedError) deps.onEvent('login_shed');
    throw err;
  }
  if (!ok || !user) {
    refuseIfBlocked(deps, await store.recordLoginFailure(all));
    deps.onEvent('login_failure');
    throw new InvalidCredentialsError();
  }
  refuseIfBlocked(deps, await store.recordLoginSuccess(all, rules.accountIp));
  const pair = await openSession(deps, user.id, user.email, client);
  deps.onEvent('login_success');
  return pair;
}
