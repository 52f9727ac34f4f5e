/**
 * Work a request starts but does not wait for (the lookup and mail behind a reset
 * request, so its answer takes the same time whether or not the email has an account).
 * Bounded: past `max` tasks in flight a new one is dropped and reported. A failure is
 * reported, never thrown at a caller. `drain` waits for what runs, within its bound.
 */
import { settleWithin } from './timeout.js';

export interface BackgroundOptions {
  /** Tasks in flight at most. Default 1000. */
  max?: number;
  /** A task failed (`err`) or was dropped (`err` undefined). Must not throw. */
  onProblem: (what: string, err: unknown) => void;
}

export class BackgroundTasks {
  readonly #running = new Set<Promise<void>>();
  readonly #max: number;
  readonly #onProblem: BackgroundOptions['onProblem'];

  constructor(options: BackgroundOptions) {
    this.#max = options.max ?? 1000;
    this.#onProblem = options.onProblem;
  }

  get size(): number {
    return this.#running.size;
  }

  /** Starts `task` now; returns false when it was dropped (too many in flight). */
  run(what: string, task: () => Promise<void>): boolean {
    if (this.#running.size >= this.#max) {
      this.#onProblem(what, undefined);
      return false;
    }
    const running: Promise<void> = Promise.resolve()
      .then(task)
      .catch((err: unknown) => this.#onProblem(what, err))
      .finally(() => this.#running.delete(running));
    this.#running.add(running);
    return true;
  }

  /** Resolves when nothing runs, or after `timeoutMs`: true when nothing runs. */
  async drain(timeoutMs: number): Promise<boolean> {
    await settleWithin(Promise.allSettled([...this.#running]), timeoutMs);
    return this.#running.size === 0;
  }
}
