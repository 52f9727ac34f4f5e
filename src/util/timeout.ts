/**
 * The one way tollgate bounds a wait it does not otherwise control. `withTimeout`
 * rejects with the caller's error when `ms` passes first; `settleWithin` resolves
 * `undefined` instead (for best-effort waits, such as a last IPC message before exit).
 * The timer is always cleared, so nothing keeps the process alive afterwards.
 */
export function withTimeout<T>(promise: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(onTimeout()), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(err instanceof Error ? err : new Error(String(err)));
      },
    );
  });
}

/** Resolves with the value, or `undefined` when the promise rejects or `ms` passes first. */
export function settleWithin<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  return withTimeout(promise, ms, () => new Error('timed out')).catch(() => undefined);
}
