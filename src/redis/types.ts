/**
 * The contract between the Redis store and the pool. The store never touches a client
 * directly: it sends commands and scripts through a `RedisExecutor`, saying whether a
 * command is safe to repeat. The pool decides connections, timeouts and retries.
 */
export type RedisArg = string | Buffer;
export type RedisReply = string | number | bigint | null | Buffer | RedisReply[];

export interface CommandOptions {
  /**
   * True when running the command twice has the same effect as once (reads, SET of a
   * fixed value, DEL ...). Only such commands are retried after they may have reached
   * Redis. Non-idempotent commands are retried only when provably never written.
   * Defaults to false: a command is unsafe to repeat unless the caller says otherwise.
   */
  idempotent?: boolean;
}

/** A Lua script; the pool uses EVALSHA and falls back to EVAL on NOSCRIPT. */
export interface LuaScript {
  readonly name: string;
  readonly source: string;
  readonly sha1: string;
  /** Number of KEYS the script takes (for documentation and cluster routing). */
  readonly numberOfKeys: number;
}

export interface RedisExecutor {
  /** Runs one command. `args[0]` is the command name; the first key routes it in Cluster mode. */
  command(args: readonly RedisArg[], options?: CommandOptions): Promise<RedisReply>;
  /** Runs a Lua script atomically. All keys must hash to one slot (use hash tags). */
  script(
    script: LuaScript,
    keys: readonly string[],
    args: readonly RedisArg[],
    options?: CommandOptions,
  ): Promise<RedisReply>;
}

/** A point-in-time copy of the pool's state (undici-style stats snapshot). */
export interface PoolStatsSnapshot {
  /** Configured size for this process. */
  max_connections: number;
  /** Connections currently open and ready. */
  open: number;
  /** Connections with at least one command in flight (multiplexed) or checked out (exclusive). */
  in_use: number;
  /** Open connections that are idle. */
  available_connections: number;
  /** Callers waiting for a connection. */
  pending: number;
  /** in_use / max_connections * 100, rounded to one decimal. */
  utilization_percent: number;
  /** Commands currently in flight across all connections. */
  commands_in_flight: number;
  commands_total: number;
  exhausted_total: number;
  errors_total: number;
  timeouts_total: number;
  retries_total: number;
  reconnects_total: number;
  health_check_failures_total: number;
  /** ISO time of the last completed health check, or null before the first. */
  last_health_check: string | null;
  healthy: boolean;
  mode: string;
  /** Command latency summary in milliseconds since start. */
  command_latency_ms: { count: number; mean: number; p50: number; p95: number; p99: number; max: number };
  // --- Optional additions (the pool fills them; other producers may leave them out) ---
  /** Pool name (logs, metrics label). */
  name?: string;
  /** standalone | sentinel | cluster. */
  topology?: string;
  /** Bound of the wait queue. */
  max_pending?: number;
  /** Acquisitions that timed out in the wait queue (a subset of exhausted_total). */
  acquire_timeouts_total?: number;
  health_check_interval_ms?: number;
  command_timeout_ms?: number;
  /** Per-connection state. */
  connections?: ConnectionStatsSnapshot[];
}

export interface ConnectionStatsSnapshot {
  id: number;
  /** idle (never opened), connecting, ready, down (waiting to reconnect), closed. */
  state: 'idle' | 'connecting' | 'ready' | 'down' | 'closed';
  /** Result of its last health check (true until the first one fails). */
  healthy: boolean;
  in_flight: number;
  health_check_failures: number;
  /** ISO time of its last health check, or null. */
  last_health_check: string | null;
  /** Consecutive failed reconnect attempts. */
  reconnect_attempts: number;
}

export interface RedisPool extends RedisExecutor {
  /**
   * Opens the pool. Resolves when at least one connection is ready; rejects with a
   * clear error (wrong password, unreachable host) within the connect timeout.
   */
  connect(): Promise<void>;
  stats(): PoolStatsSnapshot;
  /** True when at least one connection is open and passed its last health check. */
  isHealthy(): boolean;
  /** Closes every connection; pending and new commands fail with StoreUnavailableError('closed'). */
  close(): Promise<void>;
}
