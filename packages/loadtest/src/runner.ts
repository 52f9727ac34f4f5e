/**
 * Orchestrates one run: reachability check, account setup, generators (prepare, go,
 * ticks, done), gauges and live progress, then the report. Every phase is bounded: the
 * generators stop themselves at their deadlines, and a watchdog terminates them shortly
 * after the hard cap whatever happens.
 */
import { request } from 'undici';
import { setupAccounts } from './accounts.js';
import { Aggregator } from './aggregate.js';
import { addCounts } from './counts.js';
import { STALE_ACCEPT } from './categorize.js';
import { nowMs } from './clock.js';
import { deadlines } from './generator.js';
import { startGenerators, type GeneratorHandle, type GeneratorMode } from './generator-pool.js';
import type { DoneMessage, GeneratorMessage } from './messages.js';
import { LiveProgress } from './progress.js';
import { BIN_BOUNDS_MS } from './histogram.js';
import { buildEndpoints, configForReport, environment } from './report-json.js';
import { REPORT_SCHEMA, type LoadtestReport, type ResourceReport, type StopReason } from './report-schema.js';
import { generatorRssMb, healthRssMb, processTreeRssMb } from './resource-monitor.js';
import type { CountSet, RunConfig } from './types.js';
import { VERSION } from './version.js';

export class UnreachableError extends Error {}

export interface RunOptions {
  mode?: GeneratorMode;
  /** Where progress and notices go (default: stderr). */
  log?: (line: string) => void;
  /** Aborted once: soft stop (finish flows); see `hardStop`. */
  stop?: AbortSignal;
  hardStop?: AbortSignal;
  /** Poll GET /health for a target RSS (soak). */
  watchHealth?: boolean;
}

const WATCHDOG_SLACK_MS = 10_000;

/** Fails fast with a clear message when nothing answers at the target. */
export async function checkReachable(url: string, timeoutMs = 5_000): Promise<void> {
  try {
    const res = await request(`${url}/`, { headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
    await res.body.dump();
  } catch (err) {
    const why = err instanceof Error ? ((err as { code?: string }).code ?? err.message) : String(err);
    throw new UnreachableError(`target ${url} is unreachable (${why}); is the server running?`);
  }
}

function totalSeconds(run: RunConfig): number {
  return run.durationS ?? run.maxDurationS;
}

export async function runLoadtest(run: RunConfig, options: RunOptions = {}): Promise<LoadtestReport> {
  const log = options.log ?? ((line: string) => process.stderr.write(line + '\n'));
  const startedAt = new Date();
  await checkReachable(run.url);
  const setup = await setupAccounts(run, log);

  const agg = new Aggregator(run.generators);
  const ready = new Set<number>();
  let sessions = 0;
  let sessionFailures = 0;
  let failure: string | undefined;
  let settle: (() => void) | undefined;
  const changed = (): void => settle?.();
  const onMessage = (m: GeneratorMessage): void => {
    if (m.type === 'ready') {
      ready.add(m.index);
      sessions += m.sessions;
      sessionFailures += m.sessionFailures;
    } else if (m.type === 'tick') agg.onTick(m);
    else if (m.type === 'done') agg.onDone(m);
    else failure ??= `generator ${m.index}: ${m.message}`;
    changed();
  };
  const waitFor = async (cond: () => boolean, untilMs: number): Promise<boolean> => {
    while (!cond() && failure === undefined && nowMs() < untilMs) {
      await new Promise<void>((resolve) => {
        settle = resolve;
        setTimeout(resolve, 250);
      });
    }
    return cond();
  };

  const handles: GeneratorHandle[] = startGenerators(run, options.mode ?? 'worker', onMessage);
  let gaugeTimer: NodeJS.Timeout | undefined;
  const progress = new LiveProgress(run.quiet, totalSeconds(run), log);
  let stopReason: StopReason | undefined;
  try {
    const prepared = await waitFor(() => ready.size === handles.length, nowMs() + run.maxDurationS * 1_000);
    if (!prepared) throw new Error(`generators failed to start: ${failure ?? 'timed out'}`);
    if (run.scenario === 'verify') {
      if (sessions === 0) throw new Error(`no session could log in (${sessionFailures} login failures)`);
      if (sessionFailures > 0) log(`warning: ${sessionFailures} of ${run.users} sessions could not log in`);
      setup.sessions = { logged_in: sessions, failed: sessionFailures };
    }

    const START_DELAY_MS = 20;
    const t0 = nowMs() + START_DELAY_MS;
    const { hardEndMs } = deadlines(run, t0);
    for (const h of handles) h.send({ type: 'go', delayMs: START_DELAY_MS });

    const onStop = (): void => {
      stopReason ??= 'interrupted';
      for (const h of handles) h.send({ type: 'stop' });
    };
    const onHardStop = (): void => {
      stopReason ??= 'interrupted';
      for (const h of handles) h.send({ type: 'abort' });
    };
    options.stop?.addEventListener('abort', onStop, { once: true });
    options.hardStop?.addEventListener('abort', onHardStop, { once: true });

    const resources: ResourceReport = {
      generator_rss_mb_max: generatorRssMb(),
      target_rss_mb_start: null,
      target_rss_mb_end: null,
      target_rss_mb_max: null,
      target_rss_source: null,
    };
    const noteTarget = (mb: number | undefined, source: 'pid' | 'health', s: number): void => {
      if (mb === undefined) return;
      resources.target_rss_source = source;
      resources.target_rss_mb_start ??= mb;
      resources.target_rss_mb_end = mb;
      resources.target_rss_mb_max = Math.max(resources.target_rss_mb_max ?? 0, mb);
      agg.sample(s, { target_rss_mb: mb });
    };
    const secondNow = (): number => Math.max(0, Math.floor((nowMs() - t0) / 1_000));
    let healthBusy = false;
    // Gauges are sampled mid-second (t0 + k s + 0.5 s) so that every second gets one sample.
    let k = 0;
    let lastRequests = 0;
    let lastSampleMs = t0;
    const sampleGauges = (): void => {
      const s = secondNow();
      const rss = generatorRssMb();
      resources.generator_rss_mb_max = Math.max(resources.generator_rss_mb_max, rss);
      const live = agg.live();
      agg.sample(s, { generator_rss_mb: rss, active_users: live.activeUsers, in_flight: live.inFlight });
      if (run.targetPid !== undefined && s % 2 === 0) noteTarget(processTreeRssMb(run.targetPid), 'pid', s);
      if (options.watchHealth && run.targetPid === undefined && s % 5 === 0 && !healthBusy) {
        healthBusy = true;
        void healthRssMb(run.url)
          .then((mb) => noteTarget(mb, 'health', s))
          .finally(() => (healthBusy = false));
      }
      // req/s since the previous sample, from the generators' cumulative counters.
      const sampledAt = nowMs();
      const rps = ((live.requests - lastRequests) * 1_000) / Math.max(1, sampledAt - lastSampleMs);
      lastRequests = live.requests;
      lastSampleMs = sampledAt;
      progress.update({
        elapsedS: (sampledAt - t0) / 1_000,
        totalS: totalSeconds(run),
        rps,
        p95: agg.livePercentile(95),
        requests: live.requests,
        failed: live.failed,
        errors: live.errors,
        activeUsers: live.activeUsers,
      });
      k++;
      gaugeTimer = setTimeout(sampleGauges, Math.max(0, t0 + (k + 0.5) * 1_000 - nowMs()));
    };
    gaugeTimer = setTimeout(sampleGauges, Math.max(0, t0 + 500 - nowMs()));

    const finished = await waitFor(() => agg.done.size === handles.length, hardEndMs + WATCHDOG_SLACK_MS);
    const endMs = nowMs();
    if (!finished) {
      log(
        `warning: ${handles.length - agg.done.size} of ${handles.length} generators did not finish by the hard cap ` +
          `(overloaded machine?); terminating them: the report covers the others only`,
      );
      stopReason ??= 'max_duration';
    }
    if (failure !== undefined && agg.done.size < handles.length) throw new Error(failure);
    if (run.targetPid !== undefined) noteTarget(processTreeRssMb(run.targetPid), 'pid', secondNow());
    options.stop?.removeEventListener('abort', onStop);
    options.hardStop?.removeEventListener('abort', onHardStop);

    stopReason ??= decideStopReason(run, t0, endMs);
    progress.stop();
    return buildReport(run, agg, { startedAt, t0, endMs, stopReason, setup, resources });
  } finally {
    progress.stop();
    clearTimeout(gaugeTimer);
    await Promise.all(handles.map((h) => h.terminate().catch(() => undefined)));
  }
}

function decideStopReason(run: RunConfig, t0: number, endMs: number): StopReason {
  const capMs = t0 + run.maxDurationS * 1_000;
  if (run.durationS !== undefined) return run.maxDurationS < run.durationS ? 'max_duration' : 'duration';
  return endMs >= capMs - 50 ? 'max_duration' : 'iterations';
}

interface ReportInput {
  startedAt: Date;
  t0: number;
  endMs: number;
  stopReason: StopReason;
  setup: LoadtestReport['setup'];
  resources: ResourceReport;
}

function buildReport(run: RunConfig, agg: Aggregator, input: ReportInput): LoadtestReport {
  const dones: DoneMessage[] = [...agg.done.values()];
  const counts = new Map<string, CountSet>();
  const errors: Record<string, number> = {};
  const flows = { started: 0, completed: 0, failed: 0 };
  const open = { scheduled: 0, started: 0, dropped: 0, late: 0 };
  let aborted = 0;
  for (const d of dones) {
    for (const [name, e] of Object.entries(d.endpoints)) {
      const c = counts.get(name) ?? { requests: 0, ok: 0, failed: 0, statuses: {} };
      c.requests += e.requests;
      c.ok += e.ok;
      c.failed += e.failed;
      addCounts(c.statuses, e.statuses);
      counts.set(name, c);
    }
    addCounts(errors, d.errors);
    addCounts(flows, d.flows as unknown as Record<string, number>);
    addCounts(open, d.open as unknown as Record<string, number>);
    aborted += d.aborted;
  }
  const durationS = Math.max(0.001, (input.endMs - input.t0) / 1_000);
  const { hists, bins } = agg.endpointHistograms();
  const { endpoints, totals } = buildEndpoints(counts, hists, bins, durationS);
  return {
    schema: REPORT_SCHEMA,
    tool: { name: 'tollgate loadtest', version: VERSION },
    started_at: input.startedAt.toISOString(),
    finished_at: new Date().toISOString(),
    config: configForReport(run),
    environment: environment(),
    duration_s: Math.round(durationS * 1_000) / 1_000,
    stop_reason: input.stopReason,
    setup: input.setup,
    totals,
    endpoints,
    errors,
    stale_accepts: errors[STALE_ACCEPT] ?? 0,
    flows: run.scenario === 'verify' ? null : flows,
    open_model: run.model === 'open' ? { ...open, max_in_flight: run.maxInFlight } : null,
    aborted_requests: aborted,
    resources: input.resources,
    thresholds: [],
    latency_bins_ms: [...BIN_BOUNDS_MS],
    timeseries: agg.timeseries(durationS),
  };
}
