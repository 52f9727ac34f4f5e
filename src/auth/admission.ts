/**
 * Bounded admission for password hashing, the one CPU-heavy step (argon2id, ~10 ms of
 * a core each). Without it a login flood queues unboundedly in the libuv thread pool:
 * by the time a hash runs its client has given up, every core works for nobody and
 * goodput collapses. Here at most `concurrency` hashes run, at most `maxQueue` callers
 * wait, none longer than `maxWaitMs`; the rest are refused at once with 503 +
 * Retry-After, so the hashes that do run are ones a client is still waiting for.
 */
import { OverloadedError } from '../errors.js';

export interface AdmissionOptions {
  concurrency: number;
  maxQueue: number;
  maxWaitMs: number;
}

interface Waiter {
  resolve: () => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

export class Admission {
  private running = 0;
  private readonly queue: Waiter[] = [];
  rejectedTotal = 0;

  constructor(private readonly options: AdmissionOptions) {}

  async run<T>(fn: () => Promise<T>): Promise<T> {
    await this.acquire();
    try {
      return await fn();
    } finally {
      this.release();
    }
  }

  private acquire(): Promise<void> {
    if (this.running < this.options.concurrency) {
      this.running++;
      return Promise.resolve();
    }
    if (this.queue.length >= this.options.maxQueue) {
      this.rejectedTotal++;
      return Promise.reject(new OverloadedError());
    }
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        resolve,
        reject,
        timer: setTimeout(() => {
          const i = this.queue.indexOf(waiter);
          if (i !== -1) this.queue.splice(i, 1);
          this.rejectedTotal++;
          reject(new OverloadedError());
        }, this.options.maxWaitMs),
      };
      this.queue.push(waiter);
    });
  }

  private release(): void {
    const next = this.queue.shift();
    if (next) {
      clearTimeout(next.timer);
      next.resolve(); // the slot passes straight to the next waiter
    } else {
      this.running--;
    }
  }

  get stats(): { running: number; queued: number; rejected_total: number } {
    return { running: this.running, queued: this.queue.length, rejected_total: this.rejectedTotal };
  }
}
