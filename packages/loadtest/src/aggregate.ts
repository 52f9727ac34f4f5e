/**
 * Main-thread merge of what the generators report: per-second slices are added up per
 * second (HDR add, not averaged percentiles) and turned into time-series points once
 * every generator is past that second; final per-endpoint histograms are added up at the
 * end.
 */
import { addCounts } from './counts.js';
import { createHistogram, decodeHistogram, mergeHistograms, summarize, type Histogram } from './histogram.js';
import type { DoneMessage, TickMessage } from './messages.js';
import type { SecondSlice } from './recorder.js';
import type { TimePoint } from './report-json.js';

interface OpenSecond {
  hist: Histogram;
  requests: number;
  ok: number;
  failed: number;
  errors: Record<string, number>;
}

export interface Gauges {
  active_users?: number;
  in_flight?: number;
  generator_rss_mb?: number;
  target_rss_mb?: number;
}

export class Aggregator {
  private readonly open = new Map<number, OpenSecond>();
  private readonly points = new Map<number, TimePoint>();
  private readonly gauges = new Map<number, Gauges>();
  private readonly watermarks: number[];
  private readonly ticks = new Map<number, TickMessage>();
  readonly done = new Map<number, DoneMessage>();
  /** Latest finalised point (for live progress). */
  last: TimePoint | undefined;

  constructor(generators: number) {
    this.watermarks = new Array<number>(generators).fill(0);
  }

  private addSlices(slices: SecondSlice[]): void {
    for (const slice of slices) {
      let sec = this.open.get(slice.s);
      if (!sec) {
        sec = { hist: createHistogram(true), requests: 0, ok: 0, failed: 0, errors: {} };
        this.open.set(slice.s, sec);
      }
      sec.hist.add(decodeHistogram(slice.hist));
      sec.requests += slice.requests;
      sec.ok += slice.ok;
      sec.failed += slice.failed;
      addCounts(sec.errors, slice.errors);
    }
  }

  private finalizeBelow(watermark: number): void {
    for (const [s, sec] of [...this.open].sort((a, b) => a[0] - b[0])) {
      if (s >= watermark) continue;
      const lat = summarize(sec.hist);
      const point: TimePoint = {
        t: s,
        requests: sec.requests,
        ok: sec.ok,
        failed: sec.failed,
        p50: lat.p50,
        p90: lat.p90,
        p95: lat.p95,
        p99: lat.p99,
        max: lat.max,
        errors: sec.errors,
        ...this.gauges.get(s),
      };
      this.points.set(s, point);
      this.open.delete(s);
      this.gauges.delete(s);
      this.last = point;
    }
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
  live(): {
    requests: number;
    failed: number;
    errors: Record<string, number>;
    activeUsers: number;
    inFlight: number;
  } {
    let requests = 0;
    let failed = 0;
    let activeUsers = 0;
    let inFlight = 0;
    const errors: Record<string, number> = {};
    for (const [index, tick] of this.ticks) {
      const done = this.done.get(index);
      if (done) {
        for (const e of Object.values(done.endpoints)) {
          requests += e.requests;
          failed += e.failed;
        }
        addCounts(errors, done.errors);
        continue;
      }
      requests += tick.requests;
      failed += tick.failed;
      activeUsers += tick.activeUsers;
      inFlight += tick.inFlight;
      addCounts(errors, tick.errors);
    }
    return { requests, failed, errors, activeUsers, inFlight };
  }

  /** The whole time series, one point per second from 0 to the last, gaps as zeros. */
  timeseries(): TimePoint[] {
    this.finalizeBelow(Number.POSITIVE_INFINITY);
    let last = -1;
    for (const t of this.points.keys()) last = Math.max(last, t);
    const out: TimePoint[] = [];
    for (let t = 0; t <= last; t++) {
      out.push(
        this.points.get(t) ?? {
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
        },
      );
    }
    return out;
  }

  /** Adds up the final per-endpoint histograms of every generator. */
  endpointHistograms(): Map<string, Histogram> {
    const parts = new Map<string, string[]>();
    for (const done of this.done.values()) {
      for (const [name, e] of Object.entries(done.endpoints)) {
        const list = parts.get(name) ?? [];
        list.push(e.hist);
        parts.set(name, list);
      }
    }
    const out = new Map<string, Histogram>();
    for (const [name, list] of parts) out.set(name, mergeHistograms(list));
    return out;
  }
}
