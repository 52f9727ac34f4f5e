/**
 * Bounds a wait this package does not otherwise control (a Redis reply, an HTTP
 * answer). Rejects with `onTimeout()` when `ms` passes first; the timer is always
 * cleared, and a late rejection of the abandoned promise is swallowed.
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
