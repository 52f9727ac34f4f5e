/**
 * Shared types of the load-testing tool. The tool talks HTTP only (the API of docs/api.md); nothing
 * here imports server code.
 */

export const SCENARIOS = ['auth-flow', 'verify', 'login'] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

export const MODELS = ['closed', 'open'] as const;
export type ModelName = (typeof MODELS)[number];

/** Every request the tool makes is recorded under one of these names. */
export const ENDPOINTS = ['login', 'verify', 'refresh', 'logout', 'revoked_check'] as const;
export type EndpointName = (typeof ENDPOINTS)[number];

/** The status each endpoint is expected to answer with (anything else is a failure). */
export const EXPECTED_STATUS: Readonly<Record<EndpointName, number>> = {
  login: 200,
  verify: 200,
  refresh: 200,
  logout: 200,
  revoked_check: 401,
};

/** A fully resolved run: the CLI and the presets produce this, the runner consumes it. */
export interface RunConfig {
  url: string;
  allowRemote: boolean;
  scenario: ScenarioName;
  model: ModelName;
  preset: string | undefined;
  /** Closed model: concurrent virtual users. Open model: sessions logged in for `verify`. */
  users: number;
  /** Users started per second (closed model); 0 = all at once. */
  rampUp: number;
  thinkTimeMs: number;
  /** Seconds of load (soft end); undefined when `iterations` bounds the run. */
  durationS: number | undefined;
  /** Flows (or verify requests) per virtual user; undefined when `durationS` bounds the run. */
  iterations: number | undefined;
  /** Open model: arrivals per second (requests for `verify`, flows otherwise). */
  rate: number | undefined;
  /** Open model: bound on arrivals in flight; an arrival over it is dropped and counted. */
  maxInFlight: number;
  generators: number;
  verifiesPerFlow: number;
  refreshProbability: number;
  /** Number of distinct test accounts; virtual users share them round-robin. */
  accounts: number;
  accountPrefix: string;
  /** True when the prefix was given (accounts are reused across runs). */
  fixedPrefix: boolean;
  skipSetup: boolean;
  password: string;
  setupConcurrency: number;
  /** Per-request timeout (no response within it = `timeout`). */
  timeoutMs: number;
  /** Time after the soft end for in-flight flows to finish before they are aborted. */
  graceMs: number;
  /** Hard cap on the whole load phase, seconds. */
  maxDurationS: number;
  /** undici connections per generator (0 = one per virtual user / in-flight slot). */
  connections: number;
  /** PID of the target process (its RSS, children included, is sampled). */
  targetPid: number | undefined;
  quiet: boolean;
}

/** Outcome of one HTTP exchange, as the scenarios see it. */
export interface HttpResult {
  /** HTTP status; 0 when no response arrived. */
  status: number;
  body: unknown;
  /** Seconds from a Retry-After header, when present. */
  retryAfterS: number | undefined;
  /** Transport error category when status is 0 (`conn_reset`, `timeout`, ...). */
  transportError: string | undefined;
  /** True when the request was cancelled by the tool itself (hard stop). */
  aborted: boolean;
}

/** Counters of one endpoint (or of the total). */
export interface CountSet {
  requests: number;
  ok: number;
  failed: number;
  statuses: Record<string, number>;
}

/** Summary of latencies, milliseconds. */
export interface LatencySummary {
  min: number;
  mean: number;
  stddev: number;
  p50: number;
  p90: number;
  p95: number;
  p99: number;
  p99_9: number;
  max: number;
}

export interface FlowCounts {
  started: number;
  completed: number;
  failed: number;
}

export interface OpenModelCounts {
  scheduled: number;
  started: number;
  dropped: number;
  late: number;
}
