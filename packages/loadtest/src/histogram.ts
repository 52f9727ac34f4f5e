/**
 * HDR histograms of latencies. Values are recorded in microseconds and reported in
 * milliseconds. Generators ship histograms to the main thread as compressed base64 and
 * the main thread adds them up, so percentiles of merged runs are exact to 3 digits
 * (not averages of percentiles).
 */
import * as hdr from 'hdr-histogram-js';
import type { Histogram } from 'hdr-histogram-js';
import type { LatencySummary } from './types.js';

export type { Histogram };

/** 1 µs .. grows as needed (autoResize); 3 significant digits. */
export function createHistogram(compact = false): Histogram {
  return hdr.build({
    bitBucketSize: compact ? 'packed' : 32,
    autoResize: true,
    lowestDiscernibleValue: 1,
    highestTrackableValue: 2 ** 24,
    numberOfSignificantValueDigits: 3,
    useWebAssembly: false,
  });
}

/** Records a latency given in milliseconds (clamped to >= 1 µs). */
export function recordMs(histogram: Histogram, ms: number): void {
  histogram.recordValue(Math.max(1, Math.round(ms * 1_000)));
}

export function encodeHistogram(histogram: Histogram): string {
  return hdr.encodeIntoCompressedBase64(histogram);
}

export function decodeHistogram(encoded: string): Histogram {
  return hdr.decodeFromCompressedBase64(encoded, 32, false);
}

/** Adds every histogram of `parts` (encoded or not) into a new one. */
export function mergeHistograms(parts: ReadonlyArray<Histogram | string>): Histogram {
  const total = createHistogram();
  for (const part of parts) total.add(typeof part === 'string' ? decodeHistogram(part) : part);
  return total;
}

const round3 = (us: number): number => Math.round(us) / 1_000;

/** p50/p90/p95/p99/p99.9, min, mean, stddev and max in milliseconds; zeros when empty. */
export function summarize(histogram: Histogram): LatencySummary {
  if (histogram.totalCount === 0) {
    return { min: 0, mean: 0, stddev: 0, p50: 0, p90: 0, p95: 0, p99: 0, p99_9: 0, max: 0 };
  }
  const max = histogram.maxValue;
  // HDR reports the highest value equivalent to the bucket; never above the true max.
  const at = (p: number): number => round3(Math.min(histogram.getValueAtPercentile(p), max));
  return {
    min: round3(histogram.minNonZeroValue),
    mean: round3(histogram.mean),
    stddev: round3(histogram.stdDeviation),
    p50: at(50),
    p90: at(90),
    p95: at(95),
    p99: at(99),
    p99_9: at(99.9),
    max: round3(max),
  };
}

/**
 * Upper bounds (ms) of the report's latency histogram bins: a 1-2-5 series from 0.1 ms
 * to 100 s, then one bin for everything slower. Log-spaced, so a 2 ms verify and a
 * 500 ms login both get several bins.
 */
export const BIN_BOUNDS_MS: readonly number[] = [
  0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1_000, 2_000, 5_000, 10_000, 20_000, 50_000, 100_000,
];

/** Bin of a latency: the first bound >= ms (the last bin holds everything above). */
export function binOf(ms: number): number {
  let lo = 0;
  let hi = BIN_BOUNDS_MS.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (BIN_BOUNDS_MS[mid]! >= ms) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

export function createBins(): Float64Array {
  return new Float64Array(BIN_BOUNDS_MS.length + 1);
}
