/**
 * The accounts database on PostgreSQL through a `pg` pool: connections are opened with
 * a bounded connect timeout and TCP keepalive, every statement is bounded by
 * `statement_timeout` on the server and a slightly longer client-side query timeout,
 * and a connection that breaks is dropped from the pool, so the directory recovers by
 * itself when PostgreSQL comes back.
 *
 * Several hosts (a multi-host DATABASE_URL) and `target_session_attrs=read-write`, which
 * `pg` does not do itself: the pool talks to one host at a time. When it has none, or
 * when its host stops answering or stops accepting writes (a standby promoted, the old
 * primary gone or back as a standby), the hosts are probed in order, starting after the
 * one that failed, for one that accepts a connection and is read-write
 * (`pg_is_in_recovery()` false and `transaction_read_only` off); the pool moves there.
 * A request whose connection could not be opened tries the next host (one pass over the
 * hosts, each bounded by the connect timeout); a statement cut off by the failure is
 * not retried (it may have committed) and answers 503, like any outage.
 */
import pg from 'pg';
import { DatabaseUnavailableError } from '../../errors.js';
import { classifyDatabaseError, type Database, type Queryable } from './database.js';

export interface PostgresOptions {
  /** Single-host URLs, tried in this order. */
  hosts?: readonly string[];
  /** One host (the same as `hosts: [url]`). */
  url?: string;
  /** Use only a host whose sessions are read-write. */
  requireReadWrite?: boolean;
  /** Connections in this process's pool. */
  poolSize: number;
  connectTimeoutMs: number;
  statementTimeoutMs: number;
  /** Names the connections in pg_stat_activity. */
  applicationName?: string;
  /** Told when the pool moves to a host (its index in `hosts`). */
  onHostChange?: (index: number, previous: number | undefined) => void;
}

/** SQLSTATEs and errors after which the host is no good for writes any more. */
function hostLost(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown } | null;
  const code = typeof e?.code === 'string' ? e.code : '';
  if (code === '25006') return true; // read_only_sql_transaction: now a standby
  if (code.startsWith('08') || ['57P01', '57P02', '57P03'].includes(code)) return true;
  if (['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH'].includes(code)) return true;
  const message = typeof e?.message === 'string' ? e.message : '';
  return !code && /Connection terminated|timeout expired|not queryable/i.test(message);
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

interface Current {
  index: number;
  pool: pg.Pool;
}

export function openPostgres(options: PostgresOptions): Database {
  const hosts = options.hosts ?? (options.url ? [options.url] : []);
  if (hosts.length === 0) throw new Error('openPostgres needs at least one host');
  // With one host and no write requirement, the pool alone recovers (today's behaviour).
  const selecting = hosts.length > 1 || options.requireReadWrite;

  const newPool = (url: string): pg.Pool => {
    const pool = new pg.Pool({
      connectionString: url,
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
    return pool;
  };

  /** Whether `url` accepts a connection and, when required, is read-write. */
  const usable = async (url: string): Promise<boolean> => {
    const client = new pg.Client({
      connectionString: url,
      connectionTimeoutMillis: options.connectTimeoutMs,
      query_timeout: options.statementTimeoutMs,
      application_name: options.applicationName ?? 'tollgate',
    });
    client.on('error', () => undefined);
    try {
      await client.connect();
      if (!options.requireReadWrite) return true;
      const { rows } = await client.query<{ recovery: boolean; read_only: string }>(
        "SELECT pg_is_in_recovery() AS recovery, current_setting('transaction_read_only') AS read_only",
      );
      return rows[0]?.recovery === false && rows[0]?.read_only === 'off';
    } catch {
      return false;
    } finally {
      await client.end().catch(() => undefined);
    }
  };

  let current: Current | undefined = selecting ? undefined : { index: 0, pool: newPool(hosts[0]!) };
  let lastIndex: number | undefined;
  let selection: Promise<Current> | undefined;
  let closed = false;

  /** One pass over the hosts, starting after the last one used. */
  const select = (): Promise<Current> => {
    selection ??= (async () => {
      try {
        const start = lastIndex === undefined ? 0 : lastIndex + 1;
        for (let i = 0; i < hosts.length; i++) {
          const index = (start + i) % hosts.length;
          if (closed) break;
          if (await usable(hosts[index]!)) {
            const previous = lastIndex;
            current = { index, pool: newPool(hosts[index]!) };
            lastIndex = index;
            if (previous !== index) options.onHostChange?.(index, previous);
            return current;
          }
        }
        throw new DatabaseUnavailableError('disconnected');
      } finally {
        selection = undefined;
      }
    })();
    return selection;
  };

  /** The host of `used` failed: the next request looks for another. */
  const lost = (used: Current, err: unknown): void => {
    if (!selecting || current !== used || !hostLost(err)) return;
    current = undefined;
    void used.pool.end().catch(() => undefined);
  };

  const poolNow = async (): Promise<Current> => {
    if (closed) throw new DatabaseUnavailableError('disconnected');
    return current ?? (await select());
  };

  /** A connection of the current host, trying the next hosts when it cannot be opened. */
  const connect = async (): Promise<{ used: Current; client: pg.PoolClient }> => {
    for (let attempt = 1; ; attempt++) {
      const used = await poolNow();
      try {
        return { used, client: await used.pool.connect() };
      } catch (err) {
        lost(used, err);
        // Nothing was sent on a connection that did not open: safe to try the next host.
        if (!selecting || attempt >= hosts.length || !hostLost(err)) throw classifyDatabaseError(err);
      }
    }
  };

  const withClient = async <T>(
    fn: (client: pg.PoolClient, markBroken: () => void) => Promise<T>,
  ): Promise<T> => {
    const { used, client } = await connect();
    let broken = false;
    try {
      return await fn(client, () => (broken = true));
    } catch (err) {
      const cause = (err as { cause?: unknown }).cause ?? err;
      if (hostLost(cause)) {
        broken = true;
        lost(used, cause);
      }
      throw err;
    } finally {
      client.release(broken);
    }
  };

  return {
    kind: 'postgres',
    poolStats: () => ({
      max: options.poolSize,
      total: current?.pool.totalCount ?? 0,
      idle: current?.pool.idleCount ?? 0,
      waiting: current?.pool.waitingCount ?? 0,
    }),
    query: (sql, params) => withClient((client) => run(client, sql, params)),
    transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
      return withClient(async (client, markBroken) => {
        await run(client, 'BEGIN');
        try {
          const result = await fn({ query: (sql, params) => run(client, sql, params) });
          await run(client, 'COMMIT');
          return result;
        } catch (err) {
          await run(client, 'ROLLBACK').catch(markBroken);
          throw err;
        }
      });
    },
    async ping() {
      await withClient((client) => run(client, 'SELECT 1'));
    },
    async close() {
      closed = true;
      await selection?.catch(() => undefined);
      await current?.pool.end();
    },
  };
}
