/**
 * Admission for password hashing, the one CPU-heavy step (argon2id, ~10-15 ms of a core
 * each). At most `concurrency` hashes run; the others wait in line for a slot, and a slot
 * is held only while its hash runs (the database lookup and the session writes happen
 * outside it). Two policies:
 *
 * `predicted-wait` (the service's default): a caller joins the line while its predicted
 * wait stays within `maxWaitMs` (a bound people accept on a login form, seconds); the
 * prediction is its place in line over the measured hash rate (`concurrency` slots over
 * an exponentially weighted mean of how long a hash holds a slot, quick to follow a
 * slowdown and slow to believe a speed-up: `nextMeanRunMs`). A caller predicted to
 * wait longer is refused at once with 503 `overloaded` and Retry-After set to the
 * predicted wait. A burst the slots clear within the bound is served whole, oldest first;
 * under a flood the line holds about rate x bound callers and the excess hears no at once
 * (before its database lookup). A waiter still without a slot at twice the bound (the
 * prediction was wrong: the machine slowed down) is refused then.
 *
 * `bounded-queue` (the earlier policy, kept for comparison and for the password-strength
 * checks): at most `maxQueue` wait, none longer than `maxWaitMs`. With the `adaptive`
 * order, while the queue stands (overload) it is also kept no longer than the waiters the
 * slots can serve within `overloadWaitMs`: `approach` refuses newcomers past that length,
 * one that joins anyway pushes out the oldest waiter, and every arrival also ends the
 * waits already longer than `overloadWaitMs` (docs/benchmarks.md compares the two).
 */
import { OverloadedError } from '../errors.js';
import type { HashingStats } from '../metrics/hashing-metrics.js';
import { WaitQueue } from '../util/wait-queue.js';

export interface AdmissionOptions {
  concurrency: number;
  maxQueue: number;
  /** predicted-wait: the longest predicted wait admitted; bounded-queue: the longest wait. */
  maxWaitMs: number;
  /** How callers are admitted (see the module comment); default `bounded-queue`. */
  policy?: 'predicted-wait' | 'bounded-queue';
  /** predicted-wait: a hash's time before any was measured here, in ms (default 50). */
  initialRunMs?: number;
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

/**
 * The weights of one new hash time in the mean: a slower hash counts at once, a faster
 * one a little. The prediction admits bound / mean callers; one quick hash (the event
 * loop idle for a moment) would otherwise let in a longer line than the usual rate
 * clears within the bound, and those at its end would wait past it.
 */
const SLOWER_WEIGHT = 0.2;
const FASTER_WEIGHT = 0.02;

/** The mean hash time after one more hash of `ms` (the first one sets it). */
export function nextMeanRunMs(mean: number, ms: number): number {
  if (mean === 0) return ms;
  return mean + (ms > mean ? SLOWER_WEIGHT : FASTER_WEIGHT) * (ms - mean);
}

/** What `stats` reports; the metrics module reads the same shape (src/metrics/hashing-metrics.ts). */
export type AdmissionStats = HashingStats;

export class Admission {
  readonly #concurrency: number;
  readonly #maxQueue: number;
  readonly #maxWaitMs: number;
  readonly #predicted: boolean;
  readonly #queue: WaitQueue<void>;
  readonly #overloadWaitMs: number;
  #running = 0;
  #approaching = 0;
  #rejectedTotal = 0;
  /** Of those, refused after waiting (the wait bound passed before a slot came). */
  #timedOutTotal = 0;
  /** Time spent in `fn` by every run so far, in ms (busy slot time). */
  #busyMs = 0;
  /** Exponentially weighted mean of how long one `fn` runs, in ms (0: none measured yet). */
  #meanRunMs = 0;
  readonly #initialRunMs: number;

  constructor(options: AdmissionOptions) {
    this.#concurrency = options.concurrency;
    this.#maxQueue = options.maxQueue;
    this.#maxWaitMs = options.maxWaitMs;
    this.#predicted = options.policy === 'predicted-wait';
    this.#initialRunMs = options.initialRunMs ?? 50;
    this.#overloadWaitMs = Math.min(
      options.overloadWaitMs ?? options.overloadMs ?? options.maxWaitMs,
      options.maxWaitMs,
    );
    const refuse = (): Error => {
      this.#rejectedTotal++;
      return new OverloadedError(this.#predicted ? this.#retryAfterSeconds() : undefined);
    };
    this.#queue = new WaitQueue({
      capacity: options.maxQueue,
      // predicted-wait: a waiter was told it would wait at most maxWaitMs; twice that means the
      // prediction failed (the machine slowed down), and the wait ends there.
      timeoutMs: this.#predicted ? 2 * options.maxWaitMs : options.maxWaitMs,
      onFull: refuse,
      onTimeout: () => {
        this.#timedOutTotal++;
        return refuse();
      },
      order: this.#predicted ? 'fifo' : (options.queueOrder ?? 'fifo'),
      overloadMs: options.overloadMs,
      overloadWaitMs: this.#overloadWaitMs,
    });
  }

  /**
   * How long a caller arriving now would wait for a slot, in ms: its place in line (the
   * callers waiting and on their way, beyond the free slots) over the slots' measured rate.
   */
  predictedWaitMs(): number {
    const ahead = this.#running + this.#queue.length + this.#approaching - this.#concurrency;
    if (ahead < 0) return 0;
    return ((ahead + 1) * this.#hashMs()) / this.#concurrency;
  }

  /** Retry-After for a refusal: the predicted wait, in whole seconds (at least 1). */
  #retryAfterSeconds(waitMs = this.predictedWaitMs()): number {
    return Math.max(1, Math.ceil(waitMs / 1000));
  }

  #hashMs(): number {
    return this.#meanRunMs > 0 ? this.#meanRunMs : this.#initialRunMs;
  }

  /** predicted-wait: refuses (counted) a caller predicted to wait longer than the bound. */
  #refuseIfTooLong(): void {
    if (!this.#predicted) return;
    const wait = this.predictedWaitMs();
    const lineFull =
      this.#running >= this.#concurrency && this.#queue.length + this.#approaching >= this.#maxQueue;
    if (wait > this.#maxWaitMs || lineFull) {
      this.#rejectedTotal++;
      throw new OverloadedError(this.#retryAfterSeconds(wait));
    }
  }

  /**
   * Starts the way to a hash, or refuses it (503 overloaded, counted): predicted-wait,
   * when its predicted wait exceeds the bound; bounded-queue, when every slot is busy and
   * the waiters plus the callers already on their way fill the queue (or, in adaptive
   * order under overload, reach what the slots can serve within `overloadWaitMs`).
   * Callers approach before the work that precedes hashing (a database lookup, limit
   * checks), so a flood's excess costs no more than its parsing; they end the approach
   * with its `run` (not judged again), or with `leave` when they fail on the way.
   */
  approach(): Approach {
    if (this.#predicted) this.#refuseIfTooLong();
    else {
      this.#dropStale();
      if (this.#running >= this.#concurrency) {
        const waiting = this.#queue.length + this.#approaching;
        if (waiting >= this.#maxQueue || (this.#queue.overloaded && waiting >= this.#servable())) {
          this.#rejectedTotal++;
          throw new OverloadedError();
        }
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
        return this.#run(fn, true);
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

  /** Runs `fn` in a hashing slot, waiting for one if admitted (see the policies). */
  run<T>(fn: () => Promise<T>): Promise<T> {
    return this.#run(fn, false);
  }

  async #run<T>(fn: () => Promise<T>, admitted: boolean): Promise<T> {
    await this.#acquire(admitted);
    const started = performance.now();
    try {
      return await fn();
    } finally {
      const ms = performance.now() - started;
      this.#busyMs += ms;
      this.#meanRunMs = nextMeanRunMs(this.#meanRunMs, ms);
      this.#release();
    }
  }

  #acquire(admitted: boolean): Promise<void> {
    if (this.#running < this.#concurrency) {
      this.#running++;
      this.#queue.idle();
      return Promise.resolve();
    }
    if (this.#predicted) {
      if (!admitted) this.#refuseIfTooLong();
    } else if (this.#queue.overloaded) {
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
      timed_out_total: this.#timedOutTotal,
      busy_seconds_total: this.#busyMs / 1000,
      hash_seconds: this.#hashMs() / 1000,
      predicted_wait_seconds: this.predictedWaitMs() / 1000,
    };
  }
}
