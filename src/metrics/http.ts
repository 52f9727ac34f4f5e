/**
 * `http_server_request_duration_seconds`: the OpenTelemetry HTTP server histogram with
 * its semantic-convention labels. `http_route` is the matched route template (absent when
 * no route matched, as the convention says); methods outside the standard set are
 * `_OTHER`, so neither label can grow without bound.
 */
import { Histogram, type Registry } from 'prom-client';

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'CONNECT', 'TRACE']);

/** Buckets (s): the convention's advice, plus finer steps below 5 ms for the verify path. */
const HTTP_DURATION_BUCKETS = Object.freeze([
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10,
]);

type Label = 'http_request_method' | 'http_route' | 'http_response_status_code';

export interface HttpMetrics {
  /** One answered request: `route` is the matched template (undefined when none matched). */
  observe(method: string, route: string | undefined, statusCode: number, seconds: number): void;
}

export function registerHttpMetrics(registry: Registry): HttpMetrics {
  const histogram = new Histogram<Label>({
    name: 'http_server_request_duration_seconds',
    help: 'Duration of HTTP server requests',
    labelNames: ['http_request_method', 'http_route', 'http_response_status_code'],
    buckets: [...HTTP_DURATION_BUCKETS],
    registers: [registry],
  });
  return {
    observe(method, route, statusCode, seconds) {
      const labels: Partial<Record<Label, string | number>> = {
        http_request_method: METHODS.has(method) ? method : '_OTHER',
        http_response_status_code: statusCode,
      };
      if (route !== undefined) labels.http_route = route;
      histogram.observe(labels, seconds);
    },
  };
}
