/**
 * The Prometheus registry of one process: default Node metrics, HTTP request
 * durations, auth outcomes and store unavailability. Pool metrics are registered by
 * `registerPoolMetrics` from the pool's stats snapshot. In cluster mode the primary
 * aggregates every worker's registry.
 */
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface AppMetrics {
  registry: Registry;
  httpDuration: Histogram<'method' | 'route' | 'status_code'>;
  authEvents: Counter<'event'>;
  storeUnavailable: Counter<'reason'>;
}

export function createMetrics(options: { defaultMetrics?: boolean } = {}): AppMetrics {
  const registry = new Registry();
  if (options.defaultMetrics !== false) collectDefaultMetrics({ register: registry });
  const httpDuration = new Histogram({
    name: 'http_server_request_duration_seconds',
    help: 'Duration of HTTP server requests',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const authEvents = new Counter({
    name: 'tollgate_auth_events_total',
    help: 'Security-relevant auth outcomes (login_success, login_failure, login_locked, refresh_reused, ...)',
    labelNames: ['event'] as const,
    registers: [registry],
  });
  const storeUnavailable = new Counter({
    name: 'tollgate_store_unavailable_total',
    help: 'Requests answered 503 because the store could not answer, by reason',
    labelNames: ['reason'] as const,
    registers: [registry],
  });
  return { registry, httpDuration, authEvents, storeUnavailable };
}
