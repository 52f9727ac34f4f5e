/**
 * Checking a password within the shared login limits; the one path for login,
 * password change and account deletion, so a stolen access token cannot be used to
 * guess the password faster than the login form allows. Only wrong passwords count:
 * the limits are read before the check (a refused attempt writes nothing), a failure is
 * counted after it (so correct attempts, and attempts shed for a server-side reason,
 * never count), and a success clears the account+address counter. Wrong guesses already
 * in flight when a limit is reached are counted and refused like the ones after it, so
 * at most `limit` guesses per window ever learn that they were wrong.
 */
import type { Account } from '../../persistence/directory/user-directory.js';
import { OverloadedError, TooManyAttemptsError } from '../../errors.js';
import type { RateLimitDecision } from '../../store/store.js';
import type { Approach } from '../../auth/admission.js';
import type { FlowDeps, ClientInfo } from '../deps.js';
import { loginRules } from '../../auth/login-limits.js';
import { isAcceptablePassword, normalisePassword } from '../../auth/password-input.js';

export type PasswordVerdict = 'right' | 'wrong';

function refuseIfBlocked(
  deps: Pick<FlowDeps, 'events'>,
  decision: RateLimitDecision,
  email: string,
  client: ClientInfo,
): Promise<void> {
  if (decision.allowed) return Promise.resolve();
  // Counted, and tallied into one audit row per address per window (a flood of 429s
  // must not write a row each).
  void deps.events.record('login_locked', {
    ip: client.ip,
    userAgent: client.userAgent,
    what: 'password',
    subject: email,
  });
  return Promise.reject(new TooManyAttemptsError(decision.retryAfterSeconds));
}

/**
 * Judges `password` for `account` (or, with no account, against a decoy so the answer
 * takes as long). Throws TooManyAttemptsError (429) when a limit is reached and lets
 * OverloadedError (503) through; otherwise says whether it was right. The hash runs
 * through `hashing`: the login's approach, or the shared admission itself.
 */
export async function checkPassword(
  deps: Pick<FlowDeps, 'config' | 'store' | 'events' | 'hasher' | 'hashing'>,
  email: string,
  account: Account | null,
  password: string,
  client: ClientInfo,
  hashing: Pick<Approach, 'run'> = deps.hashing,
): Promise<PasswordVerdict> {
  const rules = loginRules(deps.config.rateLimit, email, client.ip);
  const all = [rules.accountIp, rules.ip];
  await refuseIfBlocked(deps, await deps.store.checkLoginLimits(all), email, client);
  // A password no account can have (ill-formed, too long) is checked against the decoy
  // like any wrong one, so the answer does not depend on whether the account exists.
  const stored = isAcceptablePassword(deps.config, password)
    ? (account?.passwordHash ?? undefined)
    : undefined;
  let ok: boolean;
  try {
    ok = await hashing.run(() => deps.hasher.verifyOrDecoy(stored, normalisePassword(password)));
  } catch (err) {
    if (err instanceof OverloadedError) await deps.events.record('login_shed');
    throw err;
  }
  if (!ok || !account) {
    await refuseIfBlocked(deps, await deps.store.recordLoginFailure(all), email, client);
    return 'wrong';
  }
  await refuseIfBlocked(deps, await deps.store.recordLoginSuccess(all, rules.accountIp), email, client);
  return 'right';
}
