/**
 * Per-generator recording: one HDR histogram and counters per endpoint for the whole run,
 * and one compact histogram per wall-clock second (by completion time) for the time
 * series. Seconds are shipped to the main thread as they complete and then forgotten, so
 * memory stays flat on long runs.
 */
import { classify } from './categorize.js';
import { bump } from './counts.js';
import { createHistogram, encodeHistogram, recordMs, type Histogram } from './histogram.js';
import { ENDPOINTS, type CountSet, type EndpointName } from './types.js';

export interface SecondSlice {
  /** Second index since the run start. */
  s: number;
  hist: string;
  requests: number;
  ok: number;
  failed: number;
  errors: Record<string, number>;
}

export interface EndpointFinal extends CountSet {
  hist: string;
}

interface SecondBucket {
  hist: Histogram;
  requests: number;
  ok: number;
  failed: number;
  errors: Record<string, number>;
}

export function emptyCounts(): CountSet {
  return { requests: 0, ok: 0, failed: 0, statuses: {} };
}

export class Recorder {
  private readonly hist = new Map<EndpointName, Histogram>();
  private readonly counts = new Map<EndpointName, CountSet>();
  private readonly seconds = new Map<number, SecondBucket>();
  readonly errors: Record<string, number> = {};
  requests = 0;
  failed = 0;

  /** `t0` is the run's start (epoch ms, shared by all generators). */
  constructor(private readonly t0: number) {
    for (const e of ENDPOINTS) {
      this.hist.set(e, createHistogram());
      this.counts.set(e, emptyCounts());
    }
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
    const latency = Math.max(0, endMs - startMs);
    const { ok, categories } = classify(endpoint, status, transport);
    recordMs(this.hist.get(endpoint)!, latency);
    const c = this.counts.get(endpoint)!;
    c.requests++;
    bump(c.statuses, String(status));
    this.requests++;
    if (ok) c.ok++;
    else {
      c.failed++;
      this.failed++;
    }
    for (const cat of categories) bump(this.errors, cat);

    const s = Math.max(0, Math.floor((endMs - this.t0) / 1_000));
    let bucket = this.seconds.get(s);
    if (!bucket) {
      bucket = { hist: createHistogram(true), requests: 0, ok: 0, failed: 0, errors: {} };
      this.seconds.set(s, bucket);
    }
    recordMs(bucket.hist, latency);
    bucket.requests++;
    if (ok) bucket.ok++;
    else bucket.failed++;
    for (const cat of categories) bump(bucket.errors, cat);
    return ok;
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
      out.push({
        s,
        hist: encodeHistogram(b.hist),
        requests: b.requests,
        ok: b.ok,
        failed: b.failed,
        errors: b.errors,
      });
      this.seconds.delete(s);
    }
    return out.sort((a, b) => a.s - b.s);
  }

  endpoints(): Record<EndpointName, EndpointFinal> {
    const out = {} as Record<EndpointName, EndpointFinal>;
    for (const e of ENDPOINTS) {
      out[e] = { ...this.counts.get(e)!, hist: encodeHistogram(this.hist.get(e)!) };
    }
    return out;
  }
}
