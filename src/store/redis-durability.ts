/**
 * What Redis will do with tollgate's keys under memory pressure and across a restart.
 * Every session key has a TTL, so any evicting policy (`allkeys-*` and `volatile-*`
 * alike) can silently end sessions; only `noeviction` keeps them (Redis then refuses
 * writes when full, which tollgate answers with 503). Without AOF or RDB snapshots a
 * Redis restart ends every session. Read once at start-up.
 */
import type { RedisExecutor, RedisReply } from '../redis/types.js';

export interface RedisDurability {
  /** `maxmemory-policy`, or undefined when CONFIG is not allowed (managed Redis). */
  evictionPolicy: string | undefined;
  /** True when the policy may evict session keys. */
  evicting: boolean;
  /** `aof`, `rdb`, `aof+rdb`, `none`, or `unknown`. */
  persistence: string;
  /** Operator-facing sentences (shown in /health/redis and the start-up log). */
  warnings: string[];
}

function configValue(reply: RedisReply): string | undefined {
  if (!Array.isArray(reply) || reply.length < 2) return undefined;
  const v = reply[1];
  return typeof v === 'string' ? v : Buffer.isBuffer(v) ? v.toString('utf8') : undefined;
}

async function tryConfigGet(redis: RedisExecutor, name: string): Promise<string | undefined> {
  try {
    return configValue(await redis.command(['CONFIG', 'GET', name], { idempotent: true }));
  } catch {
    // CONFIG may be disabled or renamed (managed services): say so instead of failing.
    return undefined;
  }
}

export async function inspectRedis(redis: RedisExecutor): Promise<RedisDurability> {
  const [policy, appendonly, save] = await Promise.all([
    tryConfigGet(redis, 'maxmemory-policy'),
    tryConfigGet(redis, 'appendonly'),
    tryConfigGet(redis, 'save'),
  ]);
  const warnings: string[] = [];
  const evicting = policy !== undefined && policy !== 'noeviction';
  if (policy === undefined) {
    warnings.push(
      'Could not read maxmemory-policy (CONFIG is not allowed): make sure it is noeviction, or sessions may vanish under memory pressure.',
    );
  } else if (evicting) {
    warnings.push(
      `Redis maxmemory-policy is ${policy}: under memory pressure Redis may evict session keys, logging users out. Set maxmemory-policy noeviction.`,
    );
  }
  const aof = appendonly === 'yes';
  const rdb = save !== undefined && save.trim() !== '';
  const persistence =
    appendonly === undefined || save === undefined
      ? 'unknown'
      : aof && rdb
        ? 'aof+rdb'
        : aof
          ? 'aof'
          : rdb
            ? 'rdb'
            : 'none';
  if (persistence === 'none') {
    warnings.push('Redis persists nothing (no AOF, no RDB snapshots): a Redis restart ends every session.');
  }
  return { evictionPolicy: policy, evicting, persistence, warnings };
}
