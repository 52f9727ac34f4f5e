/**
 * Comparison of two JSON reports (`tollgate loadtest compare old.json new.json`, or
 * `--compare old.json` after a run). Each metric knows whether lower or higher is
 * better, and a change is called better or worse only beyond the noise band: the
 * relative band (`--noise`, 10 % by default) and an absolute floor per kind of metric.
 * Gated metrics that got worse are regressions (exit code 4). Runs of different
 * configurations are compared all the same, with a warning naming every difference.
 */
import type { EndpointReport, LoadtestReport } from './report-schema.js';
import { formatTable } from './report-text.js';

export type Better = 'lower' | 'higher';
export type Verdict = 'better' | 'worse' | 'same';

/** Default relative noise band, percent of the old value. */
export const DEFAULT_NOISE_PCT = 10;
/** Absolute floors of the band: below them a change is noise whatever its percentage. */
export const LATENCY_FLOOR_MS = 0.2;
export const SUCCESS_RATE_FLOOR = 0.005;
/**
 * A percentile is gated only when both runs have at least this many samples beyond it
 * (n × (1 − p) ≥ 10): p50 needs 20 requests, p90 100, p95 200, p99 1,000. With fewer,
 * the percentile is one of the last few requests and moves by more than any noise band
 * between identical runs (at 12 requests, "p99" is simply the slowest one).
 */
export const MIN_TAIL_SAMPLES = 10;

/** Requests a run needs for a change of percentile `p` (0-100) to count. */
export function minSamples(p: number): number {
  // The epsilon absorbs floating point (100 − 99.9 is not exactly 0.1).
  return Math.ceil((MIN_TAIL_SAMPLES * 100) / (100 - p) - 1e-6);
}

export interface MetricDelta {
  metric: string;
  old: number;
  new: number;
  delta: number;
  /** Relative change in percent; null when the old value is 0. */
  delta_pct: number | null;
  better: Better;
  /** Half-width of the noise band around the old value, in the metric's unit. */
  band: number;
  verdict: Verdict;
  /** True when a `worse` verdict of this metric is a regression. */
  gate: boolean;
  /** Percentiles: the requests of each run and the fewest that gate the metric. */
  samples?: { old: number; new: number; min: number };
}

export interface Comparison {
  /** Configuration and environment differences (each one line). */
  warnings: string[];
  noise_pct: number;
  deltas: MetricDelta[];
  regressions: string[];
}

export interface DeltaOptions {
  /** Relative band as a fraction (0.1 = 10 %). */
  relative: number;
  /** Absolute floor of the band. */
  floor: number;
  gate: boolean;
}

const round = (v: number, digits: number): number => Math.round(v * 10 ** digits) / 10 ** digits;

export function delta(
  metric: string,
  oldValue: number,
  newValue: number,
  better: Better,
  opts: DeltaOptions = { relative: DEFAULT_NOISE_PCT / 100, floor: 0, gate: true },
): MetricDelta {
  const d = newValue - oldValue;
  const band = Math.max(opts.floor, Math.abs(oldValue) * opts.relative);
  const verdict: Verdict =
    Math.abs(d) <= band + 1e-12 ? 'same' : d < 0 === (better === 'lower') ? 'better' : 'worse';
  return {
    metric,
    old: oldValue,
    new: newValue,
    delta: round(d, 4),
    delta_pct: oldValue === 0 ? null : round((d / Math.abs(oldValue)) * 100, 2),
    better,
    band: round(band, 4),
    verdict,
    gate: opts.gate,
  };
}

function endpointDeltas(prefix: string, a: EndpointReport, b: EndpointReport, rel: number): MetricDelta[] {
  const lat = (stat: 'p50' | 'p90' | 'p95' | 'p99' | 'p99_9' | 'max', gate: boolean): MetricDelta => {
    const percentile = { p50: 50, p90: 90, p95: 95, p99: 99, p99_9: 99.9, max: undefined }[stat];
    const min = percentile === undefined ? undefined : minSamples(percentile);
    const enough = min === undefined || (a.requests >= min && b.requests >= min);
    const d = delta(`${prefix}.${stat}_ms`, a.latency_ms[stat], b.latency_ms[stat], 'lower', {
      relative: rel,
      floor: LATENCY_FLOOR_MS,
      gate: gate && enough,
    });
    return min === undefined ? d : { ...d, samples: { old: a.requests, new: b.requests, min } };
  };
  return [
    delta(`${prefix}.rps`, a.rps, b.rps, 'higher', { relative: rel, floor: 0, gate: true }),
    delta(`${prefix}.success_rate`, a.success_rate, b.success_rate, 'higher', {
      relative: 0,
      floor: SUCCESS_RATE_FLOOR,
      gate: true,
    }),
    lat('p50', true),
    lat('p90', true),
    lat('p95', true),
    lat('p99', true),
    // The far tail and the maximum hang on a handful of requests: shown, never gated.
    lat('p99_9', false),
    lat('max', false),
  ];
}

/** Configuration keys whose difference makes two runs not like for like. */
const COMPARED_CONFIG = [
  'scenario',
  'model',
  'preset',
  'users',
  'ramp_up',
  'think_time_ms',
  'duration_s',
  'iterations',
  'rate',
  'max_in_flight',
  'generators',
  'verifies_per_flow',
  'refresh_probability',
  'accounts',
  'timeout_ms',
  'connections',
] as const;

export function configDifferences(a: LoadtestReport, b: LoadtestReport): string[] {
  const out: string[] = [];
  // Config values are numbers, strings or null.
  const ac = a.config as unknown as Record<string, string | number | null | undefined>;
  const bc = b.config as unknown as Record<string, string | number | null | undefined>;
  for (const key of COMPARED_CONFIG) {
    const av = ac[key] ?? null;
    const bv = bc[key] ?? null;
    if (av !== bv) out.push(`${key}: ${String(av)} -> ${String(bv)}`);
  }
  for (const key of ['cpus', 'node'] as const) {
    if (a.environment[key] !== b.environment[key]) {
      out.push(`environment ${key}: ${a.environment[key]} -> ${b.environment[key]}`);
    }
  }
  return out;
}

/** Deltas old -> new: totals, every endpoint both have, stale accepts, every error category. */
export function compareReports(
  oldReport: LoadtestReport,
  newReport: LoadtestReport,
  noisePct = DEFAULT_NOISE_PCT,
): Comparison {
  const rel = noisePct / 100;
  const deltas = [
    ...endpointDeltas('total', oldReport.totals, newReport.totals, rel),
    delta('stale_accepts', oldReport.stale_accepts, newReport.stale_accepts, 'lower', {
      relative: 0,
      floor: 0,
      gate: true,
    }),
  ];
  for (const [name, e] of Object.entries(newReport.endpoints)) {
    const o = oldReport.endpoints[name];
    if (o) deltas.push(...endpointDeltas(name, o, e, rel));
  }
  // Error counts depend on the run's length: shown, not gated (success_rate is).
  const categories = new Set([...Object.keys(oldReport.errors), ...Object.keys(newReport.errors)]);
  for (const cat of [...categories].sort()) {
    deltas.push(
      delta(`errors.${cat}`, oldReport.errors[cat] ?? 0, newReport.errors[cat] ?? 0, 'lower', {
        relative: rel,
        floor: 0,
        gate: false,
      }),
    );
  }
  return {
    warnings: configDifferences(oldReport, newReport),
    noise_pct: noisePct,
    deltas,
    regressions: deltas.filter((d) => d.gate && d.verdict === 'worse').map((d) => d.metric),
  };
}

const fmt = (v: number): string => (Number.isInteger(v) ? String(v) : v.toFixed(Math.abs(v) < 1 ? 4 : 2));

export function formatComparison(c: Comparison): string {
  const rows = c.deltas.map((d) => [
    d.metric,
    fmt(d.old),
    fmt(d.new),
    (d.delta > 0 ? '+' : '') + fmt(d.delta),
    d.delta_pct === null ? 'n/a' : `${d.delta_pct > 0 ? '+' : ''}${d.delta_pct.toFixed(1)}%`,
    `±${fmt(d.band)}`,
    d.verdict === 'same'
      ? 'same (within noise)'
      : d.gate || d.verdict === 'better'
        ? d.verdict
        : d.samples && Math.min(d.samples.old, d.samples.new) < d.samples.min
          ? `${d.verdict} (too few samples: ${Math.min(d.samples.old, d.samples.new)} < ${d.samples.min})`
          : `${d.verdict} (not gated)`,
  ]);
  const lines: string[] = [];
  if (c.warnings.length > 0) {
    lines.push('warning: the two runs differ in configuration, so the comparison is not like for like:');
    for (const w of c.warnings) lines.push(`  ${w}`);
  }
  lines.push(formatTable(['metric', 'old', 'new', 'delta', 'delta %', 'noise band', 'verdict'], rows));
  lines.push(
    c.regressions.length === 0
      ? `no regression beyond the noise band (±${c.noise_pct} %)`
      : `regressions beyond the noise band (±${c.noise_pct} %): ${c.regressions.join(', ')}`,
  );
  return lines.join('\n');
}
