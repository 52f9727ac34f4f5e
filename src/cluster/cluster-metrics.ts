/**
 * The primary's own metrics (worker counts, crashes, restarts) and the aggregation of
 * every worker's registry into one Prometheus exposition with prom-client's
 * AggregatorRegistry: counters and histograms are summed, gauges follow each metric's
 * aggregator (src/metrics/group-aggregation.ts for the default Node.js metrics).
 */
import { AggregatorRegistry, Counter, Gauge, Registry } from 'prom-client';
import { withGroupAggregators } from '../metrics/group-aggregation.js';

export interface ClusterMetrics {
  registry: Registry;
  configured: Gauge;
  live: Gauge;
  reporting: Gauge;
  crashes: Counter;
  restarts: Counter;
  slotsGivenUp: Gauge;
}

export function createClusterMetrics(workers: number): ClusterMetrics {
  const registry = new Registry();
  const configured = new Gauge({
    name: 'tollgate_cluster_workers_configured',
    help: 'Number of worker processes the group is configured for',
    registers: [registry],
  });
  configured.set(workers);
  return {
    registry,
    configured,
    live: new Gauge({
      name: 'tollgate_cluster_workers_live',
      help: 'Worker processes currently alive',
      registers: [registry],
    }),
    reporting: new Gauge({
      name: 'tollgate_cluster_workers_reporting',
      help: 'Workers whose metrics are included in this exposition (answered within the collect timeout)',
      registers: [registry],
    }),
    crashes: new Counter({
      name: 'tollgate_cluster_worker_crashes_total',
      help: 'Workers that exited unexpectedly',
      registers: [registry],
    }),
    restarts: new Counter({
      name: 'tollgate_cluster_worker_restarts_total',
      help: 'Workers forked to replace a crashed one',
      registers: [registry],
    }),
    slotsGivenUp: new Gauge({
      name: 'tollgate_cluster_worker_slots_given_up',
      help: 'Worker slots no longer restarted because they crashed in a loop',
      registers: [registry],
    }),
  };
}

/** One exposition of the whole group: every worker's part plus the primary's metrics. */
export async function aggregateGroupMetrics(
  metrics: ClusterMetrics,
  workerParts: readonly unknown[],
): Promise<{ contentType: string; body: string }> {
  metrics.reporting.set(workerParts.length);
  const parts = [
    ...workerParts.map((part) => withGroupAggregators(part as Array<{ name: string }>)),
    await metrics.registry.getMetricsAsJSON(),
  ];
  const aggregated = AggregatorRegistry.aggregate(parts);
  return { contentType: aggregated.contentType, body: await aggregated.metrics() };
}
