/**
 * Bounded admission for password hashing, the one CPU-heavy step (argon2id, ~10 ms of
 * a core each). Without it a login flood queues unboundedly in the libuv thread pool:
 * by the time a hash runs its client has given up, every core works for nobody and
 * goodput collapses. Here at most `concurrency` hashes run, at most `maxQueue` callers
 * wait, none longer than `maxWaitMs`; the rest are refused at once with 503 +
 * Retry-After, so the hashes that do run are ones a client is still waiting for.
 */
import { OverloadedError } from '../errors.js';
import { WaitQueue } from '../util/wait-queue.js';

export interface AdmissionOptions {
  concurrency: number;
  maxQueue: number;
  maxWaitMs: number;
  /** Which waiter gets a freed slot: the oldest (default) or the newest. */
  queueOrder?: 'fifo' | 'lifo';
}

export class Admission {
  readonly #concurrency: number;
  readonly #queue: WaitQueue<void>;
  #running = 0;
  #rejectedTotal = 0;

  constructor(options: AdmissionOptions) {
    this.#concurrency = options.concurrency;
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
    });
  }

  /**
   * Refuses (503 overloaded, counted) when a call to `run` now would be refused at once
   * because every slot is busy and the queue is full: callers check this before the
   * work that precedes hashing (a database lookup, limit checks), so a flood's excess
   * costs no more than its parsing.
   */
  shedIfFull(): void {
    if (this.#running >= this.#concurrency && this.#queue.full) {
      this.#rejectedTotal++;
      throw new OverloadedError();
    }
  }

  async run<T>(fn: () => Promise<T>): Promise<T> {
    await this.#acquire();
    try {
      return await fn();
    } finally {
      this.#release();
    }
  }

  #acquire(): Promise<void> {
    if (this.#running < this.#concurrency) {
      this.#running++;
      return Promise.resolve();
    }
    return this.#queue.wait();
  }

  #release(): void {
    // The slot passes straight to a waiter, if any (the oldest, or the newest in lifo order).
    if (!this.#queue.handOver()) this.#running--;
  }

  get stats(): { running: number; queued: number; rejected_total: number } {
    return { running: this.#running, queued: this.#queue.length, rejected_total: this.#rejectedTotal };
  }
}
