/**
 * Prometheus metrics of the accounts database's connections (PostgreSQL's `pg` pool, or
 * PGlite's single in-process connection), read from its snapshot once per scrape
 * (per-scrape.ts): nothing on the query path. `db_system_name` says which engine.
 *
 * `tollgate_accounts_db_pending_requests` above 0 for long, with every connection
 * `used`, means queries wait for a connection: raise DATABASE_POOL_SIZE (PostgreSQL), or
 * move from PGlite to PostgreSQL. In cluster mode every metric adds up over the workers.
 */
import { Gauge, type Registry } from 'prom-client';
import { oncePerScrape } from './per-scrape.js';

/** A snapshot of the accounts database's connections (`Database.poolStats`). */
export interface DatabasePoolSnapshot {
  max: number;
  total: number;
  idle: number;
  waiting: number;
}

export function registerDatabaseMetrics(
  registry: Registry,
  system: 'postgresql' | 'pglite',
  stats: () => DatabasePoolSnapshot,
): void {
  const read = oncePerScrape(stats);
  const labels = { db_system_name: system };
  new Gauge({
    name: 'tollgate_accounts_db_connections',
    help: 'Accounts database connections by state (used: running a query or transaction; idle)',
    labelNames: ['db_system_name', 'state'] as const,
    registers: [registry],
    aggregator: 'sum',
    collect() {
      const s = read();
      this.set({ ...labels, state: 'used' }, Math.max(0, s.total - s.idle));
      this.set({ ...labels, state: 'idle' }, s.idle);
    },
  });
  new Gauge({
    name: 'tollgate_accounts_db_connections_max',
    help: 'Accounts database connections allowed (DATABASE_POOL_SIZE; 1 for PGlite)',
    labelNames: ['db_system_name'] as const,
    registers: [registry],
    aggregator: 'sum',
    collect() {
      this.set(labels, read().max);
    },
  });
  new Gauge({
    name: 'tollgate_accounts_db_pending_requests',
    help: 'Accounts database queries waiting for a connection',
    labelNames: ['db_system_name'] as const,
    registers: [registry],
    aggregator: 'sum',
    collect() {
      this.set(labels, read().waiting);
    },
  });
}
