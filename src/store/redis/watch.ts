/**
 * Watches the Redis behind the store, so that tollgate sees it as it is now:
 *
 * - **Data loss.** Redis keeps, under `tg:epoch`, the run id of the server on which
 *   tollgate last confirmed that every recorded session end is applied. A server that
 *   restarted (from RDB or AOF) or a replica promoted in its place has another run id, and
 *   a server that lost the key has none: tollgate then replays the revocation log
 *   (src/store/revocations.ts) and confirms the new run id. Until it has, verifies and
 *   refreshes wait (bounded) and then answer 503: no session ended before the loss is
 *   accepted meanwhile. The check runs at start, when a pool connection comes back
 *   after going down, and on every health-check interval.
 * - **State.** On the same cadence: persistence, eviction policy, evicted keys, memory
 *   (`durability.ts`), for /health, /health/redis and /metrics, with the
 *   reasons the store is degraded now (a policy changed at run time, evictions, a failing
 *   snapshot or AOF write, memory near its limit).
 *
 * Every read is one bounded pool call; a check never overlaps the previous one.
 */
import diagnostics_channel from 'node:diagnostics_channel';
import { StoreUnavailableError } from '../../errors.js';
import type { RedisStateSample } from '../../metrics/redis-state-metrics.js';
import { POOL_EVENTS_CHANNEL, type PoolEvent, type RedisPool, type RedisReply } from '../../redis/index.js';
import { withTimeout } from '../../util/timeout.js';
import type { RedisStateReport } from '../health.js';
import { keys } from '../keys.js';
import { replayRevocations, type ReplayTarget, type RevocationLog } from '../revocations.js';
import { assessRedis, MEMORY_DEGRADED_RATIO, readRedis, type RedisReading } from './durability.js';
import { CONFIRM_EPOCH, READ_EPOCH } from './epoch-scripts.js';

interface WatchLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface RedisWatchOptions {
  pool: RedisPool;
  /** The Redis sessions without recording (replays write through them). */
  sessions: ReplayTarget;
  log: RevocationLog;
  /** The pool's health-check interval. */
  intervalMs: number;
  /** How long a verify waits for a confirmation before it answers 503. */
  gateTimeoutMs: number;
  /**
   * Redis Cluster: `tg:epoch` lives on one shard, so a restart of another shard would go
   * unseen; replay after every reconnection instead.
   */
  replayOnReconnect: boolean;
  logger?: WatchLogger;
}

const text = (r: RedisReply | undefined): string | null =>
  typeof r === 'string' ? r : Buffer.isBuffer(r) ? r.toString('utf8') : null;

export class RedisWatch {
  readonly #o: RedisWatchOptions;
  #reading: RedisReading | undefined;
  #checkedAt: Date | undefined;
  #evictedDelta = 0;
  #confirmed = false;
  #undetectable = false;
  #replayNext = false;
  #confirming: Promise<void> | undefined;
  #ticking: Promise<void> | undefined;
  #timer: NodeJS.Timeout | undefined;
  #lastReasons = new Set<string>();
  #lastReplay: RedisStateReport['last_replay'] = null;
  readonly #counts = { restart: 0, missing: 0, replays: 0, replayed: 0 };
  readonly #onEvent = (message: unknown): void => {
    const e = message as PoolEvent;
    if (e.source !== this.#o.pool) return;
    if (e.type === 'connection_down') {
      // The server may be restarting or failing over: nothing it says counts until confirmed.
      this.#confirmed = false;
      if (this.#o.replayOnReconnect) this.#replayNext = true;
    } else if (e.type === 'connection_ready' && !this.#confirmed) {
      void this.confirm().catch(() => undefined);
    }
  };

  constructor(options: RedisWatchOptions) {
    this.#o = options;
  }

  /** First check (replays when needed), then the periodic ones and the pool's events. */
  async start(): Promise<void> {
    await this.tick();
    diagnostics_channel.subscribe(POOL_EVENTS_CHANNEL, this.#onEvent);
    this.#timer = setInterval(() => void this.tick(), this.#o.intervalMs);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
    diagnostics_channel.unsubscribe(POOL_EVENTS_CHANNEL, this.#onEvent);
  }

  /**
   * For RecordedStore: undefined when confirmed; else waits for a confirmation (at most
   * `gateTimeoutMs`) and rejects with 503 when there is none.
   */
  readonly gate = (): Promise<void> | undefined => {
    if (this.#confirmed) return undefined;
    const unavailable = (): StoreUnavailableError =>
      new StoreUnavailableError(
        'disconnected',
        'The session store restarted and is being checked; try again shortly',
      );
    return withTimeout(this.confirm(), this.#o.gateTimeoutMs, unavailable).then(
      () => {
        if (!this.#confirmed) throw unavailable();
      },
      (err: unknown) => {
        throw err instanceof StoreUnavailableError ? err : unavailable();
      },
    );
  };

  /** One confirmation at a time; concurrent callers share it. */
  confirm(): Promise<void> {
    this.#confirming ??= this.#confirm().finally(() => {
      this.#confirming = undefined;
    });
    return this.#confirming;
  }

  async #confirm(): Promise<void> {
    const pool = this.#o.pool;
    let reply: RedisReply;
    try {
      reply = await pool.script(READ_EPOCH, [keys.epoch], [], { idempotent: true });
    } catch (err) {
      if (err instanceof StoreUnavailableError) throw err;
      // INFO refused inside scripts (a managed Redis): restarts cannot be seen; say so.
      if (!this.#undetectable) {
        this.#o.logger?.warn(
          { err: { message: (err as Error).message } },
          'cannot read the Redis run id: a Redis restart or failover will not trigger a replay of ended sessions',
        );
      }
      this.#undetectable = true;
      this.#confirmed = true;
      return;
    }
    const [runIdReply, storedReply] = Array.isArray(reply) ? reply : [];
    const runId = text(runIdReply) ?? '';
    const stored = text(storedReply);
    if (stored === runId && !this.#replayNext) {
      this.#confirmed = true;
      return;
    }
    const cause = stored === null ? 'missing' : stored === runId ? 'reconnect' : 'restart';
    if (cause !== 'reconnect') this.#counts[cause]++;
    this.#o.logger?.warn(
      { cause, run_id: runId, confirmed_run_id: stored },
      cause === 'missing'
        ? 'Redis holds no confirmation of applied session ends (first start, or its data was lost): replaying the revocation log'
        : cause === 'restart'
          ? 'Redis restarted or failed over since session ends were last confirmed: replaying the revocation log'
          : 'Redis Cluster reconnected: replaying the revocation log',
    );
    this.#replayNext = false;
    const started = Date.now();
    const applied = await replayRevocations(this.#o.sessions, this.#o.log);
    const confirmed = await pool.script(CONFIRM_EPOCH, [keys.epoch], [runId], { idempotent: true });
    const durationMs = Date.now() - started;
    this.#counts.replays++;
    this.#counts.replayed += applied;
    this.#lastReplay = { at: new Date().toISOString(), revocations: applied, duration_ms: durationMs };
    this.#o.logger?.info({ revocations: applied, duration_ms: durationMs }, 'replayed the revocation log');
    // Another restart meanwhile: the next confirmation replays again.
    this.#confirmed = Number(confirmed) === 1;
  }

  /** The periodic check: confirm, then read the server's state. */
  tick(): Promise<void> {
    this.#ticking ??= this.#tick().finally(() => {
      this.#ticking = undefined;
    });
    return this.#ticking;
  }

  async #tick(): Promise<void> {
    try {
      await this.confirm();
    } catch (err) {
      this.#o.logger?.warn(
        { err: { message: (err as Error).message } },
        'could not confirm that Redis holds every recorded session end; verifies answer 503 until it can',
      );
    }
    const reading = await readRedis(this.#o.pool);
    if (reading.runId === '' && reading.evictionPolicy === undefined) return; // unreachable: keep the last
    const before = this.#reading;
    this.#evictedDelta =
      before && before.runId === reading.runId ? Math.max(0, reading.evictedKeys - before.evictedKeys) : 0;
    this.#reading = reading;
    this.#checkedAt = new Date();
    const reasons = this.report().reasons;
    for (const r of reasons)
      if (!this.#lastReasons.has(r)) this.#o.logger?.warn({ reason: r }, 'the session store is degraded');
    this.#lastReasons = new Set(reasons);
  }

  report(): RedisStateReport {
    const r = this.#reading;
    const assessed = r ? assessRedis(r) : undefined;
    const warnings = [...(assessed?.warnings ?? [])];
    if (this.#undetectable) {
      warnings.push(
        'Redis does not allow INFO in scripts: tollgate cannot see a Redis restart or failover, and sessions ended before one may come back.',
      );
    }
    if (this.#o.replayOnReconnect) {
      warnings.push(
        'Redis Cluster: tollgate replays its revocation log after every reconnection; a shard that restarts without dropping tollgate connections is seen at the next health check.',
      );
    }
    const reasons: string[] = [];
    if (!this.#confirmed) {
      reasons.push(
        'Redis restarted, failed over or lost data, and tollgate has not yet confirmed it holds every ended session (replaying the revocation log): verifies wait, then answer 503.',
      );
    }
    if (r && assessed?.evicting) {
      reasons.push(
        `Redis maxmemory-policy is ${r.evictionPolicy}: Redis may evict session keys. Set maxmemory-policy noeviction.`,
      );
    }
    if (this.#evictedDelta > 0) {
      reasons.push(
        `Redis evicted ${this.#evictedDelta} keys since the previous check: sessions and login counters may have been lost.`,
      );
    }
    if (r && !r.lastBgsaveOk)
      reasons.push('Redis could not write its last RDB snapshot (rdb_last_bgsave_status).');
    if (r && !r.aofLastWriteOk) reasons.push('Redis could not write its AOF (aof_last_write_status).');
    if (r && r.maxmemoryBytes > 0 && r.usedMemoryBytes / r.maxmemoryBytes >= MEMORY_DEGRADED_RATIO) {
      const pct = Math.round((100 * r.usedMemoryBytes) / r.maxmemoryBytes);
      reasons.push(`Redis uses ${pct}% of its maxmemory: when full, it refuses writes (logins answer 503).`);
    }
    return {
      checked_at: this.#checkedAt?.toISOString() ?? null,
      persistence: r?.persistence ?? 'unknown',
      maxmemory_policy: r?.evictionPolicy ?? null,
      evicted_keys: r?.evictedKeys ?? 0,
      evicted_since_last_check: this.#evictedDelta,
      used_memory_bytes: r?.usedMemoryBytes ?? 0,
      maxmemory_bytes: r?.maxmemoryBytes ?? 0,
      role: r?.role ?? '',
      revocations_confirmed: this.#confirmed,
      revocation_replays: this.#counts.replays,
      last_replay: this.#lastReplay,
      warnings,
      reasons,
    };
  }

  sample(): RedisStateSample {
    const r = this.#reading;
    return {
      persistence: r?.persistence ?? 'unknown',
      evictingPolicy: r ? assessRedis(r).evicting : false,
      evictedKeys: r?.evictedKeys ?? 0,
      usedMemoryBytes: r?.usedMemoryBytes ?? 0,
      maxmemoryBytes: r?.maxmemoryBytes ?? 0,
      confirmed: this.#confirmed,
      dataLossDetections: { restart: this.#counts.restart, missing: this.#counts.missing },
      replays: this.#counts.replays,
      replayedRevocations: this.#counts.replayed,
    };
  }
}
