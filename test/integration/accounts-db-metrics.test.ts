/**
 * The accounts database's connections in /metrics, on both engines: PostgreSQL's `pg`
 * pool (a real server, DATABASE_POOL_SIZE 2) and PGlite's one connection. Queries held
 * open show as `used`, the ones beyond the connections as pending, and both return to
 * idle / 0 when the queries end.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { Registry } from 'prom-client';
import type { Database } from '../../src/persistence/directory/database.js';
import { openPostgres } from '../../src/persistence/directory/postgres.js';
import { registerDatabaseMetrics } from '../../src/metrics/database-metrics.js';
import { testDatabase } from '../helpers/databases.js';
import { postgresDatabase } from '../helpers/postgres-server.js';
import { waitFor } from '../helpers/wait.js';

/** `name{labels} value` lines of the registry, as a map. */
async function scrape(registry: Registry): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const line of (await registry.metrics()).split('\n')) {
    const m = /^(tollgate_accounts_db_\w+)(\{[^}]*\})? (\S+)$/.exec(line);
    if (m) out.set(`${m[1]}${m[2] ?? ''}`, Number(m[3]));
  }
  return out;
}

async function holdAndScrape(
  db: Database,
  system: 'postgresql' | 'pglite',
  queries: number,
): Promise<{ busy: Map<string, number>; after: Map<string, number> }> {
  const registry = new Registry();
  registerDatabaseMetrics(registry, system, () => db.poolStats());
  const label = `db_system_name="${system}"`;
  const held = Array.from({ length: queries }, () => db.query('SELECT pg_sleep(1.5)'));
  let busy = new Map<string, number>();
  await waitFor(
    async () => {
      busy = await scrape(registry);
      return (busy.get(`tollgate_accounts_db_pending_requests{${label}}`) ?? 0) > 0;
    },
    { timeoutMs: 5_000, intervalMs: 20, what: 'queries waiting for a connection' },
  );
  await Promise.all(held);
  await waitFor(async () => db.poolStats().waiting === 0, { timeoutMs: 5_000, what: 'the queue to empty' });
  return { busy, after: await scrape(registry) };
}

describe('accounts database connections in /metrics', () => {
  const opened: Database[] = [];
  after(async () => {
    for (const db of opened) await db.close();
  });

  it('PostgreSQL: used, idle, allowed and waiting, from the pg pool', async () => {
    const db = openPostgres({
      url: await postgresDatabase(),
      poolSize: 2,
      connectTimeoutMs: 5_000,
      statementTimeoutMs: 10_000,
    });
    opened.push(db);
    const { busy, after: done } = await holdAndScrape(db, 'postgresql', 4);
    const l = 'db_system_name="postgresql"';
    assert.equal(busy.get(`tollgate_accounts_db_connections_max{${l}}`), 2);
    assert.equal(busy.get(`tollgate_accounts_db_connections{${l},state="used"}`), 2);
    assert.equal(busy.get(`tollgate_accounts_db_connections{${l},state="idle"}`), 0);
    assert.equal(busy.get(`tollgate_accounts_db_pending_requests{${l}}`), 2);
    assert.equal(done.get(`tollgate_accounts_db_connections{${l},state="used"}`), 0);
    assert.equal(done.get(`tollgate_accounts_db_connections{${l},state="idle"}`), 2);
    assert.equal(done.get(`tollgate_accounts_db_pending_requests{${l}}`), 0);
  });

  it('PGlite: one connection; what runs beyond it waits', async () => {
    const db = await testDatabase();
    opened.push(db);
    const { busy, after: done } = await holdAndScrape(db, 'pglite', 3);
    const l = 'db_system_name="pglite"';
    assert.equal(busy.get(`tollgate_accounts_db_connections_max{${l}}`), 1);
    assert.equal(busy.get(`tollgate_accounts_db_connections{${l},state="used"}`), 1);
    assert.equal(busy.get(`tollgate_accounts_db_pending_requests{${l}}`), 2);
    assert.equal(done.get(`tollgate_accounts_db_connections{${l},state="used"}`), 0);
    assert.equal(done.get(`tollgate_accounts_db_connections{${l},state="idle"}`), 1);
    assert.equal(done.get(`tollgate_accounts_db_pending_requests{${l}}`), 0);
  });
});
