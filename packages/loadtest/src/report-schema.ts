/**
 * The JSON report's shape, schema `tollgate-loadtest/v2` (documented in docs/loadtest.md).
 * Types only (plus the schema name), so every module can use them without importing the
 * code that builds the report.
 */
import type { FlowCounts, LatencySummary, OpenModelCounts } from './types.js';

export const REPORT_SCHEMA = 'tollgate-loadtest/v2';
/** Older schemas that `compare` still reads (missing fields get their defaults). */
export const READABLE_SCHEMAS = ['tollgate-loadtest/v1', REPORT_SCHEMA] as const;

/** Latencies of one endpoint within one second. */
export interface EndpointPoint {
  requests: number;
  ok: number;
  failed: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export interface TimePoint {
  /** Second since the start of the load phase. */
  t: number;
  /** Present (true) on a last second the load phase ended in the middle of. */
  partial?: true;
  requests: number;
  ok: number;
  failed: number;
  p50: number;
  p90: number;
  p95: number;
  p99: number;
  max: number;
  errors: Record<string, number>;
  endpoints: Record<string, EndpointPoint>;
  active_users?: number;
  in_flight?: number;
  generator_rss_mb?: number;
  target_rss_mb?: number;
}

export interface EndpointReport {
  requests: number;
  ok: number;
  failed: number;
  statuses: Record<string, number>;
  success_rate: number;
  rps: number;
  latency_ms: LatencySummary;
  /** Requests per latency bin; bounds in the report's `latency_bins_ms`. */
  histogram: number[];
}

export interface SetupReport {
  accounts: number;
  created: number;
  existing: number;
  failed: number;
  skipped: boolean;
  duration_s: number;
  /** `verify`: sessions logged in before the start (gradually, honouring Retry-After). */
  sessions: { logged_in: number; failed: number } | null;
}

export interface ResourceReport {
  generator_rss_mb_max: number;
  target_rss_mb_start: number | null;
  target_rss_mb_end: number | null;
  target_rss_mb_max: number | null;
  target_rss_source: 'pid' | 'health' | null;
}

export interface ThresholdResult {
  /** As given, e.g. `verify.p95<50`. */
  expression: string;
  metric: string;
  op: string;
  limit: number;
  /** The measured value; null when the run has no data for it (counts as a breach). */
  actual: number | null;
  ok: boolean;
}

export type StopReason = 'duration' | 'iterations' | 'max_duration' | 'interrupted';

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
  setup_concurrency: number;
}

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
  /** Logged-out tokens accepted (the `stale_accept` category), 0 included. */
  stale_accepts: number;
  /** Flows of auth-flow and login; null for verify (it has no flows). */
  flows: FlowCounts | null;
  open_model: (OpenModelCounts & { max_in_flight: number }) | null;
  /** Requests the tool itself cancelled at the hard end (not failures of the target). */
  aborted_requests: number;
  resources: ResourceReport;
  thresholds: ThresholdResult[];
  /** Upper bounds (ms) of the `histogram` bins; the last bin has no upper bound. */
  latency_bins_ms: number[];
  timeseries: TimePoint[];
}
