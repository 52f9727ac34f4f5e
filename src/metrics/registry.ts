/**
 * The Prometheus registry of one process: default Node.js metrics, the build, HTTP
 * request durations, auth outcomes and dependency failures. A Redis pool adds its own
 * with `registerPoolMetrics`. In cluster mode the primary aggregates every worker's
 * registry (group-aggregation.ts says how each metric combines).
 *
 * Naming: Prometheus base units (seconds, bytes) as suffixes, counters end in `_total`,
 * ratios are `_ratio` in 0-1; OpenTelemetry semantic-convention names and labels where
 * a convention exists (HTTP server, database client), `tollgate_*` for the rest.
 * docs/operations.md lists every metric.
 */
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { VERSION } from '../version.js';
import { registerDependencyMetrics, type DependencyMetrics } from './dependencies.js';
import { registerHttpMetrics, type HttpMetrics } from './http.js';

export interface AppMetrics {
  registry: Registry;
  /** `http_server_request_duration_seconds`. */
  http: HttpMetrics;
  /** `tollgate_auth_events_total{event}`: security-relevant auth outcomes. */
  authEvents: Counter<'event'>;
  /** `tollgate_mail_messages_total{kind, outcome}`: account mail sent, retried, failed, dropped. */
  mail: Counter<'kind' | 'outcome'>;
  /** `tollgate_dependency_unavailable_total{dependency, reason}`. */
  dependencies: DependencyMetrics;
}

export function createMetrics(options: { defaultMetrics?: boolean } = {}): AppMetrics {
  const registry = new Registry();
  if (options.defaultMetrics !== false) collectDefaultMetrics({ register: registry });
  new Gauge({
    name: 'tollgate_build_info',
    help: 'Always 1; the version of tollgate this process runs',
    labelNames: ['version'] as const,
    registers: [registry],
    aggregator: 'max',
  }).set({ version: VERSION }, 1);
  const authEvents = new Counter({
    name: 'tollgate_auth_events_total',
    help: 'Security-relevant auth outcomes (login_success, login_failure, login_locked, login_shed, refresh_reused, ...)',
    labelNames: ['event'] as const,
    registers: [registry],
  });
  const mail = new Counter({
    name: 'tollgate_mail_messages_total',
    help: 'Account mail by kind (password_reset, email_verification) and outcome (sent, retried, failed, dropped)',
    labelNames: ['kind', 'outcome'] as const,
    registers: [registry],
  });
  return {
    registry,
    http: registerHttpMetrics(registry),
    authEvents,
    mail,
    dependencies: registerDependencyMetrics(registry),
  };
}
