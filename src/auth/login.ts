/** Checking a password and opening a session, within the shared login limits. */
import { InvalidCredentialsError, OverloadedError, TooManyAttemptsError } from '../errors.js';
import type { UserRecord } from '../store/store.js';
import type { AuthDeps, TokenPair } from './deps.js';
import { normaliseEmail } from './email.js';
import { loginRules } from './login-limits.js';
import { openSession } from './session-tokens.js';

export async function login(
  deps: AuthDeps,
  emailInput: string,
  password: string,
  ip: string,
): Promise<TokenPair> {
  const { store } = deps;
  const email = normaliseEmail(emailInput);
  const rules = loginRules(deps.config.rateLimit, email, ip);
  const decision = await store.consumeAttempt([rules.accountIp, rules.ip]);
  if (!decision.allowed) {
    deps.onEvent('login_locked');
    throw new TooManyAttemptsError(decision.retryAfterSeconds);
  }
  // Over-long passwords are treated as wrong (not a 400) so the answer does not
  // depend on whether the account exists; the schema caps the body size anyway.
  let user: UserRecord | null;
  let ok: boolean;
  try {
    user = await store.findUserByEmail(email);
    const plausible = password.length <= deps.config.passwordMaxLength;
    const stored = user?.passwordHash;
    ok =
      (await deps.hashing.run(() => deps.hasher.verifyOrDecoy(stored, plausible ? password : ''))) &&
      plausible;
  } catch (err) {
    // Shed before the password was judged: not a failed guess, so the attempts go back.
    if (err instanceof OverloadedError) {
      deps.onEvent('login_shed');
      await Promise.all([store.refundAttempt(rules.accountIp), store.refundAttempt(rules.ip)]);
    }
    throw err;
  }
  if (!ok || !user) {
    deps.onEvent('login_failure');
    throw new InvalidCredentialsError();
  }
  await Promise.all([store.resetAttempts(rules.accountIp), store.refundAttempt(rules.ip)]);
  const pair = await openSession(deps, user.id, user.email);
  deps.onEvent('login_success');
  return pair;
}
