/**
 * Limits on what mails, what creates accounts and what guesses codes, shared through the
 * store so they hold across every worker and instance:
 * - registration: REGISTER_MAX_PER_IP attempts per client address per hour, whatever
 *   their outcome (so `409 email_taken` cannot be used to list accounts quickly);
 * - a password-reset link: 3 per email and 30 per client address per 15 minutes (keyed
 *   on the email typed, whether or not an account has it, so the limit says nothing
 *   about which emails exist);
 * - a verification link: 5 per account per hour;
 * - wrong TOTP or recovery codes: 5 per account per 15 minutes, counted at the second
 *   login step and when TOTP is turned on or off.
 * A refused request writes nothing more and sends nothing: it is counted
 * (`tollgate_auth_events_total{event="request_limited"}`) and tallied into one
 * `request_limited` audit row per address per window (src/events/).
 */
import type { FlowDeps, ClientInfo } from '../deps.js';
import { TooManyAttemptsError } from '../../errors.js';
import { keys } from '../../store/keys.js';
import type { RateLimitDecision, RateLimitRule } from '../../store/store.js';

export const RESET_REQUESTS_PER_EMAIL = 3;
export const RESET_REQUESTS_PER_ADDRESS = 30;
export const RESET_REQUEST_WINDOW_SECONDS = 900;
export const VERIFICATION_REQUESTS_PER_ACCOUNT = 5;
export const VERIFICATION_REQUEST_WINDOW_SECONDS = 3600;
export const MFA_FAILURES_PER_ACCOUNT = 5;
export const MFA_FAILURE_WINDOW_SECONDS = 900;

function refuse(decision: RateLimitDecision, message: string): void {
  if (!decision.allowed) throw new TooManyAttemptsError(decision.retryAfterSeconds, message);
}

/** Like `refuse`, for a request refused by a limit before anything else: counted and tallied. */
function refuseCounted(
  deps: Pick<FlowDeps, 'events'>,
  decision: RateLimitDecision,
  message: string,
  client: ClientInfo,
  what: string,
  subject?: string,
): void {
  if (decision.allowed) return;
  void deps.events.record('request_limited', {
    ip: client.ip,
    userAgent: client.userAgent,
    what,
    ...(subject === undefined ? {} : { subject }),
  });
  throw new TooManyAttemptsError(decision.retryAfterSeconds, message);
}

/**
 * Counts `rules` (checked first: a refused request adds to no counter) and refuses
 * past any of them, counted and tallied as `what`.
 */
export async function countRequest(
  deps: Pick<FlowDeps, 'store' | 'events'>,
  rules: readonly RateLimitRule[],
  client: ClientInfo,
  what: string,
  message: string,
  subject?: string,
): Promise<void> {
  refuseCounted(deps, await deps.store.checkLoginLimits(rules), message, client, what, subject);
  refuseCounted(deps, await deps.store.recordLoginFailure(rules), message, client, what, subject);
}

export const REGISTRATION_WINDOW_SECONDS = 3600;

/** Counts one registration attempt of the address; 429 past REGISTER_MAX_PER_IP per hour. */
export async function countRegistration(
  deps: Pick<FlowDeps, 'config' | 'store' | 'events'>,
  client: ClientInfo,
): Promise<void> {
  const rule = {
    key: keys.requests('register', client.ip),
    limit: deps.config.rateLimit.registrationsPerIp,
    windowSeconds: REGISTRATION_WINDOW_SECONDS,
  };
  await countRequest(
    deps,
    [rule],
    client,
    'register',
    'Too many registrations from this address; try again later',
  );
}

/** Counts one reset request for the email and the address; 429 past either limit. */
export async function countResetRequest(
  deps: Pick<FlowDeps, 'store' | 'events'>,
  email: string,
  client: ClientInfo,
): Promise<void> {
  const ip = client.ip;
  const rules: RateLimitRule[] = [
    {
      key: keys.mailRequests('reset', email),
      limit: RESET_REQUESTS_PER_EMAIL,
      windowSeconds: RESET_REQUEST_WINDOW_SECONDS,
    },
    {
      key: keys.mailRequests('reset-ip', ip),
      limit: RESET_REQUESTS_PER_ADDRESS,
      windowSeconds: RESET_REQUEST_WINDOW_SECONDS,
    },
  ];
  await countRequest(
    deps,
    rules,
    client,
    'password_reset',
    'Too many password reset requests; try again later',
    email,
  );
}

/** Counts one verification mail for the account; 429 past the limit. */
export async function countVerificationRequest(deps: Pick<FlowDeps, 'store'>, userId: string): Promise<void> {
  const rules: RateLimitRule[] = [
    {
      key: keys.mailRequests('verify', userId),
      limit: VERIFICATION_REQUESTS_PER_ACCOUNT,
      windowSeconds: VERIFICATION_REQUEST_WINDOW_SECONDS,
    },
  ];
  const message = 'Too many verification requests; try again later';
  refuse(await deps.store.checkLoginLimits(rules), message);
  refuse(await deps.store.recordLoginFailure(rules), message);
}

/** Whether the account may still be sent a verification mail now, without counting one. */
export async function verificationAllowed(deps: Pick<FlowDeps, 'store'>, userId: string): Promise<boolean> {
  const rule = {
    key: keys.mailRequests('verify', userId),
    limit: VERIFICATION_REQUESTS_PER_ACCOUNT,
    windowSeconds: VERIFICATION_REQUEST_WINDOW_SECONDS,
  };
  return (await deps.store.checkLoginLimits([rule])).allowed;
}

const mfaRule = (userId: string): RateLimitRule => ({
  key: keys.attemptsMfa(userId),
  limit: MFA_FAILURES_PER_ACCOUNT,
  windowSeconds: MFA_FAILURE_WINDOW_SECONDS,
});

const MFA_MESSAGE = 'Too many wrong codes; try again later';

/** Before a code is checked: 429 while the account is at its limit (writes nothing). */
export async function checkMfaAttempts(deps: Pick<FlowDeps, 'store'>, userId: string): Promise<void> {
  refuse(await deps.store.checkLoginLimits([mfaRule(userId)]), MFA_MESSAGE);
}

/** A wrong code: counted; 429 when it went past the limit. */
export async function recordMfaFailure(deps: Pick<FlowDeps, 'store'>, userId: string): Promise<void> {
  refuse(await deps.store.recordLoginFailure([mfaRule(userId)]), MFA_MESSAGE);
}

/** A right code: clears the count (429 if the limit was reached meanwhile). */
export async function recordMfaSuccess(deps: Pick<FlowDeps, 'store'>, userId: string): Promise<void> {
  const rule = mfaRule(userId);
  refuse(await deps.store.recordLoginSuccess([rule], rule), MFA_MESSAGE);
}
