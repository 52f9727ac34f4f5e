/**
 * How the process group's exposition combines the workers' metrics. prom-client's
 * AggregatorRegistry applies each metric's `aggregator`: counters and histograms add up
 * (the group's totals), and so do gauges unless told otherwise. tollgate's own metrics
 * declare their aggregator where they are defined; this table corrects the default
 * Node.js metrics whose sum would mean nothing. Each default metric was checked:
 *
 * - summed, meaningful as the group's total: process CPU seconds, resident / virtual /
 *   heap memory, Node heap sizes and spaces, external memory, active handles /
 *   requests / resources, GC durations;
 * - `process_max_fds`: min (the tightest per-process limit; a sum would read 2x with 2
 *   workers), `process_open_fds`: max (the worker closest to that limit, so the ratio of
 *   the two is the one to alert on);
 * - `process_start_time_seconds`: max, the most recent (re)start (prom-client omits it);
 * - event-loop lag now and its percentiles: max (the slowest worker), min and max lag as
 *   prom-client has them, mean and standard deviation averaged;
 * - `nodejs_version_info`: first (the same in every worker).
 */
import type { Aggregator } from 'prom-client';

const DEFAULT_METRIC_AGGREGATORS: Readonly<Record<string, Aggregator>> = Object.freeze({
  process_max_fds: 'min',
  process_open_fds: 'max',
  process_start_time_seconds: 'max',
  nodejs_eventloop_lag_seconds: 'max',
  nodejs_eventloop_lag_p50_seconds: 'max',
  nodejs_eventloop_lag_p90_seconds: 'max',
  nodejs_eventloop_lag_p99_seconds: 'max',
});

interface MetricJson {
  name: string;
  aggregator?: Aggregator;
}

/** A worker's `registry.getMetricsAsJSON()`, with the group aggregators applied (copied, not mutated). */
export function withGroupAggregators<M extends MetricJson>(part: readonly M[]): M[] {
  return part.map((metric) => {
    const aggregator = DEFAULT_METRIC_AGGREGATORS[metric.name];
    return aggregator ? { ...metric, aggregator } : metric;
  });
}
