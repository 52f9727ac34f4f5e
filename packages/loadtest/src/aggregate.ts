/**
 * Main-thread merge of what the generators report: per-second slices are added up per
 * second and endpoint (HDR add, not averaged percentiles) and turned into time-series
 * points once every generator is past that second; final per-endpoint histograms are
 * added up at the end.
 */
import { addCounts } from './counts.js';
import { createHistogram, decodeHistogram, mergeHistograms, summarize, type Histogram } from './histogram.js';
import type { DoneMessage, TickMessage } from './messages.js';
import type { SecondSlice } from './recorder.js';
import type { EndpointPoint, TimePoint } from './report-schema.js';
import { ENDPOINTS } from './types.js';

interface OpenEndpoint {
  hist: Histogram;
  requests: number;
  ok: number;
  failed: number;
}

interface OpenSecond {
  endpoints: Map<string, OpenEndpoint>;
  errors: Record<string, number>;
}

export interface Gauges {
  active_users?: number;
  in_flight?: number;
  generator_rss_mb?: number;
  target_rss_mb?: number;
}

export interface LiveCounters {
  requests: number;
  failed: number;
  errors: Record<string, number>;
  activeUsers: number;
  inFlight: number;
}

function emptyPoint(t: number): TimePoint {
  return {
    t,
    requests: 0,
    ok: 0,
    failed: 0,
    p50: 0,
    p90: 0,
    p95: 0,
    p99: 0,
    max: 0,
    errors: {},
    endpoints: {},
  };
}

/** Seconds of recent requests the live percentile covers. */
export const LIVE_WINDOW_S = 5;

export class Aggregator {
  private readonly open = new Map<number, OpenSecond>();
  private readonly points = new Map<number, TimePoint>();
  private readonly gauges = new Map<number, Gauges>();
  private readonly watermarks: number[];
  private readonly ticks = new Map<number, TickMessage>();
  readonly done = new Map<number, DoneMessage>();
  /** Latest finalised point. */
  last: TimePoint | undefined;
  /** Every endpoint's latencies per second, the last `LIVE_WINDOW_S` seconds received. */
  private readonly recent = new Map<number, Histogram>();

  constructor(generators: number) {
    this.watermarks = new Array<number>(generators).fill(0);
  }

  private addSlices(slices: SecondSlice[]): void {
    for (const slice of slices) {
      let sec = this.open.get(slice.s);
      if (!sec) {
        sec = { endpoints: new Map(), errors: {} };
        this.open.set(slice.s, sec);
      }
      for (const [name, e] of Object.entries(slice.endpoints)) {
        let into = sec.endpoints.get(name);
        if (!into) {
          into = { hist: createHistogram(), requests: 0, ok: 0, failed: 0 };
          sec.endpoints.set(name, into);
        }
        const hist = decodeHistogram(e.hist);
        into.hist.add(hist);
        let recent = this.recent.get(slice.s);
        if (!recent) {
          recent = createHistogram();
          this.recent.set(slice.s, recent);
        }
        recent.add(hist);
        into.requests += e.requests;
        into.ok += e.ok;
        into.failed += e.failed;
      }
      addCounts(sec.errors, slice.errors);
    }
  }

  private finalizeBelow(watermark: number): void {
    for (const [s, sec] of [...this.open].sort((a, b) => a[0] - b[0])) {
      if (s >= watermark) continue;
      const point = emptyPoint(s);
      const all: Histogram[] = [];
      for (const name of ENDPOINTS) {
        const e = sec.endpoints.get(name);
        if (!e) continue;
        const lat = summarize(e.hist);
        const ep: EndpointPoint = {
          requests: e.requests,
          ok: e.ok,
          failed: e.failed,
          p50: lat.p50,
          p95: lat.p95,
          p99: lat.p99,
          max: lat.max,
        };
        point.endpoints[name] = ep;
        point.requests += e.requests;
        point.ok += e.ok;
        point.failed += e.failed;
        all.push(e.hist);
      }
      const lat = summarize(mergeHistograms(all));
      Object.assign(point, { p50: lat.p50, p90: lat.p90, p95: lat.p95, p99: lat.p99, max: lat.max });
      point.errors = sec.errors;
      Object.assign(point, this.gauges.get(s));
      this.points.set(s, point);
      this.open.delete(s);
      this.gauges.delete(s);
      this.last = point;
    }
  }

  /**
   * Live latency: the percentile over the last `LIVE_WINDOW_S` seconds of completed
   * requests as the generators have sent them, finalised or not. Undefined before the
   * first sample. (Finalised seconds alone lag: a second is final only once every
   * generator is past it, so a run could show requests and no percentile yet.)
   */
  livePercentile(p: number): number | undefined {
    const seconds = [...this.recent.keys()];
    if (seconds.length === 0) return undefined;
    const newest = Math.max(...seconds);
    for (const s of seconds) if (s <= newest - LIVE_WINDOW_S) this.recent.delete(s);
    const merged = mergeHistograms([...this.recent.values()]);
    if (merged.totalCount === 0) return undefined;
    return Math.round(Math.min(merged.getValueAtPercentile(p), merged.maxValue)) / 1_000;
  }

  onTick(msg: TickMessage): void {
    this.ticks.set(msg.index, msg);
    this.addSlices(msg.seconds);
    this.watermarks[msg.index] = Math.max(this.watermarks[msg.index] ?? 0, msg.watermark);
    this.finalizeBelow(Math.min(...this.watermarks));
  }

  onDone(msg: DoneMessage): void {
    this.done.set(msg.index, msg);
    this.addSlices(msg.seconds);
    this.watermarks[msg.index] = Number.POSITIVE_INFINITY;
    this.finalizeBelow(Math.min(...this.watermarks));
  }

  /** Gauges sampled by the main thread for second `s`. */
  sample(s: number, gauges: Gauges): void {
    const point = this.points.get(s);
    if (point) Object.assign(point, gauges);
    else this.gauges.set(s, { ...this.gauges.get(s), ...gauges });
  }

  /** Live counters: the sum of every generator's latest tick (or final report). */
  live(): LiveCounters {
    const out: LiveCounters = { requests: 0, failed: 0, errors: {}, activeUsers: 0, inFlight: 0 };
    for (const [index, tick] of this.ticks) {
      const done = this.done.get(index);
      if (done) {
        for (const e of Object.values(done.endpoints)) {
          out.requests += e.requests;
          out.failed += e.failed;
        }
        addCounts(out.errors, done.errors);
        continue;
      }
      out.requests += tick.requests;
      out.failed += tick.failed;
      out.activeUsers += tick.activeUsers;
      out.inFlight += tick.inFlight;
      addCounts(out.errors, tick.errors);
    }
    return out;
  }

  /**
   * The whole time series, one point per second from 0 to the last, gaps as zeros. A
   * last second that the load phase ended in the middle of (`endS` not a whole number)
   * is marked `partial`: its counts cover only part of a second.
   */
  timeseries(endS = Number.POSITIVE_INFINITY): TimePoint[] {
    this.finalizeBelow(Number.POSITIVE_INFINITY);
    let last = -1;
    for (const t of this.points.keys()) last = Math.max(last, t);
    const out: TimePoint[] = [];
    for (let t = 0; t <= last; t++) out.push(this.points.get(t) ?? emptyPoint(t));
    const tail = out[out.length - 1];
    if (tail && tail.t + 1 > endS) tail.partial = true;
    return out;
  }

  /** Adds up the final per-endpoint histograms and bins of every generator. */
  endpointHistograms(): { hists: Map<string, Histogram>; bins: Map<string, number[]> } {
    const parts = new Map<string, string[]>();
    const bins = new Map<string, number[]>();
    for (const done of this.done.values()) {
      for (const [name, e] of Object.entries(done.endpoints)) {
        const list = parts.get(name) ?? [];
        list.push(e.hist);
        parts.set(name, list);
        const into = bins.get(name) ?? [];
        e.bins.forEach((n, i) => (into[i] = (into[i] ?? 0) + n));
        bins.set(name, into);
      }
    }
    const hists = new Map<string, Histogram>();
    for (const [name, list] of parts) hists.set(name, mergeHistograms(list));
    return { hists, bins };
  }
}
