/**
 * What Redis will do with tollgate's keys under memory pressure and across a restart,
 * read from `CONFIG GET` and `INFO` (at start, then on the pool's health-check cadence,
 * src/store/redis/watch.ts). Every session key has a TTL, so any evicting policy
 * (`allkeys-*` and `volatile-*` alike) can silently end sessions; only `noeviction` keeps
 * them (Redis then refuses writes when full, which tollgate answers with 503).
 * `assessRedis` turns a reading into standing warnings (what this deployment cannot keep)
 * and reasons (why the store is degraded right now).
 */
import type { RedisExecutor, RedisReply } from '../../redis/types.js';

export type Persistence = 'aof' | 'rdb' | 'aof+rdb' | 'none' | 'unknown';

export interface RedisReading {
  /** `maxmemory-policy`, or undefined when CONFIG is not allowed (managed Redis). */
  evictionPolicy: string | undefined;
  persistence: Persistence;
  /** `appendfsync` when AOF is on. */
  appendfsync: string | undefined;
  /** From INFO (0 when INFO could not be read). */
  runId: string;
  role: string;
  evictedKeys: number;
  usedMemoryBytes: number;
  /** 0 = no limit. */
  maxmemoryBytes: number;
  /** The last RDB save and AOF write succeeded (true when not in use). */
  lastBgsaveOk: boolean;
  aofLastWriteOk: boolean;
  connectedReplicas: number;
}

export interface RedisDurability {
  evictionPolicy: string | undefined;
  /** True when the policy may evict session keys. */
  evicting: boolean;
  persistence: Persistence;
  /** Operator-facing sentences (shown in /health, /health/redis and the start-up log). */
  warnings: string[];
}

function asText(reply: RedisReply): string | undefined {
  return typeof reply === 'string' ? reply : Buffer.isBuffer(reply) ? reply.toString('utf8') : undefined;
}

function configValue(reply: RedisReply): string | undefined {
  if (!Array.isArray(reply) || reply.length < 2) return undefined;
  return asText(reply[1]!);
}

async function tryConfigGet(redis: RedisExecutor, name: string): Promise<string | undefined> {
  try {
    return configValue(await redis.command(['CONFIG', 'GET', name], { idempotent: true }));
  } catch {
    // CONFIG may be disabled or renamed (managed services): say so instead of failing.
    return undefined;
  }
}

/** INFO as a field map (empty when INFO is not allowed). */
async function tryInfo(redis: RedisExecutor): Promise<Map<string, string>> {
  let text: string | undefined;
  try {
    text = asText(await redis.command(['INFO'], { idempotent: true }));
  } catch {
    return new Map();
  }
  return infoFields(text ?? '');
}

/** The `field:value` lines of an INFO reply. */
export function infoFields(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const i = line.indexOf(':');
    if (i > 0 && !line.startsWith('#')) fields.set(line.slice(0, i), line.slice(i + 1).trim());
  }
  return fields;
}

/** One reading: four CONFIG GETs and one INFO, each bounded by the pool's command timeout. */
export async function readRedis(redis: RedisExecutor): Promise<RedisReading> {
  const [policy, appendonly, save, appendfsync, info] = await Promise.all([
    tryConfigGet(redis, 'maxmemory-policy'),
    tryConfigGet(redis, 'appendonly'),
    tryConfigGet(redis, 'save'),
    tryConfigGet(redis, 'appendfsync'),
    tryInfo(redis),
  ]);
  const aof = appendonly === undefined ? info.get('aof_enabled') === '1' : appendonly === 'yes';
  const rdb = save !== undefined && save.trim() !== '';
  const persistence: Persistence =
    appendonly === undefined || save === undefined
      ? 'unknown'
      : aof && rdb
        ? 'aof+rdb'
        : aof
          ? 'aof'
          : rdb
            ? 'rdb'
            : 'none';
  const num = (k: string): number => Number(info.get(k) ?? 0) || 0;
  return {
    evictionPolicy: policy ?? info.get('maxmemory_policy'),
    persistence,
    appendfsync: aof ? appendfsync : undefined,
    runId: info.get('run_id') ?? '',
    role: info.get('role') ?? '',
    evictedKeys: num('evicted_keys'),
    usedMemoryBytes: num('used_memory'),
    maxmemoryBytes: num('maxmemory'),
    lastBgsaveOk: (info.get('rdb_last_bgsave_status') ?? 'ok') === 'ok',
    aofLastWriteOk: (info.get('aof_last_write_status') ?? 'ok') === 'ok',
    connectedReplicas: num('connected_slaves'),
  };
}

/** Share of maxmemory past which the store counts as degraded (writes will soon be refused). */
export const MEMORY_DEGRADED_RATIO = 0.9;

/** Standing warnings: what this deployment cannot keep, whatever happens next. */
export function assessRedis(
  r: Pick<RedisReading, 'evictionPolicy' | 'persistence' | 'appendfsync'>,
): RedisDurability {
  const warnings: string[] = [];
  const policy = r.evictionPolicy;
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
  if (r.persistence === 'none') {
    warnings.push(
      'Redis persists nothing (no AOF, no RDB snapshots): a Redis restart ends every session (ended sessions stay ended: tollgate replays its revocation log).',
    );
  } else if (r.persistence === 'rdb') {
    warnings.push(
      'Redis persists only RDB snapshots: a restart loses every write since the last snapshot. Sessions opened and refresh tokens rotated since are lost (users must log in again), and sessions ended since come back in Redis until tollgate has replayed its revocation log (tollgate itself refuses them meanwhile; other readers of the session keys do not). Turn on AOF (appendonly yes).',
    );
  } else if (r.persistence === 'unknown') {
    warnings.push(
      'Could not read Redis persistence (CONFIG is not allowed): make sure AOF is on (appendonly yes).',
    );
  }
  return { evictionPolicy: policy, evicting, persistence: r.persistence, warnings };
}

/** Read once (start-up): the warnings and what they are based on. */
export async function inspectRedis(redis: RedisExecutor): Promise<RedisDurability> {
  return assessRedis(await readRedis(redis));
}
