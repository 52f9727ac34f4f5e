/**
 * Opening the pool: every connection at once. The pool is usable as soon as one is
 * ready; the others finish (or fail) in the background and failed ones join the
 * reconnect loop.
 */
import type { Connection } from './connection.js';

export interface OpenOutcome {
  /** At least one connection is ready. */
  ready: boolean;
  /** The first failure, when none is ready. */
  firstError: unknown;
  /** Resolves when every attempt has finished. */
  settled: Promise<void>;
}

/** Resolves as soon as one connection is ready, or when every attempt has failed. */
export function openConnections(connections: readonly Connection[]): Promise<OpenOutcome> {
  if (connections.length === 0) {
    return Promise.resolve({
      ready: false,
      firstError: new RangeError('no connections'),
      settled: Promise.resolve(),
    });
  }
  return new Promise<OpenOutcome>((resolve) => {
    const errors: unknown[] = [];
    let left = connections.length;
    let ready = false;
    const settled = Promise.all(
      connections.map((conn) =>
        conn
          .open()
          .then(
            () => {
              ready = true;
              resolve({ ready, firstError: undefined, settled });
            },
            (err: unknown) => {
              errors.push(err);
            },
          )
          .finally(() => {
            if (--left === 0) resolve({ ready, firstError: errors[0], settled });
          }),
      ),
    ).then(() => undefined);
  });
}
