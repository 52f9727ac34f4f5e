/**
 * Passkey sign-in shares the login failure limit per address (LOGIN_MAX_FAILURES_PER_IP,
 * src/auth/login-limits.ts) with password logins: a failed assertion counts, and while
 * the address is over the limit both the options and the verification answer 429.
 */
import type { ClientInfo } from '../../auth/deps.js';
import { loginRules } from '../../auth/login-limits.js';
import { TooManyAttemptsError } from '../../errors.js';
import type { RateLimitDecision } from '../../store/store.js';
import type { PasskeyDeps } from './deps.js';

const ipRule = (deps: PasskeyDeps, client: ClientInfo) =>
  loginRules(deps.auth.config.rateLimit, '', client.ip).ip;

async function refuse(deps: PasskeyDeps, decision: RateLimitDecision, client: ClientInfo): Promise<void> {
  if (decision.allowed) return;
  deps.auth.onEvent('login_locked');
  await deps.auth.audit('login_locked', {
    userId: null,
    ip: client.ip,
    userAgent: client.userAgent,
    detail: { method: 'passkey' },
  });
  throw new TooManyAttemptsError(decision.retryAfterSeconds);
}

/** 429 while the address is over its limit; writes nothing. */
export async function refuseIfLocked(deps: PasskeyDeps, client: ClientInfo): Promise<void> {
  await refuse(deps, await deps.auth.store.checkLoginLimits([ipRule(deps, client)]), client);
}

/** Counts one failure of the address; 429 when that reached the limit. */
export async function countFailure(deps: PasskeyDeps, client: ClientInfo): Promise<void> {
  await refuse(deps, await deps.auth.store.recordLoginFailure([ipRule(deps, client)]), client);
}
