/**
 * Opens the Redis engine as a serving process needs it: connects the pool, reads what
 * Redis will keep (refusing an evicting policy in production), records every end of a
 * session in the revocation log, and watches the server for data loss (docs/sessions.md).
 */
import type { Logger } from 'pino';
import type { Config } from '../../config/schema.js';
import { createPool } from '../../redis/index.js';
import type { RedisPool } from '../../redis/types.js';
import { RecordedStore, type RevocationLog } from '../revocations.js';
import type { Store } from '../store.js';
import { inspectRedis } from './durability.js';
import { RedisStore } from './redis-store.js';
import { RedisSessions } from './sessions.js';
import { RedisWatch } from './watch.js';

/** Revocations are kept this much longer than the longest a session can live. */
const REVOCATION_MARGIN_SECONDS = 3600;

export interface OpenRedisStoreOptions {
  logger?: Logger | undefined;
  /**
   * Where every end of a session is recorded (the accounts database), to be replayed
   * when Redis loses writes. Without it (never in a serving process) ends are applied in
   * Redis only.
   */
  log?: RevocationLog | undefined;
  /** Run the watch (a serving process); a one-shot command only records. Default true. */
  watch?: boolean;
}

export interface RedisStoreHandle {
  store: Store;
  pool: RedisPool;
  /** Present when watched: the server's state now, for /metrics. */
  watch?: RedisWatch;
}

export async function openRedisStore(
  config: Config,
  options: OpenRedisStoreOptions = {},
): Promise<RedisStoreHandle> {
  const { logger, log } = options;
  const pool = createPool(config.redis, { logger, name: 'store' });
  try {
    await pool.connect();
  } catch (err) {
    await pool.close().catch(() => undefined);
    throw err;
  }
  const where =
    config.redis.mode === 'standalone'
      ? `${config.redis.host}:${config.redis.port}/${config.redis.db}`
      : `${config.redis.mode} (${(config.redis.mode === 'sentinel' ? config.redis.sentinels : config.redis.clusterNodes).length} nodes)`;
  const durability = await inspectRedis(pool);
  logger?.info(
    {
      redis: where,
      pool_size: config.redis.poolSize,
      mode: config.redis.poolMode,
      maxmemory_policy: durability.evictionPolicy,
      persistence: durability.persistence,
    },
    'connected to Redis',
  );
  if (durability.evicting && config.deploymentEnv === 'production') {
    await pool.close().catch(() => undefined);
    throw new Error(
      `Redis maxmemory-policy is ${durability.evictionPolicy}: it may evict sessions under memory pressure. ` +
        'Production needs maxmemory-policy noeviction.',
    );
  }
  for (const w of durability.warnings) logger?.warn(w);
  const ttl = config.jwt.refreshTokenTtl;
  const warnings = durability.warnings;
  if (!log) return { store: new RedisStore(pool, pool, ttl, { warnings }), pool };
  const keepSeconds = ttl + REVOCATION_MARGIN_SECONDS;
  if (options.watch === false) {
    return {
      store: new RecordedStore(new RedisStore(pool, pool, ttl, { warnings }), log, keepSeconds),
      pool,
    };
  }
  const watch = new RedisWatch({
    pool,
    sessions: new RedisSessions(pool, ttl),
    log,
    intervalMs: config.redis.healthCheckIntervalMs,
    gateTimeoutMs: config.redis.acquireTimeoutMs,
    replayOnReconnect: config.redis.mode === 'cluster',
    logger,
  });
  try {
    await watch.start();
  } catch (err) {
    watch.stop();
    await pool.close().catch(() => undefined);
    throw err;
  }
  const redisStore = new RedisStore(pool, pool, ttl, { watch, warnings });
  return { store: new RecordedStore(redisStore, log, keepSeconds, watch.gate), pool, watch };
}
