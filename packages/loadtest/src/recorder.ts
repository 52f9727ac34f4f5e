/**
 * Per-generator recording: per endpoint, one HDR histogram, counters, status codes and
 * log-spaced bins for the whole run; per endpoint and wall-clock second (by completion
 * time), a histogram and counters for the time series. A latency is recorded once, in
 * its second's histogram, which is added to the endpoint's whole-run histogram when the
 * second is shipped to the main thread, then reset and reused: recording allocates
 * nothing on the success path and memory stays flat on long runs. Read `endpoints()`
 * after the last `flush()`.
 */
import { classify } from './categorize.js';
import { bump } from './counts.js';
import {
  binOf,
  createBins,
  createHistogram,
  encodeHistogram,
  recordMs,
  type Histogram,
} from './histogram.js';
import { ENDPOINTS, EXPECTED_STATUS, type CountSet, type EndpointName } from './types.js';

export interface SecondCounts {
  requests: number;
  ok: number;
  failed: number;
}

export interface EndpointSlice extends SecondCounts {
  hist: string;
}

export interface SecondSlice {
  /** Second index since the run start. */
  s: number;
  endpoints: Partial<Record<EndpointName, EndpointSlice>>;
  errors: Record<string, number>;
}

export interface EndpointFinal extends CountSet {
  hist: string;
  /** Counts per latency bin (histogram.ts BIN_BOUNDS_MS). */
  bins: number[];
}

interface EndpointSecond extends SecondCounts {
  hist: Histogram;
}

interface SecondBucket {
  endpoints: Partial<Record<EndpointName, EndpointSecond>>;
  errors: Record<string, number>;
}

interface EndpointTotals {
  hist: Histogram;
  counts: CountSet;
  bins: Float64Array;
}

export function emptyCounts(): CountSet {
  return { requests: 0, ok: 0, failed: 0, statuses: {} };
}

export class Recorder {
  private readonly totals = {} as Record<EndpointName, EndpointTotals>;
  private readonly seconds = new Map<number, SecondBucket>();
  /** Reset histograms of shipped seconds, reused for the next ones. */
  private readonly spare: Histogram[] = [];
  readonly errors: Record<string, number> = {};
  requests = 0;
  failed = 0;

  /** `t0` is the run's start (epoch ms, shared by all generators). */
  constructor(private readonly t0: number) {
    for (const e of ENDPOINTS)
      this.totals[e] = { hist: createHistogram(), counts: emptyCounts(), bins: createBins() };
  }

  /**
   * Records one exchange. `startMs` is when it was meant to start (the intended time in
   * the open model), `endMs` when it completed; both epoch ms.
   */
  record(
    endpoint: EndpointName,
    startMs: number,
    endMs: number,
    status: number,
    transport?: string,
  ): boolean {
    const latency = endMs > startMs ? endMs - startMs : 0;
    const ok = status === EXPECTED_STATUS[endpoint];
    const total = this.totals[endpoint];
    total.bins[binOf(latency)]!++;
    const c = total.counts;
    c.requests++;
    const statuses = c.statuses as Record<number, number>;
    statuses[status] = (statuses[status] ?? 0) + 1;
    this.requests++;

    const sec = this.second(Math.max(0, Math.floor((endMs - this.t0) / 1_000)));
    let es = sec.endpoints[endpoint];
    if (es === undefined) {
      es = { hist: this.spare.pop() ?? createHistogram(), requests: 0, ok: 0, failed: 0 };
      sec.endpoints[endpoint] = es;
    }
    recordMs(es.hist, latency);
    es.requests++;
    if (ok) {
      c.ok++;
      es.ok++;
      return true;
    }
    c.failed++;
    es.failed++;
    this.failed++;
    for (const cat of classify(endpoint, status, transport).categories) {
      bump(this.errors, cat);
      bump(sec.errors, cat);
    }
    return false;
  }

  private second(s: number): SecondBucket {
    let bucket = this.seconds.get(s);
    if (bucket === undefined) {
      bucket = { endpoints: {}, errors: {} };
      this.seconds.set(s, bucket);
    }
    return bucket;
  }

  /** Counts a category that is not tied to a request (e.g. `dropped`). */
  count(category: string, by = 1): void {
    bump(this.errors, category, by);
  }

  /** Current second index. */
  secondOf(ms: number): number {
    return Math.max(0, Math.floor((ms - this.t0) / 1_000));
  }

  /** Removes and returns the slices of every second before `upTo` (all when undefined). */
  flush(upTo?: number): SecondSlice[] {
    const out: SecondSlice[] = [];
    for (const [s, b] of this.seconds) {
      if (upTo !== undefined && s >= upTo) continue;
      const endpoints: Partial<Record<EndpointName, EndpointSlice>> = {};
      for (const name of ENDPOINTS) {
        const es = b.endpoints[name];
        if (es === undefined) continue;
        endpoints[name] = {
          hist: encodeHistogram(es.hist),
          requests: es.requests,
          ok: es.ok,
          failed: es.failed,
        };
        this.totals[name].hist.add(es.hist);
        es.hist.reset();
        this.spare.push(es.hist);
      }
      out.push({ s, endpoints, errors: b.errors });
      this.seconds.delete(s);
    }
    return out.sort((a, b) => a.s - b.s);
  }

  endpoints(): Record<EndpointName, EndpointFinal> {
    const out = {} as Record<EndpointName, EndpointFinal>;
    for (const e of ENDPOINTS) {
      const t = this.totals[e];
      out[e] = { ...t.counts, hist: encodeHistogram(t.hist), bins: [...t.bins] };
    }
    return out;
  }
}
