/**
 * Passkey sign-in shares the login failure limit per address (LOGIN_MAX_FAILURES_PER_IP,
 * src/auth/login-limits.ts) with password logins: a failed assertion counts, and while
 * the address is over the limit both the options and the verification answer 429.
 *
 * The options store a challenge for five minutes, so what they may store is bounded
 * too: PASSKEY_OPTIONS_MAX_PER_IP per address per minute, and PASSKEY_CHALLENGES_MAX
 * per challenge lifetime for all addresses together (at most twice that is outstanding
 * at any moment). Past either, 429 and nothing stored.
 */
import type { ClientInfo, FlowDeps } from '../deps.js';
import { keys } from '../../store/keys.js';
import { countRequest } from '../shared/request-limits.js';
import { CHALLENGE_TTL_SECONDS } from '../shared/passkey-challenges.js';
import { loginRules } from '../../auth/login-limits.js';
import { TooManyAttemptsError } from '../../errors.js';
import type { RateLimitDecision } from '../../store/store.js';

const ipRule = (deps: Pick<FlowDeps, 'config'>, client: ClientInfo) =>
  loginRules(deps.config.rateLimit, '', client.ip).ip;

async function refuse(
  deps: Pick<FlowDeps, 'events'>,
  decision: RateLimitDecision,
  client: ClientInfo,
): Promise<void> {
  if (decision.allowed) return;
  // Counted, and tallied into one audit row per address per window.
  void deps.events.record('login_locked', { ip: client.ip, userAgent: client.userAgent, what: 'passkey' });
  throw new TooManyAttemptsError(decision.retryAfterSeconds);
}

/** 429 while the address is over its limit; writes nothing. */
export async function refuseIfLocked(
  deps: Pick<FlowDeps, 'config' | 'store' | 'events'>,
  client: ClientInfo,
): Promise<void> {
  await refuse(deps, await deps.store.checkLoginLimits([ipRule(deps, client)]), client);
}

/** Counts one failure of the address; 429 when that reached the limit. */
export async function countFailure(
  deps: Pick<FlowDeps, 'config' | 'store' | 'events'>,
  client: ClientInfo,
): Promise<void> {
  await refuse(deps, await deps.store.recordLoginFailure([ipRule(deps, client)]), client);
}

/** Counts one options request (one stored challenge); 429 past either bound. */
export async function countOptionsRequest(
  deps: Pick<FlowDeps, 'config' | 'store' | 'events'>,
  client: ClientInfo,
): Promise<void> {
  const limits = deps.config.rateLimit;
  await countRequest(
    deps,
    [
      {
        key: keys.requests('passkey-options', client.ip),
        limit: limits.passkeyOptionsPerIp,
        windowSeconds: 60,
      },
      {
        key: keys.requests('passkey-challenges', 'all'),
        limit: limits.passkeyChallenges,
        windowSeconds: CHALLENGE_TTL_SECONDS,
      },
    ],
    client,
    'passkey_options',
    'Too many passkey sign-in requests; try again later',
  );
}
