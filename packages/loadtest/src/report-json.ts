/**
 * The JSON report (schema `tollgate-loadtest/v1`, documented in docs/loadtest.md):
 * config, per-endpoint and total counts, latency percentiles, req/s, success rate, error
 * categories and a per-second time series.
 */
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { availableParallelism, cpus, totalmem } from 'node:os';
import { addCounts } from './counts.js';
import { mergeHistograms, summarize, type Histogram } from './histogram.js';
import {
  ENDPOINTS,
  type CountSet,
  type FlowCounts,
  type LatencySummary,
  type OpenModelCounts,
  type RunConfig,
} from './types.js';

export const REPORT_SCHEMA = 'tollgate-loadtest/v1';

export interface TimePoint {
  /** Second since the start of the load phase. */
  t: number;
  requests: number;
  ok: number;
  failed: number;
  p50: number;
  p90: number;
  p95: number;
  p99: number;
  max: number;
  errors: Record<string, number>;
  active_users?: number;
  in_flight?: number;
  generator_rss_mb?: number;
  target_rss_mb?: number;
}

export interface EndpointReport extends CountSet {
  success_rate: number;
  rps: number;
  latency_ms: LatencySummary;
}

export interface SetupReport {
  accounts: number;
  created: number;
  existing: number;
  failed: number;
  skipped: boolean;
  duration_s: number;
}

export interface ResourceReport {
  generator_rss_mb_max: number;
  target_rss_mb_start: number | null;
  target_rss_mb_end: number | null;
  target_rss_mb_max: number | null;
  target_rss_source: 'pid' | 'health' | null;
}

export type StopReason = 'duration' | 'iterations' | 'max_duration' | 'interrupted';

export interface LoadtestReport {
  schema: typeof REPORT_SCHEMA;
  tool: { name: 'tollgate loadtest'; version: string };
  started_at: string;
  finished_at: string;
  config: ReportConfig;
  environment: { node: string; platform: string; cpus: number; cpu_model: string; memory_mb: number };
  /** Load phase wall time (first request to last response), seconds. */
  duration_s: number;
  stop_reason: StopReason;
  setup: SetupReport;
  totals: EndpointReport;
  endpoints: Record<string, EndpointReport>;
  errors: Record<string, number>;
  flows: FlowCounts;
  open_model: (OpenModelCounts & { max_in_flight: number }) | null;
  /** Requests the tool itself cancelled at the hard end (not failures of the target). */
  aborted_requests: number;
  resources: ResourceReport;
  timeseries: TimePoint[];
}

/** The run config as it appears in the report (no password). */
export interface ReportConfig {
  url: string;
  scenario: string;
  model: string;
  preset: string | null;
  users: number;
  ramp_up: number;
  think_time_ms: number;
  duration_s: number | null;
  iterations: number | null;
  rate: number | null;
  max_in_flight: number;
  generators: number;
  verifies_per_flow: number;
  refresh_probability: number;
  accounts: number;
  account_prefix: string;
  timeout_ms: number;
  grace_ms: number;
  max_duration_s: number;
  connections: number;
}

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

export function endpointReport(counts: CountSet, hist: Histogram, durationS: number): EndpointReport {
  return {
    requests: counts.requests,
    ok: counts.ok,
    failed: counts.failed,
    statuses: counts.statuses,
    success_rate: ratio(counts.ok, counts.requests),
    rps: perSecond(counts.requests, durationS),
    latency_ms: summarize(hist),
  };
}

/** Builds per-endpoint and total sections from merged counts and histograms. */
export function buildEndpoints(
  counts: ReadonlyMap<string, CountSet>,
  hists: ReadonlyMap<string, Histogram>,
  durationS: number,
): { endpoints: Record<string, EndpointReport>; totals: EndpointReport } {
  const endpoints: Record<string, EndpointReport> = {};
  const total: CountSet = { requests: 0, ok: 0, failed: 0, statuses: {} };
  const used: Histogram[] = [];
  for (const name of ENDPOINTS) {
    const c = counts.get(name);
    const h = hists.get(name);
    if (!c || !h || c.requests === 0) continue;
    endpoints[name] = endpointReport(c, h, durationS);
    total.requests += c.requests;
    total.ok += c.ok;
    total.failed += c.failed;
    addCounts(total.statuses, c.statuses);
    used.push(h);
  }
  return { endpoints, totals: endpointReport(total, mergeHistograms(used), durationS) };
}

export function writeJsonReport(path: string, report: LoadtestReport): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, JSON.stringify(report, null, 2) + '\n');
}

export function readJsonReport(path: string): LoadtestReport {
  const data = JSON.parse(readFileSync(path, 'utf8')) as Partial<LoadtestReport>;
  if (data.schema !== REPORT_SCHEMA) {
    throw new Error(
      `${path}: not a tollgate loadtest report (schema ${String(data.schema)}, want ${REPORT_SCHEMA})`,
    );
  }
  return data as LoadtestReport;
}
