/**
 * `http_server_request_duration_seconds`: the OpenTelemetry HTTP server histogram with
 * its semantic-convention labels. `http_route` is the matched route template (absent when
 * no route matched, as the convention says); methods outside the standard set are
 * `_OTHER`, so neither label can grow without bound.
 *
 * Every request is observed once, so the observation is kept to a lookup and two
 * additions: each label set (method, route, status) gets its counts the first time it
 * is seen, and later requests find them in nested maps without building a label object
 * or a key string. The histogram is rendered in prom-client's own shape at scrape time
 * (`get()`), so the registry, the text format and the cluster aggregation (`sum`)
 * treat it like any prom-client histogram.
 */
import type { Metric, Registry } from 'prom-client';

const NAME = 'http_server_request_duration_seconds';
const HELP = 'Duration of HTTP server requests';
const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'CONNECT', 'TRACE']);

/** Buckets (s): the convention's advice, plus finer steps below 5 ms for the verify path. */
export const HTTP_DURATION_BUCKETS = Object.freeze([
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10,
]);

type Label = 'http_request_method' | 'http_route' | 'http_response_status_code';
type Labels = Partial<Record<Label, string | number>>;

/** One exported sample, as prom-client's `get()` gives them. */
interface Sample {
  labels: Record<string, string | number>;
  value: number;
  metricName: string;
}

export interface HttpMetrics {
  /** One answered request: `route` is the matched template (undefined when none matched). */
  observe(method: string, route: string | undefined, statusCode: number, seconds: number): void;
}

/** The counts of one label set. */
class Series {
  readonly labels: Readonly<Labels>;
  /** Per bucket (not cumulative); the last slot counts what is above every bound. */
  readonly counts = new Float64Array(HTTP_DURATION_BUCKETS.length + 1);
  sum = 0;
  count = 0;

  constructor(labels: Labels) {
    this.labels = Object.freeze(labels);
  }

  observe(seconds: number): void {
    let i = 0;
    while (i < HTTP_DURATION_BUCKETS.length && seconds > HTTP_DURATION_BUCKETS[i]!) i++;
    this.counts[i]!++;
    this.sum += seconds;
    this.count++;
  }
}

/** No route matched: its own key in the route map (a route template always starts with "/"). */
const NO_ROUTE = '';

export function registerHttpMetrics(registry: Registry): HttpMetrics {
  /** method -> route -> status -> series. */
  const series = new Map<string, Map<string, Map<number, Series>>>();

  const seriesFor = (method: string, route: string | undefined, status: number): Series => {
    let byRoute = series.get(method);
    if (!byRoute) {
      // Only the standard methods get their own entry; `_OTHER` keeps the map bounded.
      const key = METHODS.has(method) ? method : '_OTHER';
      byRoute = series.get(key);
      if (!byRoute) {
        byRoute = new Map();
        series.set(key, byRoute);
      }
    }
    const routeKey = route ?? NO_ROUTE;
    let byStatus = byRoute.get(routeKey);
    if (!byStatus) {
      byStatus = new Map();
      byRoute.set(routeKey, byStatus);
    }
    let s = byStatus.get(status);
    if (!s) {
      const labels: Labels = {
        http_request_method: METHODS.has(method) ? method : '_OTHER',
        http_response_status_code: status,
      };
      if (route !== undefined) labels.http_route = route;
      s = new Series(labels);
      byStatus.set(status, s);
    }
    return s;
  };

  const all = (): Series[] => {
    const out: Series[] = [];
    for (const byRoute of series.values())
      for (const byStatus of byRoute.values()) for (const s of byStatus.values()) out.push(s);
    return out;
  };

  const metric = {
    name: NAME,
    help: HELP,
    type: 'histogram',
    aggregator: 'sum',
    get() {
      const values: Sample[] = [];
      for (const s of all()) {
        let cumulative = 0;
        HTTP_DURATION_BUCKETS.forEach((le, i) => {
          cumulative += s.counts[i]!;
          values.push({ labels: { le, ...s.labels }, value: cumulative, metricName: `${NAME}_bucket` });
        });
        values.push(
          { labels: { le: '+Inf', ...s.labels }, value: s.count, metricName: `${NAME}_bucket` },
          { labels: { ...s.labels }, value: s.sum, metricName: `${NAME}_sum` },
          { labels: { ...s.labels }, value: s.count, metricName: `${NAME}_count` },
        );
      }
      return Promise.resolve({ name: NAME, help: HELP, type: 'histogram', aggregator: 'sum', values });
    },
    reset(): void {
      series.clear();
    },
  };
  registry.registerMetric(metric as unknown as Metric);

  return {
    observe(method, route, statusCode, seconds) {
      seriesFor(method, route, statusCode).observe(seconds);
    },
  };
}
