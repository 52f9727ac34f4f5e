/**
 * Bounded admission for password hashing, the one CPU-heavy step (argon2id, ~10 ms of
 * a core each). Without it a login flood queues unboundedly in the libuv thread pool:
 * by the time a hash runs its client has given up, every core works for nobody and
 * goodput collapses. Here at most `concurrency` hashes run, at most `maxQueue` callers
 * wait, none longer than `maxWaitMs`; the rest are refused at once with 503 +
 * Retry-After, so the hashes that do run are ones a client is still waiting for.
 *
 * With the `adaptive` order, while the queue stands (overload) it is also kept no longer
 * than the waiters the slots can serve within `overloadWaitMs` (from the mean time of a
 * hash): `approach` refuses newcomers past that length before their database lookup,
 * and one that joins anyway (it passed the check while others were looking up) pushes
 * out the oldest waiter, who would only have waited longer for nothing; every arrival
 * also ends the waits already longer than `overloadWaitMs`. Under a flood nobody waits
 * much longer than `overloadWaitMs`, and most of the excess costs no lookup.
 */
import { OverloadedError } from '../errors.js';
import type { HashingStats } from '../metrics/hashing-metrics.js';
import { WaitQueue } from '../util/wait-queue.js';

export interface AdmissionOptions {
  concurrency: number;
  maxQueue: number;
  maxWaitMs: number;
  /**
   * Which waiter gets a freed slot: the oldest (default), the newest, or `adaptive` (the
   * oldest until logins have waited `overloadMs` with no spare slot, then the newest, and
   * waits of at most `overloadWaitMs`; see src/util/wait-queue.ts).
   */
  queueOrder?: 'fifo' | 'lifo' | 'adaptive';
  /** adaptive: how long a standing queue means overload, and then the longest wait. */
  overloadMs?: number;
  /** adaptive, under overload: the longest wait (default: `overloadMs`). */
  overloadWaitMs?: number;
}

/**
 * A caller on its way to a hash (between `Admission.approach` and its `run`): counted with
 * the queue, so callers still doing their lookups are not all let through at once.
 */
export interface Approach {
  /** Runs `fn` in a hashing slot, as `Admission.run`; the approach ends here. */
  run<T>(fn: () => Promise<T>): Promise<T>;
  /** Ends the approach without hashing (it failed on the way); harmless after `run`. */
  leave(): void;
}

/** What `stats` reports; the metrics module reads the same shape (src/metrics/hashing-metrics.ts). */
export type AdmissionStats = HashingStats;

export class Admission {
  readonly #concurrency: number;
  readonly #maxQueue: number;
  readonly #queue: WaitQueue<void>;
  readonly #overloadWaitMs: number;
  #running = 0;
  #approaching = 0;
  #rejectedTotal = 0;
  /** Time spent in `fn` by every run so far, in ms (busy slot time). */
  #busyMs = 0;
  /** Exponentially weighted mean of how long one `fn` runs, in ms (0: none measured yet). */
  #meanRunMs = 0;

  constructor(options: AdmissionOptions) {
    this.#concurrency = options.concurrency;
    this.#maxQueue = options.maxQueue;
    this.#overloadWaitMs = Math.min(
      options.overloadWaitMs ?? options.overloadMs ?? options.maxWaitMs,
      options.maxWaitMs,
    );
    const refuse = (): Error => {
      this.#rejectedTotal++;
      return new OverloadedError();
    };
    this.#queue = new WaitQueue({
      capacity: options.maxQueue,
      timeoutMs: options.maxWaitMs,
      onFull: refuse,
      onTimeout: refuse,
      order: options.queueOrder ?? 'fifo',
      overloadMs: options.overloadMs,
      overloadWaitMs: this.#overloadWaitMs,
    });
  }

  /**
   * Starts the way to a hash, or refuses it (503 overloaded, counted) when every slot is
   * busy and the waiters plus the callers already on their way fill the queue (or, in
   * adaptive order under overload, reach what the slots can serve within `overloadWaitMs`).
   * Callers approach before the work that precedes hashing (a database lookup, limit
   * checks), so a flood's excess costs no more than its parsing; they end the approach
   * with its `run`, or with `leave` when they fail on the way.
   */
  approach(): Approach {
    this.#dropStale();
    if (this.#running >= this.#concurrency) {
      const waiting = this.#queue.length + this.#approaching;
      if (waiting >= this.#maxQueue || (this.#queue.overloaded && waiting >= this.#servable())) {
        this.#rejectedTotal++;
        throw new OverloadedError();
      }
    }
    this.#approaching++;
    let on = true;
    const leave = (): void => {
      if (!on) return;
      on = false;
      this.#approaching--;
    };
    return {
      run: <T>(fn: () => Promise<T>): Promise<T> => {
        leave();
        return this.run(fn);
      },
      leave,
    };
  }

  /**
   * Under overload (adaptive order), refuses the waiters that have waited longer than
   * `overloadWaitMs` (they joined before the overload was seen, with the long wait): under a
   * standing queue nobody is kept much longer than that, whoever arrives next.
   */
  #dropStale(): void {
    if (!this.#queue.overloaded) return;
    while (this.#queue.oldestWaitMs > this.#overloadWaitMs && this.#queue.dropOldest());
  }

  /** How many waiters the slots can serve within `overloadWaitMs`, at the mean hash time (at least 1). */
  #servable(): number {
    if (this.#meanRunMs <= 0) return Number.POSITIVE_INFINITY;
    return Math.max(1, Math.ceil((this.#concurrency * this.#overloadWaitMs) / this.#meanRunMs));
  }

  async run<T>(fn: () => Promise<T>): Promise<T> {
    await this.#acquire();
    const started = performance.now();
    try {
      return await fn();
    } finally {
      const ms = performance.now() - started;
      this.#busyMs += ms;
      this.#meanRunMs = this.#meanRunMs === 0 ? ms : this.#meanRunMs + 0.2 * (ms - this.#meanRunMs);
      this.#release();
    }
  }

  #acquire(): Promise<void> {
    if (this.#running < this.#concurrency) {
      this.#running++;
      this.#queue.idle();
      return Promise.resolve();
    }
    if (this.#queue.overloaded) {
      this.#dropStale();
      const servable = this.#servable();
      while (this.#queue.length >= servable && this.#queue.dropOldest());
    }
    return this.#queue.wait();
  }

  #release(): void {
    // The slot passes straight to a waiter, if any (which one: the queue's order).
    if (!this.#queue.handOver()) this.#running--;
  }

  /** A snapshot (a new object each time; nothing in it changes afterwards). */
  get stats(): AdmissionStats {
    return {
      slots: this.#concurrency,
      running: this.#running,
      queued: this.#queue.length,
      approaching: this.#approaching,
      overloaded: this.#queue.overloaded,
      rejected_total: this.#rejectedTotal,
      busy_seconds_total: this.#busyMs / 1000,
    };
  }
}
