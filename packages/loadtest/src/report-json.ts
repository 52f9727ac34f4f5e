/**
 * Builds, writes and reads the JSON report (shape in report-schema.ts, documented in
 * docs/loadtest.md).
 */
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { availableParallelism, cpus, totalmem } from 'node:os';
import { addCounts } from './counts.js';
import { mergeHistograms, summarize, type Histogram } from './histogram.js';
import {
  READABLE_SCHEMAS,
  REPORT_SCHEMA,
  type EndpointReport,
  type LoadtestReport,
  type ReportConfig,
} from './report-schema.js';
import { ENDPOINTS, type CountSet, type RunConfig } from './types.js';

export function configForReport(run: RunConfig): ReportConfig {
  return {
    url: run.url,
    scenario: run.scenario,
    model: run.model,
    preset: run.preset ?? null,
    users: run.users,
    ramp_up: run.rampUp,
    think_time_ms: run.thinkTimeMs,
    duration_s: run.durationS ?? null,
    iterations: run.iterations ?? null,
    rate: run.rate ?? null,
    max_in_flight: run.maxInFlight,
    generators: run.generators,
    verifies_per_flow: run.verifiesPerFlow,
    refresh_probability: run.refreshProbability,
    accounts: run.accounts,
    account_prefix: run.accountPrefix,
    timeout_ms: run.timeoutMs,
    grace_ms: run.graceMs,
    max_duration_s: run.maxDurationS,
    connections: run.connections,
    setup_concurrency: run.setupConcurrency,
  };
}

export function environment(): LoadtestReport['environment'] {
  return {
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    cpus: availableParallelism(),
    cpu_model: cpus()[0]?.model ?? 'unknown',
    memory_mb: Math.round(totalmem() / 2 ** 20),
  };
}

const ratio = (ok: number, n: number): number => (n === 0 ? 0 : Math.round((ok / n) * 1e6) / 1e6);
const perSecond = (n: number, s: number): number => (s <= 0 ? 0 : Math.round((n / s) * 100) / 100);

export function endpointReport(
  counts: CountSet,
  hist: Histogram,
  bins: readonly number[],
  durationS: number,
): EndpointReport {
  return {
    requests: counts.requests,
    ok: counts.ok,
    failed: counts.failed,
    statuses: counts.statuses,
    success_rate: ratio(counts.ok, counts.requests),
    rps: perSecond(counts.requests, durationS),
    latency_ms: summarize(hist),
    histogram: [...bins],
  };
}

/** Builds per-endpoint and total sections from merged counts and histograms. */
export function buildEndpoints(
  counts: ReadonlyMap<string, CountSet>,
  hists: ReadonlyMap<string, Histogram>,
  bins: ReadonlyMap<string, readonly number[]>,
  durationS: number,
): { endpoints: Record<string, EndpointReport>; totals: EndpointReport } {
  const endpoints: Record<string, EndpointReport> = {};
  const total: CountSet = { requests: 0, ok: 0, failed: 0, statuses: {} };
  const totalBins: number[] = [];
  const used: Histogram[] = [];
  for (const name of ENDPOINTS) {
    const c = counts.get(name);
    const h = hists.get(name);
    if (!c || !h || c.requests === 0) continue;
    const b = bins.get(name) ?? [];
    endpoints[name] = endpointReport(c, h, b, durationS);
    total.requests += c.requests;
    total.ok += c.ok;
    total.failed += c.failed;
    addCounts(total.statuses, c.statuses);
    b.forEach((n, i) => (totalBins[i] = (totalBins[i] ?? 0) + n));
    used.push(h);
  }
  return { endpoints, totals: endpointReport(total, mergeHistograms(used), totalBins, durationS) };
}

export function writeJsonReport(path: string, report: LoadtestReport): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, JSON.stringify(report, null, 2) + '\n');
}

/** Reads a report of this schema or an older readable one (upgraded: defaults filled in). */
export function readJsonReport(path: string): LoadtestReport {
  let data: Record<string, unknown>;
  try {
    data = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  } catch (err) {
    throw new Error(
      `${path}: cannot read a JSON report (${err instanceof Error ? err.message : String(err)})`,
    );
  }
  if (!(READABLE_SCHEMAS as readonly unknown[]).includes(data.schema)) {
    throw new Error(
      `${path}: not a tollgate loadtest report (schema ${String(data.schema)}, want ${REPORT_SCHEMA})`,
    );
  }
  const errors = (data.errors ?? {}) as Record<string, number>;
  return {
    thresholds: [],
    latency_bins_ms: [],
    ...data,
    schema: REPORT_SCHEMA,
    stale_accepts: typeof data.stale_accepts === 'number' ? data.stale_accepts : (errors.stale_accept ?? 0),
  } as unknown as LoadtestReport;
}
