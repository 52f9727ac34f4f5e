/**
 * Limit counters: fixed-window counts of failures and requests (login failures per
 * account and address, wrong MFA codes, requests of mailed links and of unauthenticated
 * routes that store state). A counter is one key (build it with `keys`); its window
 * starts at its first count. Shared by every worker and instance on Redis.
 */

export interface RateLimitRule {
  /** Full store key of the counter. */
  key: string;
  limit: number;
  windowSeconds: number;
}

export type RateLimitDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

export interface LimitCounters {
  /** Read-only: refused when any counter is at its limit. Writes nothing. */
  checkLoginLimits(rules: readonly RateLimitRule[]): Promise<RateLimitDecision>;
  /**
   * A wrong password (or any counted request): counts one on every rule (each
   * atomically, the window starting at the first count). Refused when a count went past
   * its limit.
   */
  recordLoginFailure(rules: readonly RateLimitRule[]): Promise<RateLimitDecision>;
  /**
   * A right password: refused when any counter reached its limit meanwhile; otherwise
   * clears the `reset` counter (atomically with its check).
   */
  recordLoginSuccess(rules: readonly RateLimitRule[], reset: RateLimitRule): Promise<RateLimitDecision>;
}
