/**
 * `--compare old.json`: deltas per metric between two reports. Each metric knows whether
 * lower or higher is better, so the verdict column reads the same for latencies and rates.
 */
import { STALE_ACCEPT } from './categorize.js';
import type { EndpointReport, LoadtestReport } from './report-json.js';
import { formatTable } from './report-text.js';

export type Better = 'lower' | 'higher';

export interface MetricDelta {
  metric: string;
  old: number;
  new: number;
  delta: number;
  /** Relative change in percent; null when the old value is 0. */
  delta_pct: number | null;
  better: Better;
  verdict: 'better' | 'worse' | 'same';
}

export function delta(metric: string, oldValue: number, newValue: number, better: Better): MetricDelta {
  const d = newValue - oldValue;
  const pct = oldValue === 0 ? null : Math.round((d / Math.abs(oldValue)) * 10_000) / 100;
  const eps = Math.max(1e-9, Math.abs(oldValue) * 1e-6);
  const verdict = Math.abs(d) <= eps ? 'same' : d < 0 === (better === 'lower') ? 'better' : 'worse';
  return {
    metric,
    old: oldValue,
    new: newValue,
    delta: Math.round(d * 1000) / 1000,
    delta_pct: pct,
    better,
    verdict,
  };
}

function endpointDeltas(prefix: string, a: EndpointReport, b: EndpointReport): MetricDelta[] {
  return [
    delta(`${prefix}.rps`, a.rps, b.rps, 'higher'),
    delta(`${prefix}.success_rate`, a.success_rate, b.success_rate, 'higher'),
    delta(`${prefix}.p50_ms`, a.latency_ms.p50, b.latency_ms.p50, 'lower'),
    delta(`${prefix}.p90_ms`, a.latency_ms.p90, b.latency_ms.p90, 'lower'),
    delta(`${prefix}.p95_ms`, a.latency_ms.p95, b.latency_ms.p95, 'lower'),
    delta(`${prefix}.p99_ms`, a.latency_ms.p99, b.latency_ms.p99, 'lower'),
    delta(`${prefix}.p99_9_ms`, a.latency_ms.p99_9, b.latency_ms.p99_9, 'lower'),
    delta(`${prefix}.max_ms`, a.latency_ms.max, b.latency_ms.max, 'lower'),
  ];
}

/** Deltas old -> new: totals, every endpoint both have, every error category either has. */
export function compareReports(oldReport: LoadtestReport, newReport: LoadtestReport): MetricDelta[] {
  const out = [
    ...endpointDeltas('total', oldReport.totals, newReport.totals),
    delta('total.requests', oldReport.totals.requests, newReport.totals.requests, 'higher'),
    delta('total.failed', oldReport.totals.failed, newReport.totals.failed, 'lower'),
  ];
  for (const [name, e] of Object.entries(newReport.endpoints)) {
    const o = oldReport.endpoints[name];
    if (o) out.push(...endpointDeltas(name, o, e));
  }
  const categories = new Set([
    ...Object.keys(oldReport.errors),
    ...Object.keys(newReport.errors),
    STALE_ACCEPT,
  ]);
  for (const cat of [...categories].sort()) {
    out.push(delta(`errors.${cat}`, oldReport.errors[cat] ?? 0, newReport.errors[cat] ?? 0, 'lower'));
  }
  return out;
}

const fmt = (v: number): string => (Number.isInteger(v) ? String(v) : v.toFixed(v < 1 ? 4 : 2));

export function formatComparison(deltas: MetricDelta[]): string {
  const rows = deltas.map((d) => [
    d.metric,
    fmt(d.old),
    fmt(d.new),
    (d.delta > 0 ? '+' : '') + fmt(d.delta),
    d.delta_pct === null ? 'n/a' : `${d.delta_pct > 0 ? '+' : ''}${d.delta_pct.toFixed(1)}%`,
    d.verdict,
  ]);
  return formatTable(['metric', 'old', 'new', 'delta', 'delta %', 'verdict'], rows);
}
