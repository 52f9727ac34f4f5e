/**
 * Limit counters in Redis: one key per counter, each read or changed by one script
 * (atomic on its key; the window starts at the first count). Counting a failure is never
 * blindly retried; reads and resets are.
 */
import { defineScript } from '../../redis/scripts.js';
import type { RedisExecutor, RedisReply } from '../../redis/types.js';
import type { LimitCounters, RateLimitDecision, RateLimitRule } from '../limits.js';
import { asArray, asNumber, SAFE_TO_REPEAT } from './replies.js';

/** KEYS: counter. Read-only. Returns {count, pttl}. */
export const READ_COUNTER = defineScript(
  'read_counter',
  `
local c = tonumber(redis.call('GET', KEYS[1]) or '0')
return {c, redis.call('PTTL', KEYS[1])}
`,
  1,
);

/**
 * KEYS: counter. ARGV: windowSeconds. Counts one failure; the window starts with the
 * first one. Returns {count, pttl}.
 */
export const RECORD_FAILURE = defineScript(
  'record_failure',
  `
local c = redis.call('INCR', KEYS[1])
if c == 1 or redis.call('PTTL', KEYS[1]) < 0 then
  redis.call('EXPIRE', KEYS[1], ARGV[1])
end
return {c, redis.call('PTTL', KEYS[1])}
`,
  1,
);

/** KEYS: counter. ARGV: limit. Returns {0, pttl} when at the limit; else deletes it and returns {1, 0}. */
export const RESET_UNLESS_BLOCKED = defineScript(
  'reset_unless_blocked',
  `
local c = tonumber(redis.call('GET', KEYS[1]) or '0')
if c >= tonumber(ARGV[1]) then
  return {0, redis.call('PTTL', KEYS[1])}
end
redis.call('DEL', KEYS[1])
return {1, 0}
`,
  1,
);

/** `{count, pttl}` replies of the counter scripts. */
function counter(r: RedisReply): { count: number; pttlMs: number } {
  const [count, pttl] = asArray(r);
  return { count: asNumber(count), pttlMs: asNumber(pttl) };
}

/** Refused when any counter is over its bound; Retry-After is the longest remaining window. */
function decide(
  rules: readonly RateLimitRule[],
  counts: ReadonlyArray<{ count: number; pttlMs: number }>,
  refused: (count: number, limit: number) => boolean,
): RateLimitDecision {
  let waitMs = -1;
  rules.forEach((rule, i) => {
    const c = counts[i]!;
    if (refused(c.count, rule.limit))
      waitMs = Math.max(waitMs, c.pttlMs > 0 ? c.pttlMs : rule.windowSeconds * 1000);
  });
  return waitMs < 0
    ? { allowed: true }
    : { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)) };
}

export class RedisLimitCounters implements LimitCounters {
  constructor(private readonly redis: RedisExecutor) {}

  async checkLoginLimits(rules: readonly RateLimitRule[]): Promise<RateLimitDecision> {
    const counts = await Promise.all(
      rules.map(async (rule) =>
        counter(await this.redis.script(READ_COUNTER, [rule.key], [], SAFE_TO_REPEAT)),
      ),
    );
    return decide(rules, counts, (count, limit) => count >= limit);
  }

  async recordLoginFailure(rules: readonly RateLimitRule[]): Promise<RateLimitDecision> {
    const counts = await Promise.all(
      rules.map(async (rule) =>
        counter(
          await this.redis.script(RECORD_FAILURE, [rule.key], [String(rule.windowSeconds)], {
            idempotent: false,
          }),
        ),
      ),
    );
    return decide(rules, counts, (count, limit) => count > limit);
  }

  async recordLoginSuccess(
    rules: readonly RateLimitRule[],
    reset: RateLimitRule,
  ): Promise<RateLimitDecision> {
    const results = await Promise.all(
      rules.map(async (rule) => {
        if (rule.key !== reset.key) {
          return counter(await this.redis.script(READ_COUNTER, [rule.key], [], SAFE_TO_REPEAT));
        }
        // Deleting a counter that is under its limit is idempotent in effect.
        const [ok, pttl] = asArray(
          await this.redis.script(RESET_UNLESS_BLOCKED, [rule.key], [String(rule.limit)], SAFE_TO_REPEAT),
        );
        return asNumber(ok) === 1 ? { count: 0, pttlMs: 0 } : { count: rule.limit, pttlMs: asNumber(pttl) };
      }),
    );
    return decide(rules, results, (count, limit) => count >= limit);
  }
}
