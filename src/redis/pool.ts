/**
 * The Redis pool: N connections ("lanes") in one of two modes.
 *
 * - multiplexed (default): every lane pipelines up to `maxInFlightPerConnection`
 *   commands; each command goes to the usable lane with the fewest in flight.
 * - exclusive: a lane carries one command at a time (checkout semantics, like
 *   node-redis `createClientPool`), for comparison in the benchmark.
 *
 * When every lane is at its cap, callers wait in a FIFO queue bounded by `maxPending`
 * for at most `acquireTimeoutMs` (then PoolExhaustedError). When no lane is up, calls
 * fail fast with StoreUnavailableError('disconnected'). Each command is bounded by
 * `commandTimeoutMs` (StoreTimeoutError). Retries follow retry.ts.
 */
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { RedisConfig } from '../config/schema.js';
import { PoolExhaustedError, StoreTimeoutError, StoreUnavailableError } from '../errors.js';
import { createBackendFactory, describeTarget } from './client.js';
import { Connection } from './connection.js';
import {
  commandsObserved,
  publishCommand,
  publishEvent,
  publishStats,
  type PoolEventType,
} from './events.js';
import { HealthMonitor } from './health.js';
import { LatencyRecorder } from './latency.js';
import { describeError, silentLogger, type PoolLogger } from './logger.js';
import {
  DEFAULT_RECONNECT_BACKOFF,
  classify,
  errorCode,
  isReplyError,
  markFinal,
  markNotSent,
  retryDelayMs,
  shouldRetry,
  type ReconnectBackoff,
} from './retry.js';
import { assertKeyCount, evalArgs, evalShaArgs } from './scripts.js';
import { PoolCounters, buildSnapshot } from './stats.js';
import type {
  CommandOptions,
  LuaScript,
  PoolStatsSnapshot,
  RedisArg,
  RedisPool,
  RedisReply,
} from './types.js';

export interface CreatePoolOptions {
  logger?: PoolLogger;
  /** Names the pool in logs, events and metrics labels (default "redis"). */
  name?: string;
  /** Commands a multiplexed connection may carry at once (default 256). Exclusive: 1. */
  maxInFlightPerConnection?: number;
  /** Reconnect backoff (default 50 ms doubling to 1 s, equal jitter). */
  reconnectBackoff?: ReconnectBackoff;
}

export const DEFAULT_MAX_IN_FLIGHT = 256;

interface Waiter {
  resolve(conn: Connection): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout;
}

/** Commands that take no key: they are sent to any node in Cluster mode. */
const KEYLESS = new Set([
  'PING',
  'INFO',
  'TIME',
  'DBSIZE',
  'ECHO',
  'SCRIPT',
  'CLIENT',
  'CONFIG',
  'COMMAND',
  'FLUSHALL',
  'FLUSHDB',
  'MEMORY',
  'SLOWLOG',
  'LASTSAVE',
]);

export function commandName(args: readonly RedisArg[]): string {
  const first = args[0];
  return first === undefined ? '' : String(first).toUpperCase();
}

/** The routing key of a command: its first argument unless the command takes none. */
export function firstKeyOf(args: readonly RedisArg[]): string | undefined {
  if (args.length < 2 || KEYLESS.has(commandName(args))) return undefined;
  const key = args[1]!;
  return typeof key === 'string' ? key : key.toString('utf8');
}

/** Maps a failed initial connect to a clear catalogue error (no credentials in it). */
export function connectError(err: unknown, target: string): StoreUnavailableError {
  if (err instanceof StoreUnavailableError) return err;
  if (isReplyError(err)) {
    const code = errorCode(err) ?? 'ERR';
    if (code === 'WRONGPASS' || code === 'NOAUTH' || /\bAUTH\b/i.test(err.message)) {
      return new StoreUnavailableError(
        'error',
        `Redis authentication failed for ${target} (${code}): check REDIS_USERNAME / REDIS_PASSWORD`,
        { cause: err },
      );
    }
    return new StoreUnavailableError('error', `Redis at ${target} refused the connection (${code})`, {
      cause: err,
    });
  }
  if (err instanceof Error && err.constructor.name === 'ConnectionTimeoutError') {
    return new StoreTimeoutError(`Connecting to Redis at ${target} timed out`, { cause: err });
  }
  const code = (err as { code?: unknown } | null)?.code;
  const detail = typeof code === 'string' ? code : err instanceof Error ? err.message : String(err);
  return new StoreUnavailableError('disconnected', `Cannot connect to Redis at ${target}: ${detail}`, {
    cause: err,
  });
}

export class Pool implements RedisPool {
  readonly name: string;
  readonly #config: RedisConfig;
  readonly #logger: PoolLogger;
  readonly #conns: Connection[];
  readonly #cap: number;
  readonly #target: string;
  readonly #counters = new PoolCounters();
  readonly #latency = new LatencyRecorder();
  readonly #health: HealthMonitor;
  readonly #waiters: Waiter[] = [];
  #rr = 0;
  #closed = false;
  #connectPromise: Promise<void> | undefined;
  #closePromise: Promise<void> | undefined;

  constructor(config: RedisConfig, options: CreatePoolOptions = {}) {
    if (config.poolSize < 1) throw new RangeError('poolSize must be at least 1');
    this.name = options.name ?? 'redis';
    this.#config = config;
    this.#logger = options.logger ?? silentLogger;
    this.#target = describeTarget(config);
    this.#cap =
      config.poolMode === 'exclusive'
        ? 1
        : Math.max(1, Math.floor(options.maxInFlightPerConnection ?? DEFAULT_MAX_IN_FLIGHT));
    const factory = createBackendFactory(config, `tollgate-${this.name}`);
    const events = {
      onReady: (conn: Connection) => {
        this.#event('connection_ready', conn.id);
        this.#drain();
      },
      onDown: (conn: Connection, cause: unknown) => {
        this.#event('connection_down', conn.id, describeError(cause).message);
        this.#failWaitersIfNoneUsable();
      },
      onRelease: () => {
        if (this.#waiters.length > 0) this.#drain();
      },
      onReconnectAttempt: (conn: Connection) => {
        this.#counters.reconnectsTotal++;
        this.#event('reconnect_attempt', conn.id);
      },
    };
    this.#conns = Array.from(
      { length: config.poolSize },
      (_, i) =>
        new Connection({
          id: i,
          factory,
          connectTimeoutMs: config.connectTimeoutMs,
          backoff: options.reconnectBackoff ?? DEFAULT_RECONNECT_BACKOFF,
          logger: this.#logger,
          target: this.#target,
          events,
        }),
    );
    this.#health = new HealthMonitor({
      intervalMs: config.healthCheckIntervalMs,
      timeoutMs: config.healthCheckTimeoutMs,
      counters: this.#counters,
      logger: this.#logger,
      connections: () => this.#conns,
      onRound: () => publishStats(this.name, () => this.stats()),
      onFailure: (conn) => this.#event('health_check_failed', conn.id),
    });
  }

  // --- lifecycle ---------------------------------------------------------------

  connect(): Promise<void> {
    if (this.#closed) return Promise.reject(new StoreUnavailableError('closed'));
    this.#connectPromise ??= this.#connectAll().catch((err: unknown) => {
      this.#connectPromise = undefined;
      throw err;
    });
    return this.#connectPromise;
  }

  async #connectAll(): Promise<void> {
    const errors: unknown[] = [];
    let left = this.#conns.length;
    let anyReady = false;
    let settle!: () => void;
    const first = new Promise<void>((resolve) => (settle = resolve));
    const all = Promise.all(
      this.#conns.map((conn) =>
        conn
          .open()
          .then(
            () => {
              anyReady = true;
              settle();
            },
            (err: unknown) => {
              errors.push(err);
            },
          )
          .finally(() => {
            if (--left === 0) settle();
          }),
      ),
    );
    await first;
    if (this.#closed) throw new StoreUnavailableError('closed');
    if (!anyReady) {
      for (const conn of this.#conns) conn.reset();
      const err = connectError(errors[0], this.#target);
      this.#logger.error({ target: this.#target, err: describeError(err) }, 'redis pool could not connect');
      throw err;
    }
    // Connections that failed (or fail) their first attempt join the reconnect loop.
    void all.then(() => {
      for (const conn of this.#conns) if (conn.state === 'down') conn.scheduleReconnect();
    });
    this.#health.start();
    this.#event('connected');
    this.#logger.info(
      {
        pool: this.name,
        target: this.#target,
        mode: this.#config.poolMode,
        size: this.#conns.length,
      },
      'redis pool connected',
    );
  }

  close(): Promise<void> {
    this.#closePromise ??= this.#closeAll();
    return this.#closePromise;
  }

  async #closeAll(): Promise<void> {
    this.#closed = true;
    this.#health.stop();
    const waiters = this.#waiters.splice(0);
    for (const w of waiters) {
      clearTimeout(w.timer);
      w.reject(new StoreUnavailableError('closed'));
    }
    const grace = Math.min(this.#config.commandTimeoutMs, 1000);
    await Promise.all(this.#conns.map((c) => c.close(grace)));
    this.#event('closed');
    this.#logger.info({ pool: this.name }, 'redis pool closed');
  }

  // --- commands ----------------------------------------------------------------

  command(args: readonly RedisArg[], options?: CommandOptions): Promise<RedisReply> {
    if (args.length === 0) return Promise.reject(new TypeError('empty command'));
    return this.#run(args, undefined, firstKeyOf(args), options?.idempotent === true);
  }

  script(
    script: LuaScript,
    keys: readonly string[],
    args: readonly RedisArg[],
    options?: CommandOptions,
  ): Promise<RedisReply> {
    try {
      assertKeyCount(script, keys);
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
    return this.#run(
      evalShaArgs(script, keys, args),
      evalArgs(script, keys, args),
      keys[0],
      options?.idempotent === true,
    );
  }

  async #run(
    args: readonly RedisArg[],
    fallback: readonly RedisArg[] | undefined,
    firstKey: string | undefined,
    idempotent: boolean,
  ): Promise<RedisReply> {
    const started = performance.now();
    this.#counters.commandsTotal++;
    let retry = 0;
    for (;;) {
      try {
        const reply = (await this.#attempt(args, fallback, firstKey)) as RedisReply;
        this.#done(started, args, undefined);
        return reply;
      } catch (err) {
        const { state, error } = classify(err);
        if (!this.#closed && shouldRetry(state, idempotent, retry)) {
          this.#counters.retriesTotal++;
          await sleep(retryDelayMs(retry));
          retry++;
          continue;
        }
        const final =
          this.#closed && error.reason !== 'timeout' ? new StoreUnavailableError('closed') : error;
        this.#counters.errorsTotal++;
        this.#done(started, args, final.reason);
        throw final;
      }
    }
  }

  #done(started: number, args: readonly RedisArg[], error: string | undefined): void {
    const ms = performance.now() - started;
    this.#latency.record(ms);
    if (commandsObserved()) {
      publishCommand({
        pool: this.name,
        command: commandName(args),
        durationMs: ms,
        ...(error ? { error } : {}),
      });
    }
  }

  #attempt(
    args: readonly RedisArg[],
    fallback: readonly RedisArg[] | undefined,
    firstKey: string | undefined,
  ): Promise<unknown> {
    if (this.#closed) return Promise.reject(new StoreUnavailableError('closed'));
    const timeout = this.#config.commandTimeoutMs;
    const conn = this.#pick();
    if (conn) {
      conn.reserve();
      return conn.execute(args, firstKey, timeout, this.#onTimeout, fallback);
    }
    return this.#waitForConnection().then((c) =>
      c.execute(args, firstKey, timeout, this.#onTimeout, fallback),
    );
  }

  readonly #onTimeout = (conn: Connection): void => {
    this.#counters.timeoutsTotal++;
    this.#event('timeout', conn.id);
    // A stalled connection is found within one health timeout, not one interval.
    void this.#health.check(conn);
  };

  /** The usable connection with the fewest commands in flight below the cap. */
  #pick(): Connection | undefined {
    const conns = this.#conns;
    const n = conns.length;
    let best: Connection | undefined;
    const start = this.#rr;
    this.#rr = (start + 1) % n;
    for (let i = 0; i < n; i++) {
      const c = conns[(start + i) % n]!;
      if (!c.usable || c.inFlight >= this.#cap) continue;
      if (c.inFlight === 0) return c;
      if (!best || c.inFlight < best.inFlight) best = c;
    }
    return best;
  }

  #waitForConnection(): Promise<Connection> {
    if (!this.#conns.some((c) => c.usable)) return Promise.reject(this.#disconnected());
    if (this.#waiters.length >= this.#config.maxPending) {
      this.#counters.exhaustedTotal++;
      this.#event('exhausted', undefined, 'queue full');
      return Promise.reject(new PoolExhaustedError());
    }
    return new Promise<Connection>((resolve, reject) => {
      const waiter: Waiter = {
        resolve,
        reject,
        timer: setTimeout(() => {
          const i = this.#waiters.indexOf(waiter);
          if (i >= 0) this.#waiters.splice(i, 1);
          this.#counters.exhaustedTotal++;
          this.#counters.acquireTimeoutsTotal++;
          this.#event('exhausted', undefined, 'acquire timeout');
          reject(
            new PoolExhaustedError(
              `No Redis connection became free within ${this.#config.acquireTimeoutMs} ms`,
            ),
          );
        }, this.#config.acquireTimeoutMs),
      };
      this.#waiters.push(waiter);
    });
  }

  #drain(): void {
    while (this.#waiters.length > 0) {
      const conn = this.#pick();
      if (!conn) return;
      const waiter = this.#waiters.shift()!;
      clearTimeout(waiter.timer);
      conn.reserve();
      waiter.resolve(conn);
    }
  }

  #failWaitersIfNoneUsable(): void {
    if (this.#waiters.length === 0 || this.#conns.some((c) => c.usable)) return;
    for (const w of this.#waiters.splice(0)) {
      clearTimeout(w.timer);
      w.reject(this.#disconnected());
    }
  }

  /**
   * No connection is up. Provably unsent, so a retry is safe, but it is only worth it
   * while a reconnect is under way; once reconnects fail, fail fast (Redis is down).
   */
  #disconnected(): StoreUnavailableError {
    const err = new StoreUnavailableError('disconnected', 'No connection to the session store is up');
    return this.#conns.some((c) => c.reconnecting) ? markNotSent(err) : markFinal(err);
  }

  // --- state -------------------------------------------------------------------

  isHealthy(): boolean {
    return !this.#closed && this.#conns.some((c) => c.usable);
  }

  stats(): PoolStatsSnapshot {
    return buildSnapshot({
      name: this.name,
      mode: this.#config.poolMode,
      topology: this.#config.mode,
      maxConnections: this.#conns.length,
      pending: this.#waiters.length,
      maxPending: this.#config.maxPending,
      healthy: this.isHealthy(),
      connections: this.#conns.map((c) => c.snapshot()),
      counters: this.#counters,
      latency: this.#latency,
      healthCheckIntervalMs: this.#config.healthCheckIntervalMs,
      commandTimeoutMs: this.#config.commandTimeoutMs,
    });
  }

  /** Runs one health-check round now (tests, readiness probes). */
  checkHealth(): Promise<void> {
    return this.#health.checkAll();
  }

  #event(type: PoolEventType, connection?: number, detail?: string): void {
    publishEvent({
      pool: this.name,
      type,
      ...(connection === undefined ? {} : { connection }),
      ...(detail === undefined ? {} : { detail }),
    });
  }
}
