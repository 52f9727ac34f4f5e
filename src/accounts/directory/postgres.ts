/**
 * The accounts database on PostgreSQL through a `pg` pool: connections are opened with
 * a bounded connect timeout and TCP keepalive, every statement is bounded by
 * `statement_timeout` on the server and a slightly longer client-side query timeout,
 * and a connection that breaks is dropped from the pool, so the directory recovers by
 * itself when PostgreSQL comes back.
 */
import pg from 'pg';
import { classifyDatabaseError, type Database, type Queryable } from './database.js';

export interface PostgresOptions {
  url: string;
  /** Connections in this process's pool. */
  poolSize: number;
  connectTimeoutMs: number;
  statementTimeoutMs: number;
  /** Names the connections in pg_stat_activity. */
  applicationName?: string;
}

async function run<T extends object>(
  client: pg.Pool | pg.PoolClient,
  sql: string,
  params: readonly unknown[] = [],
): Promise<T[]> {
  try {
    const result = await client.query<T>(sql, params as unknown[]);
    return result.rows;
  } catch (err) {
    throw classifyDatabaseError(err);
  }
}

export function openPostgres(options: PostgresOptions): Database {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.poolSize,
    connectionTimeoutMillis: options.connectTimeoutMs,
    idleTimeoutMillis: 30_000,
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
    statement_timeout: options.statementTimeoutMs,
    // The client gives up a little after the server would have cancelled the statement.
    query_timeout: options.statementTimeoutMs + 500,
    application_name: options.applicationName ?? 'tollgate',
  });
  // An idle client that loses its connection emits here; the pool replaces it.
  pool.on('error', () => undefined);
  return {
    kind: 'postgres',
    poolStats: () => ({
      max: options.poolSize,
      total: pool.totalCount,
      idle: pool.idleCount,
      waiting: pool.waitingCount,
    }),
    query: (sql, params) => run(pool, sql, params),
    async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
      let client: pg.PoolClient;
      try {
        client = await pool.connect();
      } catch (err) {
        throw classifyDatabaseError(err);
      }
      let broken = false;
      try {
        await run(client, 'BEGIN');
        const result = await fn({ query: (sql, params) => run(client, sql, params) });
        await run(client, 'COMMIT');
        return result;
      } catch (err) {
        await run(client, 'ROLLBACK').catch(() => {
          broken = true;
        });
        throw err;
      } finally {
        client.release(broken);
      }
    },
    async ping() {
      await run(pool, 'SELECT 1');
    },
    async close() {
      await pool.end();
    },
  };
}
