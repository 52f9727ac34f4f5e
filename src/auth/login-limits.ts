/**
 * Login attempt limits, shared through the store so they hold across every worker and
 * instance: failures per (account, IP) and per IP within a window. An attempt is
 * reserved atomically before the password is checked (so a burst of parallel guesses
 * cannot overshoot the limit) and given back when the login succeeds.
 */
import type { RateLimitConfig } from '../config/schema.js';
import { keys } from '../store/keys.js';
import type { RateLimitRule } from '../store/store.js';

export interface LoginRules {
  accountIp: RateLimitRule;
  ip: RateLimitRule;
}

export function loginRules(config: RateLimitConfig, email: string, ip: string): LoginRules {
  return {
    accountIp: {
      key: keys.attemptsAccountIp(email, ip),
      limit: config.maxFailuresPerAccountIp,
      windowSeconds: config.windowSeconds,
    },
    ip: { key: keys.attemptsIp(ip), limit: config.maxFailuresPerIp, windowSeconds: config.windowSeconds },
  };
}
