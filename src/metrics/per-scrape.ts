/**
 * One read per scrape. prom-client collects a registry by calling every metric's
 * `collect` in one synchronous pass before it awaits anything, so a value read by the
 * first metric and forgotten at the next microtask is shared by every metric of that
 * scrape, and the next scrape reads afresh. (test/unit/metrics-pool.test.ts holds
 * prom-client to this: one pool snapshot per scrape.)
 */
export function oncePerScrape<T>(read: () => T): () => T {
  let current: { value: T } | undefined;
  return () => {
    if (!current) {
      current = { value: read() };
      queueMicrotask(() => {
        current = undefined;
      });
    }
    return current.value;
  };
}
