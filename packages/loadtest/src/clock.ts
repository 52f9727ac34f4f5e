/** Wall-clock milliseconds with sub-millisecond resolution, comparable across threads. */
export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}

/** Sleeps `ms` (<= 0 resolves at once); resolves early when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (ms <= 0 || signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
