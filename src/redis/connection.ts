/**
 * One pool connection ("lane"): a node-redis backend plus its state, in-flight count,
 * health record and reconnect loop. The pool reserves capacity on a lane (`reserve`),
 * then sends through it (`execute`); the reservation is released when Redis answers or
 * the connection dies, never merely when the caller gave up waiting, so a lane with a
 * stuck command is not handed out as free.
 */
import { StoreTimeoutError, StoreUnavailableError } from '../errors.js';
import type { Backend, BackendFactory } from './client.js';
import { describeError, type PoolLogger } from './logger.js';
import { isNoScript, markNotSent, reconnectDelayMs, type ReconnectBackoff } from './retry.js';
import type { ConnectionStatsSnapshot, RedisArg } from './types.js';
import { withTimeout } from '../util/timeout.js';
import { DeadlineList, type Deadline } from './deadlines.js';

export type ConnectionState = ConnectionStatsSnapshot['state'];

export interface ConnectionEvents {
  /** The lane became ready (first connect or reconnect). */
  onReady(conn: Connection): void;
  /** The lane left rotation. */
  onDown(conn: Connection, cause: unknown): void;
  /** Capacity was released (a command settled). */
  onRelease(conn: Connection): void;
  /** A reconnect attempt starts. */
  onReconnectAttempt(conn: Connection): void;
}

export interface ConnectionOptions {
  id: number;
  factory: BackendFactory;
  connectTimeoutMs: number;
  backoff: ReconnectBackoff;
  logger: PoolLogger;
  target: string;
  events: ConnectionEvents;
  /** The bound of one command, from send to reply. */
  commandTimeoutMs: number;
  /** A command on this connection timed out (the pool counts it and re-checks the lane). */
  onTimeout: (conn: Connection) => void;
}

export class Connection {
  readonly id: number;
  state: ConnectionState = 'idle';
  /** Reserved + written commands not yet settled. */
  inFlight = 0;
  healthy = true;
  healthFailures = 0;
  lastHealthCheck: number | null = null;
  reconnectAttempts = 0;
  /** A health check of this lane is running. */
  checking = false;

  readonly #opts: ConnectionOptions;
  readonly #deadlines: DeadlineList;
  #backend: Backend | undefined;
  #reconnectTimer: NodeJS.Timeout | undefined;
  /** Bumped on every (re)open so that stale callbacks of an old backend are ignored. */
  #generation = 0;

  constructor(opts: ConnectionOptions) {
    this.id = opts.id;
    this.#opts = opts;
    this.#deadlines = new DeadlineList(opts.commandTimeoutMs);
  }

  /** Ready and passed its last health check: may take commands. */
  get usable(): boolean {
    return this.state === 'ready' && this.healthy;
  }

  /**
   * Connecting now, or just dropped with its first reconnect attempt pending (a blip
   * that a short retry can ride out). False once reconnects have started failing.
   */
  get reconnecting(): boolean {
    return this.state === 'connecting' || (this.state === 'down' && this.reconnectAttempts === 0);
  }

  /**
   * Opens a fresh backend: TCP + handshake + a PING probe, all within the connect
   * timeout (node-redis' own connect timeout covers only the TCP part).
   */
  async open(): Promise<void> {
    if (this.state === 'closed') throw new StoreUnavailableError('closed');
    this.#dropBackend();
    const generation = ++this.#generation;
    this.state = 'connecting';
    const backend = this.#opts.factory(this.id, {
      onTerminated: (cause) => {
        if (generation === this.#generation) this.markDown(cause);
      },
      onError: (err) => {
        this.#opts.logger.debug({ connection: this.id, err: describeError(err) }, 'redis socket error');
      },
    });
    this.#backend = backend;
    const ms = this.#opts.connectTimeoutMs;
    try {
      await withTimeout(
        backend.connect().then(() => backend.send(['PING'], undefined)),
        ms,
        () => new StoreTimeoutError(`Connecting to Redis at ${this.#opts.target} timed out after ${ms} ms`),
      );
    } catch (err) {
      if (generation === this.#generation) {
        this.#dropBackend();
        if (this.state === 'connecting') this.state = 'down';
      }
      throw err;
    }
    if (generation !== this.#generation || this.state !== 'connecting') {
      // Closed or superseded while connecting.
      backend.destroy();
      throw new StoreUnavailableError('closed');
    }
    this.state = 'ready';
    this.healthy = true;
    this.reconnectAttempts = 0;
    this.#opts.events.onReady(this);
  }

  /** Takes one unit of capacity; the pool checked `usable` and the per-lane cap. */
  reserve(): void {
    this.inFlight++;
  }

  /** Gives back a reservation that was never used to send. */
  unreserve(): void {
    this.inFlight--;
    this.#opts.events.onRelease(this);
  }

  /**
   * Sends a command on a reserved slot. The returned promise settles with the reply, or
   * rejects at the command timeout with StoreTimeoutError while the reservation stays
   * held until Redis answers or the connection is recycled; `onTimeout` lets the pool
   * re-check the lane. `fallback` (EVAL for an EVALSHA) is sent on the same connection,
   * within the same timeout, when Redis answers NOSCRIPT: the slot is never given up in
   * between.
   */
  execute(
    args: readonly RedisArg[],
    firstKey: string | undefined,
    fallback?: readonly RedisArg[],
  ): Promise<unknown> {
    const backend = this.#backend;
    if (!backend || this.state !== 'ready') {
      this.unreserve();
      return Promise.reject(markNotSent(new StoreUnavailableError('disconnected')));
    }
    // No AbortSignal nor timer per command: the deadline list (deadlines.ts) bounds every
    // command with one timer per connection. A command that timed out keeps its place in
    // the reply queue.
    let underlying: Promise<unknown>;
    try {
      underlying = backend.send(args, firstKey);
    } catch (err) {
      this.unreserve();
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
    return new Promise<unknown>((resolve, reject) => {
      const pending = new PendingCommand(this, resolve, reject);
      this.#deadlines.add(pending);
      if (fallback) {
        underlying = underlying.catch((err: unknown) => {
          if (!isNoScript(err) || !pending.linked || this.#backend !== backend) throw err;
          return backend.send(fallback, firstKey);
        });
      }
      underlying.then(pending.fulfilled, pending.rejected);
    });
  }

  /** A command settled (answered or failed): it leaves the deadline list, its slot is freed. */
  settled(pending: PendingCommand): boolean {
    const inTime = pending.linked;
    this.#deadlines.remove(pending);
    this.unreserve();
    return inTime;
  }

  /** A command passed its deadline (the deadline list took it out already). */
  expired(pending: PendingCommand): void {
    pending.reject(new StoreTimeoutError(`Redis did not answer within ${this.#deadlines.timeoutMs} ms`));
    this.#opts.onTimeout(this);
  }

  /** Commands sent on this connection and not yet answered, failed or timed out. */
  get awaitingReply(): number {
    return this.#deadlines.size;
  }

  /** PING with a timeout, outside the in-flight accounting. Resolves true when healthy. */
  async ping(timeoutMs: number): Promise<boolean> {
    const backend = this.#backend;
    if (!backend || this.state !== 'ready') return false;
    try {
      const reply = await withTimeout(
        backend.send(['PING'], undefined),
        timeoutMs,
        () => new StoreTimeoutError('health check timed out'),
      );
      return reply === 'PONG';
    } catch {
      return false;
    }
  }

  /**
   * Takes the lane out of rotation, drops the backend (rejecting what is in flight) and
   * schedules a reconnect with jittered exponential backoff.
   */
  markDown(cause: unknown): void {
    // A failure while connecting is handled by open()'s caller.
    if (this.state !== 'ready') return;
    this.#generation++;
    this.#dropBackend();
    this.state = 'down';
    this.#opts.logger.warn(
      { connection: this.id, err: describeError(cause) },
      'redis connection lost; reconnecting',
    );
    this.#opts.events.onDown(this, cause);
    this.scheduleReconnect();
  }

  scheduleReconnect(): void {
    if (this.state === 'closed' || this.#reconnectTimer) return;
    const delay = reconnectDelayMs(this.reconnectAttempts, this.#opts.backoff);
    this.#reconnectTimer = setTimeout(() => {
      this.#reconnectTimer = undefined;
      if (this.state === 'closed') return;
      this.#opts.events.onReconnectAttempt(this);
      this.open().then(
        () => {
          this.#opts.logger.info({ connection: this.id }, 'redis connection re-established');
        },
        (err: unknown) => {
          if (this.state === 'closed') return;
          this.reconnectAttempts++;
          this.#opts.logger.debug(
            { connection: this.id, attempt: this.reconnectAttempts, err: describeError(err) },
            'redis reconnect failed',
          );
          this.scheduleReconnect();
        },
      );
    }, delay);
    this.#reconnectTimer.unref();
  }

  /** Returns the lane to `idle` without reconnecting (failed initial connect). */
  reset(): void {
    if (this.state === 'closed') return;
    this.#generation++;
    this.#dropBackend();
    this.state = 'idle';
  }

  /** Closes for good: waits up to `graceMs` for replies in flight, then destroys. */
  async close(graceMs: number): Promise<void> {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.#generation++;
    clearTimeout(this.#reconnectTimer);
    this.#reconnectTimer = undefined;
    const backend = this.#backend;
    this.#backend = undefined;
    if (!backend) {
      this.#deadlines.stop();
      return;
    }
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      backend.close(),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, graceMs);
      }),
    ]);
    clearTimeout(timer);
    backend.destroy();
    this.#deadlines.stop();
  }

  snapshot(): ConnectionStatsSnapshot {
    return {
      id: this.id,
      state: this.state,
      healthy: this.healthy,
      in_flight: this.inFlight,
      health_check_failures: this.healthFailures,
      last_health_check: this.lastHealthCheck === null ? null : new Date(this.lastHealthCheck).toISOString(),
      reconnect_attempts: this.reconnectAttempts,
    };
  }

  #dropBackend(): void {
    const backend = this.#backend;
    this.#backend = undefined;
    backend?.destroy();
  }
}

/**
 * One command in flight: its node in the connection's deadline list and the settle
 * functions of the caller's promise. `fulfilled` / `rejected` are created once per
 * command and handed to the reply promise's `then`.
 */
class PendingCommand implements Deadline {
  at = 0;
  prev: Deadline | undefined = undefined;
  next: Deadline | undefined = undefined;
  linked = false;
  readonly #conn: Connection;
  readonly #resolve: (reply: unknown) => void;
  readonly reject: (err: Error) => void;

  constructor(conn: Connection, resolve: (reply: unknown) => void, reject: (err: Error) => void) {
    this.#conn = conn;
    this.#resolve = resolve;
    this.reject = reject;
  }

  expire(): void {
    this.#conn.expired(this);
  }

  readonly fulfilled = (reply: unknown): void => {
    if (this.#conn.settled(this)) this.#resolve(reply);
  };

  readonly rejected = (err: unknown): void => {
    if (this.#conn.settled(this)) this.reject(err instanceof Error ? err : new Error(String(err)));
  };
}
