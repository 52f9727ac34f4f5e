/**
 * A bounded queue of callers waiting for something (a pool connection, a hashing slot),
 * each for at most `timeoutMs`, served oldest first (`fifo`, the default), newest first
 * (`lifo`), or `adaptive`: oldest first until callers have been waiting, with nothing
 * handed over to an empty queue, for `overloadMs`; then, until the owner next finds
 * nobody waiting, newest first and a newcomer waits at most `overloadWaitMs` (a
 * controlled-delay queue: a passing burst is served in order, a standing queue is
 * overload and its excess is answered quickly instead of after `timeoutMs`).
 * A doubly linked list: joining, handing over and leaving on timeout are all O(1),
 * however long the queue.
 *
 * The queue never decides what is handed over: its owner calls `handOver(value)` when
 * it has something to give. A full queue refuses at once with `onFull()`'s error; a
 * waiter whose time runs out is rejected with `onTimeout()`'s (the owner counts both
 * there).
 */
export interface WaitQueueOptions {
  /** At most this many callers wait at once (0: nobody may wait). */
  capacity: number;
  /** How long one caller may wait. */
  timeoutMs: number;
  /** The error for a caller refused because the queue is full. */
  onFull: () => Error;
  /** The error for a caller whose wait timed out. */
  onTimeout: () => Error;
  /** Who gets the next hand-over: the oldest waiter (default), the newest, or adaptive. */
  order?: 'fifo' | 'lifo' | 'adaptive';
  /** adaptive: how long the queue must stand non-empty to count as overloaded, and then the longest wait. */
  overloadMs?: number;
  /** adaptive: the longest wait of a newcomer while overloaded (default: `overloadMs`). */
  overloadWaitMs?: number;
}

interface Waiter<T> {
  resolve(value: T): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout;
  /** performance.now() when it joined. */
  joinedAt: number;
  prev: Waiter<T> | undefined;
  next: Waiter<T> | undefined;
}

export class WaitQueue<T> {
  readonly #options: WaitQueueOptions;
  #head: Waiter<T> | undefined;
  #tail: Waiter<T> | undefined;
  #length = 0;
  /**
   * Since when callers have been waiting without the owner finding the queue empty
   * (performance.now()); undefined when it last did. Waiters leaving on timeout do not
   * end it: only spare capacity (`handOver` with nobody waiting, or `idle()`) does.
   */
  #busySince: number | undefined;

  constructor(options: WaitQueueOptions) {
    this.#options = options;
  }

  /** How long the oldest waiter has waited, in ms (0 when nobody waits). */
  get oldestWaitMs(): number {
    return this.#head ? performance.now() - this.#head.joinedAt : 0;
  }

  /**
   * adaptive order only: whether callers have waited `overloadMs` or more with no spare
   * value handed over in between
   * (always false for fifo and lifo).
   */
  get overloaded(): boolean {
    if (this.#options.order !== 'adaptive' || this.#busySince === undefined) return false;
    return performance.now() - this.#busySince >= (this.#options.overloadMs ?? this.#options.timeoutMs);
  }

  /** The owner had something to give without anyone waiting for it: no standing queue. */
  idle(): void {
    if (this.#length === 0) this.#busySince = undefined;
  }

  /** Callers waiting now. */
  get length(): number {
    return this.#length;
  }

  /** Whether `wait()` now would be refused at once. */
  get full(): boolean {
    return this.#length >= this.#options.capacity;
  }

  /** Joins the queue: resolves with what `handOver` gives, or rejects (full, timed out, `rejectAll`). */
  wait(): Promise<T> {
    if (this.#length >= this.#options.capacity) return Promise.reject(this.#options.onFull());
    const timeoutMs = this.overloaded
      ? Math.min(
          this.#options.overloadWaitMs ?? this.#options.overloadMs ?? this.#options.timeoutMs,
          this.#options.timeoutMs,
        )
      : this.#options.timeoutMs;
    return new Promise<T>((resolve, reject) => {
      const waiter: Waiter<T> = {
        resolve,
        reject,
        timer: setTimeout(() => {
          this.#unlink(waiter);
          reject(this.#options.onTimeout());
        }, timeoutMs),
        joinedAt: performance.now(),
        prev: this.#tail,
        next: undefined,
      };
      if (this.#tail) this.#tail.next = waiter;
      else this.#head = waiter;
      this.#tail = waiter;
      this.#length++;
      this.#busySince ??= performance.now();
    });
  }

  /**
   * Gives `value` to the oldest waiter (`lifo`, or `adaptive` while overloaded: the
   * newest); false when nobody waits (the value stays the caller's).
   */
  handOver(value: T): boolean {
    const newest = this.#options.order === 'lifo' || this.overloaded;
    const waiter = newest ? this.#tail : this.#head;
    if (!waiter) {
      this.idle();
      return false;
    }
    this.#unlink(waiter);
    clearTimeout(waiter.timer);
    waiter.resolve(value);
    return true;
  }

  /**
   * Rejects the oldest waiter at once with `onTimeout()`'s error, as if its time had run
   * out (for an owner that knows the wait can no longer end well); false when nobody waits.
   */
  dropOldest(): boolean {
    const waiter = this.#head;
    if (!waiter) return false;
    this.#unlink(waiter);
    clearTimeout(waiter.timer);
    waiter.reject(this.#options.onTimeout());
    return true;
  }

  /** Rejects every waiter, oldest first, each with a fresh error; returns how many. */
  rejectAll(error: () => Error): number {
    let n = 0;
    for (let waiter = this.#head; waiter; waiter = this.#head) {
      this.#unlink(waiter);
      clearTimeout(waiter.timer);
      waiter.reject(error());
      n++;
    }
    return n;
  }

  #unlink(waiter: Waiter<T>): void {
    if (waiter.prev) waiter.prev.next = waiter.next;
    else this.#head = waiter.next;
    if (waiter.next) waiter.next.prev = waiter.prev;
    else this.#tail = waiter.prev;
    waiter.prev = waiter.next = undefined;
    this.#length--;
  }
}
