/**
 * `--threshold` expressions: `<metric><op><number>`, e.g. `verify.p95<50`,
 * `errors.rate<0.01`, `stale_accepts==0`. Parsed before the run (a typo fails at once),
 * evaluated against the report after it; a breach makes the run exit non-zero.
 *
 * Metrics: `<endpoint>.<stat>` with endpoint `total`, `login`, `verify`, `refresh`,
 * `logout` or `revoked_check`, and stat `p50 p90 p95 p99 p99_9 max min mean` (ms), `rps`,
 * `requests`, `failed`, `success_rate`, `error_rate`; `errors.rate` (failed / requests of
 * all endpoints), `errors.count`, `errors.<category>` (e.g. `errors.login_429`);
 * `stale_accepts`; `flows.completed`, `flows.failed`.
 */
import type { EndpointReport, LoadtestReport, ThresholdResult } from './report-schema.js';
import { ENDPOINTS } from './types.js';

export const OPERATORS = ['<=', '>=', '==', '!=', '<', '>'] as const;
export type Operator = (typeof OPERATORS)[number];

export interface Threshold {
  expression: string;
  metric: string;
  op: Operator;
  limit: number;
}

const LATENCY_STATS = ['p50', 'p90', 'p95', 'p99', 'p99_9', 'max', 'min', 'mean'] as const;
const ENDPOINT_STATS = [...LATENCY_STATS, 'rps', 'requests', 'failed', 'success_rate', 'error_rate'];
const SCOPES: readonly string[] = ['total', ...ENDPOINTS];

function checkMetric(metric: string): void {
  if (metric === 'stale_accepts' || metric === 'flows.completed' || metric === 'flows.failed') return;
  const [scope, stat, ...rest] = metric.split('.');
  if (rest.length === 0 && scope === 'errors' && stat !== undefined && /^[a-z0-9_]+$/.test(stat)) return;
  if (
    rest.length === 0 &&
    scope !== undefined &&
    SCOPES.includes(scope) &&
    ENDPOINT_STATS.includes(stat ?? '')
  )
    return;
  throw new Error(
    `--threshold: unknown metric "${metric}" (e.g. verify.p95, total.rps, errors.rate, errors.login_429, stale_accepts)`,
  );
}

export function parseThreshold(expression: string): Threshold {
  const m = /^\s*([a-z0-9_.]+)\s*(<=|>=|==|!=|<|>)\s*(-?\d+(?:\.\d+)?(?:e-?\d+)?)\s*$/i.exec(expression);
  if (!m) {
    throw new Error(
      `--threshold: expected <metric><op><number> (op one of ${OPERATORS.join(' ')}), got "${expression}"`,
    );
  }
  const metric = m[1]!.toLowerCase();
  checkMetric(metric);
  return { expression: expression.trim(), metric, op: m[2] as Operator, limit: Number(m[3]) };
}

function endpointValue(e: EndpointReport | undefined, stat: string): number | null {
  if (!e || e.requests === 0) return null;
  if ((LATENCY_STATS as readonly string[]).includes(stat)) {
    return e.latency_ms[stat as (typeof LATENCY_STATS)[number]];
  }
  switch (stat) {
    case 'rps':
      return e.rps;
    case 'requests':
      return e.requests;
    case 'failed':
      return e.failed;
    case 'success_rate':
      return e.success_rate;
    case 'error_rate':
      return e.failed / e.requests;
    default:
      return null;
  }
}

/** The value of `metric` in `report`; null when the run has no data for it. */
export function metricValue(report: LoadtestReport, metric: string): number | null {
  if (metric === 'stale_accepts') return report.stale_accepts;
  if (metric === 'flows.completed') return report.flows?.completed ?? null;
  if (metric === 'flows.failed') return report.flows?.failed ?? null;
  const [scope, stat] = metric.split('.') as [string, string];
  if (scope === 'errors') {
    if (stat === 'rate')
      return report.totals.requests === 0 ? null : report.totals.failed / report.totals.requests;
    if (stat === 'count') return report.totals.failed;
    return report.errors[stat] ?? 0;
  }
  return endpointValue(scope === 'total' ? report.totals : report.endpoints[scope], stat);
}

function holds(actual: number, op: Operator, limit: number): boolean {
  switch (op) {
    case '<':
      return actual < limit;
    case '<=':
      return actual <= limit;
    case '>':
      return actual > limit;
    case '>=':
      return actual >= limit;
    case '==':
      return actual === limit;
    case '!=':
      return actual !== limit;
  }
}

export function evaluateThresholds(
  report: LoadtestReport,
  thresholds: readonly Threshold[],
): ThresholdResult[] {
  return thresholds.map((t) => {
    const value = metricValue(report, t.metric);
    const actual = value === null ? null : Math.round(value * 1e6) / 1e6;
    return { ...t, actual, ok: actual !== null && holds(actual, t.op, t.limit) };
  });
}
