/**
 * What /health and /health/redis show of the store: each engine answers for itself
 * (`Store.health()`), so the routes never ask which engine is in use.
 */

/** The Redis server as last read on the health-check cadence (docs/sessions.md). */
export interface RedisStateReport {
  checked_at: string | null;
  persistence: string;
  maxmemory_policy: string | null;
  evicted_keys: number;
  evicted_since_last_check: number;
  used_memory_bytes: number;
  maxmemory_bytes: number;
  role: string;
  /** Every recorded session end is applied on the current server. */
  revocations_confirmed: boolean;
  revocation_replays: number;
  last_replay: { at: string; revocations: number; duration_ms: number } | null;
  warnings: string[];
  /** Why the store is degraded now (empty when it is not). */
  reasons: string[];
}

/**
 * An engine that keeps its state inside this process: nothing to reach, one process
 * only. /health/redis answers `not_configured` and shows `notice` first.
 */
export interface InProcessHealth {
  /** The engine's name (`store` in /health and /health/redis). */
  engine: string;
  shared: false;
  notice: string;
}

/** An engine whose state lives on a server every worker and instance shares. */
export interface SharedHealth {
  /** The engine's name (`store` in /health and /health/redis). */
  engine: string;
  shared: true;
  /** The server answered one bounded round trip now; when not, the health routes answer 503. */
  reachable: boolean;
  /** Commands the server has processed (0 when unreachable). */
  commandsProcessed: number;
  /** The server as last read; absent when it is not watched. */
  state?: RedisStateReport;
  /** What this deployment cannot keep, read at start (shown when there is no `state`). */
  warnings: readonly string[];
}

export type StoreHealth = InProcessHealth | SharedHealth;
