/**
 * Periodic health checks: every `intervalMs` each ready connection gets a PING bounded
 * by `timeoutMs`. A connection that fails leaves rotation and reconnects with backoff.
 * The pool also asks for an immediate check of a connection after a command timed out
 * on it (a frozen or stalled connection is found in one health timeout, not one interval),
 * and one failed check triggers an immediate check of every other connection.
 */
import type { Connection } from './connection.js';
import type { PoolCounters } from './stats.js';
import type { PoolLogger } from './logger.js';

export interface HealthMonitorOptions {
  intervalMs: number;
  timeoutMs: number;
  counters: PoolCounters;
  logger: PoolLogger;
  connections: () => readonly Connection[];
  /** Called when a connection failed its check. */
  onFailure?: (conn: Connection) => void;
}

export class HealthMonitor {
  readonly #opts: HealthMonitorOptions;
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;

  constructor(opts: HealthMonitorOptions) {
    this.#opts = opts;
  }

  start(): void {
    if (this.#timer || this.#stopped) return;
    this.#timer = setInterval(() => {
      void this.checkAll();
    }, this.#opts.intervalMs);
    this.#timer.unref();
  }

  stop(): void {
    this.#stopped = true;
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** One round over every ready connection; resolves when all checks finished. */
  async checkAll(): Promise<void> {
    const ready = this.#opts.connections().filter((c) => c.state === 'ready');
    await Promise.all(ready.map((c) => this.check(c)));
    if (ready.length > 0) this.#opts.counters.lastHealthCheck = Date.now();
  }

  /** Checks one connection (no-op if a check of it is already running). */
  async check(conn: Connection): Promise<boolean> {
    if (this.#stopped || conn.checking || conn.state !== 'ready') return conn.usable;
    conn.checking = true;
    try {
      const ok = await conn.ping(this.#opts.timeoutMs);
      const now = Date.now();
      conn.lastHealthCheck = now;
      if (this.#stopped || conn.state !== 'ready') return ok;
      if (ok) {
        conn.healthy = true;
        return true;
      }
      conn.healthy = false;
      conn.healthFailures++;
      this.#opts.counters.healthCheckFailuresTotal++;
      this.#opts.logger.warn(
        { connection: conn.id, timeoutMs: this.#opts.timeoutMs },
        'redis health check failed; recycling connection',
      );
      this.#opts.onFailure?.(conn);
      conn.markDown(new Error('health check failed'));
      // The cause may be server-wide (frozen, failover): check the others now too.
      void this.checkAll();
      return false;
    } finally {
      conn.checking = false;
    }
  }
}
