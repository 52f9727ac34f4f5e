/** Reading the Prometheus text exposition that /metrics serves. */

/**
 * Sum of a sample over the series whose labels include `labels`; NaN when no series
 * matches (so a missing metric fails any comparison).
 */
export function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  let total = 0;
  let found = false;
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const got = new Map([...(m[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((l) => [l[1], l[2]]));
    if (Object.entries(labels).every(([k, v]) => got.get(k) === v)) {
      total += Number(m[3]);
      found = true;
    }
  }
  return found ? total : NaN;
}
