/**
 * A bounded queue of callers waiting for something (a pool connection, a hashing slot),
 * each for at most `timeoutMs`, served oldest first (`fifo`, the default) or newest
 * first (`lifo`). A doubly linked list: joining, handing over and leaving on timeout are
 * all O(1), however long the queue.
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
  /** Who gets the next hand-over: the oldest waiter (default) or the newest. */
  order?: 'fifo' | 'lifo';
}

interface Waiter<T> {
  resolve(value: T): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout;
  prev: Waiter<T> | undefined;
  next: Waiter<T> | undefined;
}

export class WaitQueue<T> {
  readonly #options: WaitQueueOptions;
  #head: Waiter<T> | undefined;
  #tail: Waiter<T> | undefined;
  #length = 0;

  constructor(options: WaitQueueOptions) {
    this.#options = options;
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
    return new Promise<T>((resolve, reject) => {
      const waiter: Waiter<T> = {
        resolve,
        reject,
        timer: setTimeout(() => {
          this.#unlink(waiter);
          reject(this.#options.onTimeout());
        }, this.#options.timeoutMs),
        prev: this.#tail,
        next: undefined,
      };
      if (this.#tail) this.#tail.next = waiter;
      else this.#head = waiter;
      this.#tail = waiter;
      this.#length++;
    });
  }

  /**
   * Gives `value` to the oldest waiter (`lifo`: the newest); false when nobody waits
   * (the value stays the caller's).
   */
  handOver(value: T): boolean {
    const waiter = this.#options.order === 'lifo' ? this.#tail : this.#head;
    if (!waiter) return false;
    this.#unlink(waiter);
    clearTimeout(waiter.timer);
    waiter.resolve(value);
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
