/** The clock and the open or closed state the parts of the memory store share. */
import { StoreUnavailableError } from '../../errors.js';

export class Lifetime {
  private closed = false;

  constructor(
    /** Milliseconds since the epoch (injected in tests). */
    readonly now: () => number,
  ) {}

  /** Runs an operation as a promise; after close() every operation rejects (fail closed). */
  op<T>(fn: () => T): Promise<T> {
    if (this.closed) return Promise.reject(new StoreUnavailableError('closed', 'The store is closed'));
    try {
      return Promise.resolve(fn());
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
  }

  close(): void {
    this.closed = true;
  }
}
