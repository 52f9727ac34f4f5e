/** Limit counters in a map of this process, with the Redis engine's semantics. */
import type { LimitCounters, RateLimitDecision, RateLimitRule } from '../limits.js';
import type { Lifetime } from './lifetime.js';

interface Counter {
  count: number;
  expiresAt: number;
}

export class MemoryLimitCounters implements LimitCounters {
  private readonly counters = new Map<string, Counter>();

  constructor(private readonly life: Lifetime) {}

  private liveCounter(key: string): Counter | undefined {
    const c = this.counters.get(key);
    if (c && c.expiresAt <= this.life.now()) {
      this.counters.delete(key);
      return undefined;
    }
    return c;
  }

  /** Refused when a counter is over its bound; Retry-After is the longest remaining window. */
  private decide(
    rules: readonly RateLimitRule[],
    refused: (count: number, limit: number) => boolean,
  ): RateLimitDecision {
    let waitMs = -1;
    for (const rule of rules) {
      const c = this.liveCounter(rule.key);
      if (c && refused(c.count, rule.limit)) waitMs = Math.max(waitMs, c.expiresAt - this.life.now());
    }
    return waitMs < 0
      ? { allowed: true }
      : { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)) };
  }

  checkLoginLimits(rules: readonly RateLimitRule[]): Promise<RateLimitDecision> {
    return this.life.op(() => this.decide(rules, (count, limit) => count >= limit));
  }

  recordLoginFailure(rules: readonly RateLimitRule[]): Promise<RateLimitDecision> {
    return this.life.op(() => {
      for (const rule of rules) {
        const c = this.liveCounter(rule.key);
        if (c) c.count++;
        else
          this.counters.set(rule.key, { count: 1, expiresAt: this.life.now() + rule.windowSeconds * 1000 });
      }
      return this.decide(rules, (count, limit) => count > limit);
    });
  }

  recordLoginSuccess(rules: readonly RateLimitRule[], reset: RateLimitRule): Promise<RateLimitDecision> {
    return this.life.op(() => {
      // Like the Redis engine: the reset counter is cleared unless it is itself at its limit.
      const resetCounter = this.liveCounter(reset.key);
      const decision = this.decide(rules, (count, limit) => count >= limit);
      if (!resetCounter || resetCounter.count < reset.limit) this.counters.delete(reset.key);
      return decision;
    });
  }

  sweep(now: number): void {
    for (const [k, c] of this.counters) if (c.expiresAt <= now) this.counters.delete(k);
  }
}
