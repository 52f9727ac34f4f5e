/**
 * The Redis pool: N connections ("lanes") in one of two modes.
 *
 * - multiplexed (default): every lane pipelines up to `maxInFlightPerConnection`
 *   commands; each command goes to the usable lane with the fewest in flight (lanes.ts).
 * - exclusive: a lane carries one command at a time (checkout semantics, like
 *   node-redis `createClientPool`), for comparison in the benchmark.
 *
 * When every lane is at its cap, callers wait in a FIFO queue bounded by `maxPending`
 * for at most `acquireTimeoutMs` (then PoolExhaustedError). When no lane is up, calls
 * fail fast with StoreUnavailableError('disconnected'). Each command is bounded by
 * `commandTimeoutMs` (StoreTimeoutError). Retries follow retry.ts; every finished call
 * is published on the command channel (events.ts) for metrics.
 */
import { performance } from 'node:perf_hooks';
import { PoolExhaustedError, StoreUnavailableError } from '../errors.js';
import { WaitQueue } from '../util/wait-queue.js';
import { openConnections } from './connect.js';
import { connectError } from './connect-error.js';
import { Connection } from './connection.js';
import { commandsObserved, publishCommand, publishEvent, type PoolEventType } from './events.js';
import { HealthMonitor } from './health.js';
import { Lanes } from './lanes.js';
import { LatencyRecorder } from './latency.js';
import { describeError } from './logger.js';
import type { PoolOptions } from './options.js';
import { markFinal, markNotSent, retryAfter } from './retry.js';
import { commandName, firstKeyOf } from './routing.js';
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

export class Pool implements RedisPool {
  readonly name: string;
  readonly #options: PoolOptions;
  readonly #lanes: Lanes;
  readonly #counters = new PoolCounters();
  readonly #latency = new LatencyRecorder();
  readonly #health: HealthMonitor;
  readonly #waiters: WaitQueue<Connection>;
  #closed = false;
  #connectPromise: Promise<void> | undefined;
  #closePromise: Promise<void> | undefined;

  constructor(options: PoolOptions) {
    if (options.size < 1) throw new RangeError('the pool needs at least one connection');
    this.name = options.name;
    this.#options = options;
    const events = {
      onReady: (conn: Connection) => {
        this.#event('connection_ready', conn.id);
        this.#drain();
      },
      onDown: (conn: Connection, cause: unknown) => {
        this.#event('connection_down', conn.id, describeError(cause).message);
        if (!this.#lanes.anyUsable()) this.#waiters.rejectAll(() => this.#disconnected());
      },
      onRelease: () => {
        if (this.#waiters.length > 0) this.#drain();
      },
      onReconnectAttempt: (conn: Connection) => {
        this.#counters.reconnectsTotal++;
        this.#event('reconnect_attempt', conn.id);
      },
    };
    const connections = Array.from(
      { length: options.size },
      (_, id) =>
        new Connection({
          id,
          factory: options.backends,
          connectTimeoutMs: options.connectTimeoutMs,
          backoff: options.reconnectBackoff,
          logger: options.logger,
          target: options.target,
          events,
          commandTimeoutMs: options.commandTimeoutMs,
          onTimeout: this.#onTimeout,
        }),
    );
    this.#lanes = new Lanes(connections, options.maxInFlightPerConnection);
    this.#waiters = new WaitQueue<Connection>({
      capacity: options.maxPending,
      timeoutMs: options.acquireTimeoutMs,
      onFull: () => this.#exhausted('queue full'),
      onTimeout: () => {
        this.#counters.acquireTimeoutsTotal++;
        return this.#exhausted(
          'acquire timeout',
          `No Redis connection became free within ${options.acquireTimeoutMs} ms`,
        );
      },
    });
    this.#health = new HealthMonitor({
      intervalMs: options.healthCheckIntervalMs,
      timeoutMs: options.healthCheckTimeoutMs,
      counters: this.#counters,
      logger: options.logger,
      connections: () => this.#lanes.all,
      onFailure: (conn) => this.#event('health_check_failed', conn.id),
    });
  }

  // --- lifecycle ---------------------------------------------------------------

  connect(): Promise<void> {
    if (this.#closed) return Promise.reject(new StoreUnavailableError('closed'));
    this.#connectPromise ??= this.#open().catch((err: unknown) => {
      this.#connectPromise = undefined;
      throw err;
    });
    return this.#connectPromise;
  }

  async #open(): Promise<void> {
    const { target, logger } = this.#options;
    const outcome = await openConnections(this.#lanes.all);
    if (this.#closed) throw new StoreUnavailableError('closed');
    if (!outcome.ready) {
      for (const conn of this.#lanes.all) conn.reset();
      const err = connectError(outcome.firstError, target);
      logger.error({ target, err: describeError(err) }, 'redis pool could not connect');
      throw err;
    }
    // Connections that failed (or fail) their first attempt join the reconnect loop.
    void outcome.settled.then(() => {
      for (const conn of this.#lanes.all) if (conn.state === 'down') conn.scheduleReconnect();
    });
    this.#health.start();
    this.#event('connected');
    logger.info(
      { pool: this.name, target, mode: this.#options.mode, size: this.#lanes.size },
      'redis pool connected',
    );
  }

  close(): Promise<void> {
    this.#closePromise ??= this.#close();
    return this.#closePromise;
  }

  async #close(): Promise<void> {
    this.#closed = true;
    this.#health.stop();
    this.#waiters.rejectAll(() => new StoreUnavailableError('closed'));
    const grace = Math.min(this.#options.commandTimeoutMs, 1000);
    await Promise.all(this.#lanes.all.map((c) => c.close(grace)));
    this.#event('closed');
    this.#options.logger.info({ pool: this.name }, 'redis pool closed');
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

  /**
   * One call: the first attempt directly, the retry loop (retry.ts) only when it failed.
   * Every call ends in `#done` (latency, command channel) exactly once.
   */
  #run(
    args: readonly RedisArg[],
    fallback: readonly RedisArg[] | undefined,
    firstKey: string | undefined,
    idempotent: boolean,
  ): Promise<RedisReply> {
    const started = performance.now();
    this.#counters.commandsTotal++;
    return this.#attempt(args, fallback, firstKey).then(
      (reply) => {
        this.#done(started, args, undefined);
        return reply as RedisReply;
      },
      (err: unknown) =>
        retryAfter(
          err,
          () => this.#attempt(args, fallback, firstKey),
          idempotent,
          this.#isClosed,
          this.#onRetry,
        ).then(
          (reply) => {
            this.#done(started, args, undefined);
            return reply as RedisReply;
          },
          (failure: unknown) => {
            const error = failure as StoreUnavailableError;
            const final =
              this.#closed && error.reason !== 'timeout' ? new StoreUnavailableError('closed') : error;
            this.#counters.errorsTotal++;
            this.#done(started, args, final.reason);
            throw final;
          },
        ),
    );
  }

  readonly #isClosed = (): boolean => this.#closed;

  readonly #onRetry = (): void => {
    this.#counters.retriesTotal++;
  };

  #done(started: number, args: readonly RedisArg[], error: string | undefined): void {
    const durationMs = performance.now() - started;
    this.#latency.record(durationMs);
    if (commandsObserved()) {
      publishCommand({
        pool: this.name,
        source: this,
        command: commandName(args),
        durationMs,
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
    const conn = this.#lanes.pick();
    if (conn) {
      conn.reserve();
      return conn.execute(args, firstKey, fallback);
    }
    return this.#waitForConnection().then((c) => c.execute(args, firstKey, fallback));
  }

  readonly #onTimeout = (conn: Connection): void => {
    this.#counters.timeoutsTotal++;
    this.#event('timeout', conn.id);
    // A stalled connection is found within one health timeout, not one interval.
    void this.#health.check(conn);
  };

  #waitForConnection(): Promise<Connection> {
    if (!this.#lanes.anyUsable()) return Promise.reject(this.#disconnected());
    return this.#waiters.wait();
  }

  /** Hands free capacity to waiters, oldest first, while there is some. */
  #drain(): void {
    while (this.#waiters.length > 0) {
      const conn = this.#lanes.pick();
      if (!conn) return;
      conn.reserve();
      this.#waiters.handOver(conn);
    }
  }

  #exhausted(detail: string, message?: string): PoolExhaustedError {
    this.#counters.exhaustedTotal++;
    this.#event('exhausted', undefined, detail);
    return new PoolExhaustedError(message);
  }

  /**
   * No connection is up. Provably unsent, so a retry is safe, but it is only worth it
   * while a reconnect is under way; once reconnects fail, fail fast (Redis is down).
   */
  #disconnected(): StoreUnavailableError {
    const err = new StoreUnavailableError('disconnected', 'No connection to the session store is up');
    return this.#lanes.anyReconnecting() ? markNotSent(err) : markFinal(err);
  }

  // --- state -------------------------------------------------------------------

  isHealthy(): boolean {
    return !this.#closed && this.#lanes.anyUsable();
  }

  stats(): PoolStatsSnapshot {
    const o = this.#options;
    return buildSnapshot({
      name: this.name,
      mode: o.mode,
      topology: o.topology,
      maxConnections: this.#lanes.size,
      pending: this.#waiters.length,
      maxPending: o.maxPending,
      healthy: this.isHealthy(),
      connections: this.#lanes.snapshots(),
      counters: this.#counters,
      latency: this.#latency,
      healthCheckIntervalMs: o.healthCheckIntervalMs,
      commandTimeoutMs: o.commandTimeoutMs,
    });
  }

  /** Runs one health-check round now (tests, readiness probes). */
  checkHealth(): Promise<void> {
    return this.#health.checkAll();
  }

  #event(type: PoolEventType, connection?: number, detail?: string): void {
    publishEvent({
      pool: this.name,
      source: this,
      type,
      ...(connection === undefined ? {} : { connection }),
      ...(detail === undefined ? {} : { detail }),
    });
  }
}
